package crypto

import (
	"fmt"

	"filippo.io/edwards25519"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
)

// keyState is where a held key is in its life.
type keyState string

const (
	// stateRound1: the participant has committed to its polynomial.
	stateRound1 keyState = "round1"
	// stateRound2: it has checked every proof and sent its shares.
	stateRound2 keyState = "round2"
	// statePending: it has verified its shares and holds a signing share,
	// which may not sign until the ceremony commits.
	statePending keyState = "pending"
	// stateActive: it may sign.
	stateActive keyState = "active"
	// stateRetired: a resharing of its group key committed a later epoch
	// here; its signing share is erased and it may not sign. Its public
	// part stays readable.
	stateRetired keyState = "retired"
)

// heldKey is one participant's FROST key as the keystore holds it: during
// a DKG its secret polynomial and its X25519 key, after it its signing
// share. Only the crypto plugin ever sees the secret fields.
type heldKey struct {
	handle  string
	state   keyState
	t, n    uint64
	id      uint64
	epoch   uint64
	context []byte

	// During the ceremony.
	coeffs     []*edwards25519.Scalar
	encPriv    []byte // X25519 private key
	transcript []byte // BLAKE3 of the round-one packages round two used

	// After it.
	secret      *edwards25519.Scalar
	groupPublic *edwards25519.Point
	verifying   []*edwards25519.Point // index id-1

	// reshare is set on a key made by frost_reshare_begin: what the old
	// epoch's key was, so the ceremony's steps check against it.
	reshare *reshareInfo
	// retiredAt is the epoch whose commit retired the key.
	retiredAt uint64
}

// reshareInfo is what a resharing key knows of the key it reshares.
type reshareInfo struct {
	group     *edwards25519.Point // the old (and new) group key
	oldShares []oldShare          // the old verifying shares, by old identifier
	dealers   []uint64            // the old identifiers that deal, sorted
	dealer    uint64              // this device's old identifier if it deals, else 0
	oldKey    string              // this device's old key's handle if it deals
}

// oldShare is one old participant's verifying share.
type oldShare struct {
	id     uint64
	public *edwards25519.Point
}

func (r *reshareInfo) oldShareOf(id uint64) *edwards25519.Point {
	for _, s := range r.oldShares {
		if s.id == id {
			return s.public
		}
	}
	return nil
}

// info is what anyone may know of the key: no secret.
func (k *heldKey) info() sdk.Value {
	fields := map[string]sdk.Value{
		"key": sdk.String(k.handle), "state": sdk.String(string(k.state)), "identifier": sdk.Int(int64(k.id)),
		"threshold": sdk.Int(int64(k.t)), "participants": sdk.Int(int64(k.n)), "epoch": sdk.Int(int64(k.epoch)),
	}
	if k.groupPublic != nil {
		fields["group_public"] = sdk.Bytes(k.groupPublic.Bytes())
		vs := make([]sdk.Value, len(k.verifying))
		for i, p := range k.verifying {
			vs[i] = sdk.Map(map[string]sdk.Value{"identifier": sdk.Int(int64(uint64(i + 1))), "public": sdk.Bytes(p.Bytes())})
		}
		fields["verifying_shares"] = sdk.List(vs...)
	}
	if k.state == stateRetired {
		fields["retired_at"] = sdk.Int(int64(k.retiredAt))
	}
	return sdk.Map(fields)
}

// encode is the key's canonical bytes, for the sealed file.
func (k *heldKey) encode() []byte {
	fields := map[string]sdk.Value{
		"state": sdk.String(string(k.state)), "t": sdk.Uint(k.t), "n": sdk.Uint(k.n), "id": sdk.Uint(k.id),
		"epoch": sdk.Uint(k.epoch), "context": sdk.Bytes(k.context),
	}
	if k.coeffs != nil {
		cs := make([]sdk.Value, len(k.coeffs))
		for i, c := range k.coeffs {
			cs[i] = sdk.Bytes(c.Bytes())
		}
		fields["coeffs"] = sdk.List(cs...)
		fields["enc_priv"] = sdk.Bytes(k.encPriv)
	}
	if k.transcript != nil {
		fields["transcript"] = sdk.Bytes(k.transcript)
	}
	if k.secret != nil {
		fields["secret"] = sdk.Bytes(k.secret.Bytes())
	}
	if k.retiredAt != 0 {
		fields["retired_at"] = sdk.Uint(k.retiredAt)
	}
	if r := k.reshare; r != nil {
		olds := make([]sdk.Value, len(r.oldShares))
		for i, o := range r.oldShares {
			olds[i] = sdk.Map(map[string]sdk.Value{"id": sdk.Uint(o.id), "public": sdk.Bytes(o.public.Bytes())})
		}
		ds := make([]sdk.Value, len(r.dealers))
		for i, d := range r.dealers {
			ds[i] = sdk.Uint(d)
		}
		fields["reshare"] = sdk.Map(map[string]sdk.Value{
			"group": sdk.Bytes(r.group.Bytes()), "old_shares": sdk.List(olds...), "dealers": sdk.List(ds...),
			"dealer": sdk.Uint(r.dealer), "old_key": sdk.String(r.oldKey)})
	}
	if k.groupPublic != nil {
		fields["group_public"] = sdk.Bytes(k.groupPublic.Bytes())
		vs := make([]sdk.Value, len(k.verifying))
		for i, p := range k.verifying {
			vs[i] = sdk.Bytes(p.Bytes())
		}
		fields["verifying"] = sdk.List(vs...)
	}
	return sdk.Map(fields).Canonical()
}

func decodeHeldKey(handle string, b []byte) (*heldKey, error) {
	v, err := effects.DecodeCanonical(b)
	if err != nil {
		return nil, err
	}
	r := record{v, "key"}
	k := &heldKey{handle: handle}
	state, _ := r.get("state").AsString()
	k.state = keyState(state)
	k.t, _ = r.get("t").AsUint()
	k.n, _ = r.get("n").AsUint()
	k.id, _ = r.get("id").AsUint()
	k.epoch, _ = r.get("epoch").AsUint()
	k.context, _ = r.get("context").AsBytes()
	if cs := r.get("coeffs"); !cs.IsNull() {
		for i, c := range cs.Items() {
			b, _ := c.AsBytes()
			s, err := deserializeScalar(b)
			if err != nil {
				return nil, fmt.Errorf("coefficient %d %v", i, err)
			}
			k.coeffs = append(k.coeffs, s)
		}
		k.encPriv, _ = r.get("enc_priv").AsBytes()
	}
	if t := r.get("transcript"); !t.IsNull() {
		k.transcript, _ = t.AsBytes()
	}
	if !r.get("secret").IsNull() {
		if k.secret, err = r.scalar("secret"); err != nil {
			return nil, err
		}
	}
	k.retiredAt, _ = r.get("retired_at").AsUint()
	if rv := r.get("reshare"); !rv.IsNull() {
		if k.reshare, err = decodeReshareInfo(record{rv, "key.reshare"}); err != nil {
			return nil, err
		}
	}
	if !r.get("group_public").IsNull() {
		if k.groupPublic, err = r.element("group_public"); err != nil {
			return nil, err
		}
		for i, p := range r.get("verifying").Items() {
			b, _ := p.AsBytes()
			pt, err := deserializeElement(b)
			if err != nil {
				return nil, fmt.Errorf("verifying share %d %v", i+1, err)
			}
			k.verifying = append(k.verifying, pt)
		}
	}
	switch k.state {
	case stateRound1, stateRound2, statePending, stateActive, stateRetired:
	default:
		return nil, fmt.Errorf("unknown state %q", state)
	}
	return k, nil
}

func decodeReshareInfo(r record) (*reshareInfo, error) {
	info := &reshareInfo{}
	var err error
	if info.group, err = r.element("group"); err != nil {
		return nil, err
	}
	for i, o := range r.get("old_shares").Items() {
		or := record{o, fmt.Sprintf("%s.old_shares[%d]", r.where, i)}
		id, _ := or.get("id").AsUint()
		pt, err := or.element("public")
		if err != nil {
			return nil, err
		}
		info.oldShares = append(info.oldShares, oldShare{id: id, public: pt})
	}
	for _, d := range r.get("dealers").Items() {
		id, _ := d.AsUint()
		info.dealers = append(info.dealers, id)
	}
	info.dealer, _ = r.get("dealer").AsUint()
	info.oldKey, _ = r.get("old_key").AsString()
	return info, nil
}

package recovery

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/service"
	"github.com/aurahost/aura-host/sdk"
)

// guardianSet is one recovery.guardians_set fact: the guardians of an
// account (authorities, each with the device key the deployment knows for
// it) and the threshold, signed by the account's device (purpose
// effects.PurposeGuardianSet).
type guardianSet struct {
	account   string
	guardians []guardian
	threshold int64
	setMS     int64
	signer    []byte
	signature []byte
}

func (g *guardianSet) signed() sdk.Value {
	items := make([]sdk.Value, len(g.guardians))
	for i, gd := range g.guardians {
		items[i] = sdk.Map(map[string]sdk.Value{"id": sdk.String(gd.id), "public_key": sdk.Bytes(gd.key)})
	}
	return sdk.Map(map[string]sdk.Value{
		"account": sdk.String(g.account), "guardians": sdk.List(items...), "threshold": sdk.Int(g.threshold),
		"set_ms": sdk.Int(g.setMS), "signer_key": sdk.Bytes(g.signer),
	})
}

func (g *guardianSet) body() sdk.Value {
	m := map[string]sdk.Value{"signature": sdk.Bytes(g.signature)}
	for _, f := range g.signed().Fields() {
		m[f.Key] = f.Value
	}
	return sdk.Map(m)
}

func (g *guardianSet) value() sdk.Value {
	s := g.signed()
	guardians, _ := s.Get("guardians")
	return sdk.Map(map[string]sdk.Value{"account": sdk.String(g.account), "guardians": guardians,
		"threshold": sdk.Int(g.threshold), "set_ms": sdk.Int(g.setMS)})
}

func decodeGuardianSet(body sdk.Value) (*guardianSet, error) {
	b := service.Read(body, PredicateGuardiansSet+" fact")
	g := &guardianSet{account: b.String("account"), threshold: b.Int("threshold"), setMS: b.Int("set_ms"),
		signer: b.Bytes("signer_key"), signature: b.Bytes("signature")}
	items := b.List("guardians")
	if err := b.Err(); err != nil {
		return nil, err
	}
	var err error
	if g.guardians, err = decodeGuardians(items); err != nil {
		return nil, err
	}
	if g.threshold < 1 || g.threshold > int64(len(g.guardians)) {
		return nil, fmt.Errorf("guardian set of %s: threshold %d outside 1..%d", g.account, g.threshold, len(g.guardians))
	}
	return g, nil
}

// trusted reports whether a guardian set was signed by this agent's device
// for this account: the trust anchor of the guardian set is the account's
// own device key, so a set merged into the journal by anyone else counts
// for nothing.
func (g *guardianSet) trusted(account string, anchor ed25519.PublicKey) bool {
	return anchor != nil && g.account == account && bytes.Equal(g.signer, anchor) &&
		service.DeviceSignatureValid(effects.PurposeGuardianSet, g.signed().Canonical(), g.signature, g.signer)
}

// newer reports whether g supersedes cur: a later set_ms, or at the same
// time the greater canonical encoding (so replicas agree).
func (g *guardianSet) newer(cur *guardianSet) bool {
	if cur == nil || g.setMS != cur.setMS {
		return cur == nil || g.setMS > cur.setMS
	}
	return effects.Compare(g.body(), cur.body()) > 0
}

func (s *recoveries) setGuardians(ctx context.Context, fx *service.Effects, c *sdk.Call) (sdk.Value, error) {
	account, err := service.Actor(c)
	if err != nil {
		return sdk.Value{}, err
	}
	a := service.Read(c.Args, "arguments")
	ids, threshold := a.Strings("guardians"), a.Int("threshold")
	if err := a.Err(); err != nil {
		return sdk.Value{}, service.Invalid("%v", err)
	}
	if len(ids) == 0 {
		return sdk.Value{}, service.Invalid("guardians must name at least one guardian authority")
	}
	if threshold < 1 || threshold > int64(len(ids)) {
		return sdk.Value{}, service.Invalid("threshold must be between 1 and the number of guardians (%d), got %d", len(ids), threshold)
	}
	g := &guardianSet{account: account, threshold: threshold}
	seen := map[string]bool{}
	for _, id := range ids {
		if _, err := effects.ParseAuthorityID(id); err != nil {
			return sdk.Value{}, service.Invalid("guardian %q is not an authority id: %v", id, err)
		}
		if id == account {
			return sdk.Value{}, service.Invalid("an account cannot be its own guardian")
		}
		if seen[id] {
			return sdk.Value{}, service.Invalid("guardian %s is listed twice", id)
		}
		seen[id] = true
		key, ok, err := fx.PeerKey(ctx, id)
		if err != nil {
			return sdk.Value{}, err
		}
		if !ok {
			return sdk.Value{}, sdk.Errorf(sdk.CodeUnknownDevice,
				"no device key is known for guardian %s: a guardian's key comes from the deployment's peer keys, never from the caller", id)
		}
		g.guardians = append(g.guardians, guardian{id: id, key: key})
	}
	if g.signer, err = fx.DeviceKey(ctx); err != nil {
		return sdk.Value{}, err
	}
	if g.setMS, err = fx.Now(ctx); err != nil {
		return sdk.Value{}, err
	}
	if g.signature, err = fx.DeviceSign(ctx, effects.PurposeGuardianSet, g.signed().Canonical()); err != nil {
		return sdk.Value{}, err
	}
	if _, err := decodeGuardianSet(g.body()); err != nil {
		return sdk.Value{}, service.Invalid("%v", err)
	}
	id, err := fx.Append(ctx, service.Fact{Predicate: PredicateGuardiansSet, Time: g.setMS, Body: g.body()})
	if err != nil {
		return sdk.Value{}, err
	}
	s.anchor = g.signer
	if g.newer(s.set) {
		s.set = g
	}
	out := map[string]sdk.Value{"fact_id": sdk.Bytes(id)}
	for _, f := range g.value().Fields() {
		out[f.Key] = f.Value
	}
	return sdk.Map(out), nil
}

func (s *recoveries) guardians(_ context.Context, _ *service.Effects, _ *sdk.Call) (sdk.Value, error) {
	if s.set == nil {
		return sdk.Value{}, sdk.Errorf(sdk.CodeNotFound, "no guardian set: recovery.set_guardians establishes one")
	}
	return s.set.value(), nil
}

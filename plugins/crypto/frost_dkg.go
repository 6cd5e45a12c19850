package crypto

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"filippo.io/edwards25519"
	"lukechampine.com/blake3"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
)

// Documentation of the DKG's structured values, shared by the op docs.
const (
	dkgPackageDoc = "a round-one package: map {identifier: int, commitment: list of t 32-byte points (constant term first), " +
		"proof: bytes (64: R then z, a Schnorr proof of knowledge of the constant term), encryption_key: bytes (32-byte X25519 key)}"
	dkgShareDoc = "an encrypted round-two share: map {sender: int, receiver: int, ciphertext: bytes (ChaCha20-Poly1305, only the receiver can open it)}"
	heldKeyDoc  = "a key handle (hex string) from frost_dkg_begin or frost_reshare_begin"
	keyInfoDoc  = "map {key: string, state: string (round1, round2, pending, active, retired), identifier: int, threshold: int, participants: int, " +
		"epoch: int, group_public: bytes, verifying_shares: list of map {identifier: int, public: bytes}, retired_at: int (when retired: " +
		"the epoch that replaced it)} (no secret)"
)

// minContext is the shortest ceremony context accepted: it must be unique
// to the ceremony, so it is random.
const minContext = 16

func (p *plugin) dkgOperations() []sdk.Operation {
	handle := sdk.Param{Name: "key", Kind: sdk.KindString, Doc: heldKeyDoc}
	packages := sdk.Param{Name: "packages", Kind: sdk.KindList, Doc: "every participant's round-one package (its own included), each " + dkgPackageDoc}
	return []sdk.Operation{
		{
			Spec: sdk.OpSpec{
				ID: effects.CryptoFrostDKGBegin,
				Doc: "Round one of a Pedersen DKG with proofs of knowledge (the FROST paper's KeyGen) for one participant: draws " +
					"its secret polynomial and an X25519 key, both held in the plugin under a new key handle and sealed at rest " +
					"in its state directory. Returns map {key: string (the handle), package: " + dkgPackageDoc + "} — broadcast the package.",
				Params: []sdk.Param{
					{Name: "t", Kind: sdk.KindInt, Doc: "the threshold: how many participants must sign, 1 to n"},
					{Name: "n", Kind: sdk.KindInt, Doc: "how many participants (identifiers 1 to n), up to 255"},
					{Name: "identifier", Kind: sdk.KindInt, Doc: "this participant's identifier, 1 to n"},
					{Name: "context", Kind: sdk.KindBytes, Doc: "the ceremony's unique context (at least 16 random bytes, the same for all): every proof and share is bound to it"},
				},
				Result:      sdk.KindMap,
				Determinism: sdk.WritesWorld,
			},
			Handle: p.held(p.dkgBegin),
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.CryptoFrostDKGShares,
				Doc: "Round two for one participant: checks every package (identifiers 1 to n once each, t commitments, this " +
					"participant's own package unchanged, each proof of knowledge), then returns its share for every other " +
					"participant, each " + dkgShareDoc + ". A package whose proof does not verify is invalid_args naming its " +
					"participant: the ceremony must abort. On a resharing's key (frost_reshare_begin) the packages are the new " +
					"epoch's, and it also checks each dealer's constant term is its old verifying share times its Lagrange " +
					"coefficient over the dealers (invalid_args naming the dealer otherwise) and that they sum to the group key; " +
					"only a dealer returns shares (a participant that does not deal returns an empty list).",
				Params:      []sdk.Param{handle, packages},
				Result:      sdk.KindList,
				Determinism: sdk.WritesWorld,
			},
			Handle: p.held(p.dkgShares),
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.CryptoFrostDKGRoute,
				Doc: "For whoever relays the shares: sorts encrypted round-two shares by receiver. Returns a list with one item " +
					"per identifier from..to, each the list of shares addressed to it, ordered by sender.",
				Params: []sdk.Param{
					{Name: "shares", Kind: sdk.KindList, Doc: "round-two outputs: lists of shares (or shares), each " + dkgShareDoc},
					{Name: "from", Kind: sdk.KindInt, Doc: "the first receiver's identifier"},
					{Name: "to", Kind: sdk.KindInt, Doc: "the last receiver's identifier"},
				},
				Result:      sdk.KindList,
				Idempotent:  true,
				Determinism: sdk.Pure,
			},
			Handle: dkgRoute,
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.CryptoFrostDKGFinish,
				Doc: "Round two's end for one participant: opens each share sent to it and checks it against its sender's " +
					"commitment. Returns map {ok: bool, transcript: bytes (BLAKE3 of the round-one packages: equal at every " +
					"participant of an honest ceremony), group_public: bytes (when ok), complaint: null or map {accused: int, " +
					"reason: string} naming the first sender whose share is missing, does not open or does not verify}. When ok " +
					"the key holds its signing share, pending until frost_dkg_commit. In a resharing the shares come from the " +
					"dealers only, and group_public is the old epoch's.",
				Params: []sdk.Param{handle, packages,
					{Name: "shares", Kind: sdk.KindList, Doc: "the shares addressed to this participant, one from every other, each " + dkgShareDoc}},
				Result:      sdk.KindMap,
				Determinism: sdk.WritesWorld,
			},
			Handle: p.held(p.dkgFinish),
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.CryptoFrostDKGCommit,
				Doc: "Makes a pending key active (it may sign from now on) once the ceremony agreed. For a resharing's key, " +
					"it then retires every active key of the same group of an earlier epoch held here: their signing shares " +
					"are erased and frost_key_nonces refuses them (conflict, \"retired at epoch N\"). The new key is active " +
					"on disk before the old one retires, so a crash leaves one of them active, and on load the later epoch " +
					"wins. Returns " + keyInfoDoc + ".",
				Params:      []sdk.Param{handle},
				Result:      sdk.KindMap,
				Idempotent:  true,
				Determinism: sdk.WritesWorld,
			},
			Handle: p.held(p.dkgCommit),
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.CryptoFrostDKGAbort,
				Doc: "Forgets a key whose ceremony failed (in memory and on disk). An active or retired key cannot be aborted (conflict). " +
					"Aborting a resharing's key is its rollback: the old epoch's key stays active. Returns null.",
				Params:      []sdk.Param{handle},
				Result:      sdk.KindNull,
				Idempotent:  true,
				Determinism: sdk.WritesWorld,
			},
			Handle: p.held(p.dkgAbort),
		},
		{
			Spec: sdk.OpSpec{
				ID:          effects.CryptoFrostKeyInfo,
				Doc:         "Describes a held key: " + keyInfoDoc + ".",
				Params:      []sdk.Param{handle},
				Result:      sdk.KindMap,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: p.held(p.keyInfo),
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.CryptoFrostKeyNonces,
				Doc: "Round one of FROST signing with an active held key (RFC 9591 §5.1): the nonces stay in the plugin, in " +
					"memory, for one frost_key_sign_share. A retired key is a conflict naming the epoch that retired it. Returns map {nonces: string (their handle), commitment: " + commitmentDoc + "}.",
				Params:      []sdk.Param{handle},
				Result:      sdk.KindMap,
				Determinism: sdk.WritesWorld,
			},
			Handle: p.held(p.keyNonces),
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.CryptoFrostKeySignShare,
				Doc: "Round two of FROST signing with an active held key (RFC 9591 §5.2): uses up the nonces (a second use is " +
					"not_found), checks the package holds their commitment and the key's group_public. Returns map {identifier: int, share: bytes}.",
				Params: []sdk.Param{handle,
					{Name: "pkg", Kind: sdk.KindMap, Doc: packageDoc},
					{Name: "nonces", Kind: sdk.KindString, Doc: "the nonces handle from frost_key_nonces"}},
				Result:      sdk.KindMap,
				Determinism: sdk.WritesWorld,
			},
			Handle: p.held(p.keySignShare),
		},
	}
}

// newHandle draws a handle that inUse says is free. A key's handle must
// name no key in memory or on disk (keystore.keyInUse): a seeded run over
// a state directory an earlier run left keys in draws that run's handles
// again, and must not overwrite its keys. Nonces live in memory only
// (keystore.noncesInUse), so drawing their handle reads no disk.
func (p *plugin) newHandle(purpose string, inUse func(string) bool) string {
	for {
		var b [16]byte
		p.random(purpose, b[:])
		if h := hex.EncodeToString(b[:]); !inUse(h) {
			return h
		}
	}
}

func (p *plugin) dkgBegin(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	t, n, id := intArg(c, "t"), intArg(c, "n"), intArg(c, "identifier")
	if t < 1 || t > n || n > maxFrostSigners {
		return sdk.Value{}, invalid("need 1 <= t <= n <= %d, got t %d, n %d", maxFrostSigners, t, n)
	}
	if id < 1 || id > n {
		return sdk.Value{}, invalid("identifier %d is not in 1..%d", id, n)
	}
	context := bytesArg(c, "context")
	if len(context) < minContext {
		return sdk.Value{}, invalid("context must be at least %d bytes unique to the ceremony, got %d", minContext, len(context))
	}
	k := &heldKey{state: stateRound1, t: uint64(t), n: uint64(n), id: uint64(id), epoch: 1, context: context}
	for range t {
		k.coeffs = append(k.coeffs, p.randomScalar("frost dkg coefficient"))
	}
	var encSeed [32]byte
	p.random("frost dkg encryption key", encSeed[:])
	encPriv, err := ecdh.X25519().NewPrivateKey(encSeed[:])
	if err != nil {
		return sdk.Value{}, sdk.Errorf(sdk.CodeInternal, "x25519: %v", err)
	}
	k.encPriv = encSeed[:]
	pkg := dkgPackage{id: k.id, commitment: vssCommit(k.coeffs), encKey: encPriv.PublicKey().Bytes()}
	pkg.proofR, pkg.proofZ = proveKnowledge(k.id, context, k.coeffs, pkg.commitment, pkg.encKey, p.randomScalar("frost dkg proof nonce"))
	k.handle = p.newHandle("frost key handle", p.keys.keyInUse)
	if err := p.keys.put(ctx, k); err != nil {
		return sdk.Value{}, err
	}
	return sdk.Map(map[string]sdk.Value{"key": sdk.String(k.handle), "package": pkg.value()}), nil
}

func (pkg dkgPackage) value() sdk.Value {
	fields := map[string]sdk.Value{"identifier": sdk.Int(int64(pkg.id)), "encryption_key": sdk.Bytes(pkg.encKey)}
	if pkg.commitment != nil {
		cs := make([]sdk.Value, len(pkg.commitment))
		for i, pt := range pkg.commitment {
			cs[i] = sdk.Bytes(pt.Bytes())
		}
		fields["commitment"] = sdk.List(cs...)
		fields["proof"] = sdk.Bytes(append(pkg.proofR.Bytes(), pkg.proofZ.Bytes()...))
	}
	if pkg.dealer != 0 {
		fields["dealer"], fields["epoch"] = sdk.Int(int64(pkg.dealer)), sdk.Int(int64(pkg.epoch))
	}
	return sdk.Map(fields)
}

// readPackages decodes the ceremony's round-one packages, sorted by
// identifier, and checks their shape against k: identifiers 1..n once
// each, t commitments each, k's own package as k made it, and (when
// proofs) every proof of knowledge. It returns them with the transcript.
func readPackages(v sdk.Value, k *heldKey, proofs bool) ([]dkgPackage, []byte, error) {
	if k.reshare != nil {
		return readResharePackages(v, k, proofs)
	}
	if v.Len() != int(k.n) {
		return nil, nil, invalid("packages holds %d packages; the ceremony has %d participants", v.Len(), k.n)
	}
	pkgs := make([]dkgPackage, 0, k.n)
	for i, it := range v.Items() {
		r := record{it, fmt.Sprintf("packages[%d]", i)}
		pkg, err := decodeDKGPackage(r, k.t)
		if err != nil {
			return nil, nil, err
		}
		pkgs = append(pkgs, pkg)
	}
	slices.SortFunc(pkgs, func(a, b dkgPackage) int { return cmpUint(a.id, b.id) })
	for i, pkg := range pkgs {
		if pkg.id != uint64(i+1) {
			return nil, nil, invalid("packages must come from participants 1..%d once each; got identifiers %v", k.n, packageIDs(pkgs))
		}
	}
	own := pkgs[k.id-1]
	if k.coeffs != nil && !slices.EqualFunc(own.commitment, vssCommit(k.coeffs), func(a, b *edwards25519.Point) bool { return a.Equal(b) == 1 }) {
		return nil, nil, invalid("packages hold participant %d's package altered: it is not the one this participant made", k.id)
	}
	if proofs {
		for _, pkg := range pkgs {
			if !pkg.verifyKnowledge(k.context) {
				return nil, nil, invalid("participant %d's proof of knowledge does not verify for this ceremony: it cannot take part, and the ceremony must abort", pkg.id)
			}
		}
	}
	h := blake3.New(32, nil)
	h.Write(lengthPrefixed(k.context))
	h.Write([]byte{byte(k.t), byte(k.n)})
	for _, pkg := range pkgs {
		h.Write(pkg.value().Canonical())
	}
	return pkgs, h.Sum(nil), nil
}

func packageIDs(pkgs []dkgPackage) []uint64 {
	ids := make([]uint64, len(pkgs))
	for i, p := range pkgs {
		ids[i] = p.id
	}
	return ids
}

func decodeDKGPackage(r record, t uint64) (dkgPackage, error) {
	id, err := r.identifier()
	if err != nil {
		return dkgPackage{}, err
	}
	pkg := dkgPackage{id: id}
	cs := r.get("commitment")
	if cs.Kind() != sdk.KindList || uint64(cs.Len()) != t {
		return pkg, invalid("%s.commitment must be a list of t = %d points, got %v", r.where, t, cs.Kind())
	}
	for j, it := range cs.Items() {
		b, _ := it.AsBytes()
		pt, err := element(b, fmt.Sprintf("%s.commitment[%d]", r.where, j))
		if err != nil {
			return pkg, err
		}
		pkg.commitment = append(pkg.commitment, pt)
	}
	proof, err := r.bytes("proof")
	if err != nil {
		return pkg, err
	}
	if len(proof) != 64 {
		return pkg, invalid("%s.proof must be 64 bytes, got %d", r.where, len(proof))
	}
	if pkg.proofR, err = element(proof[:32], r.where+".proof's R"); err != nil {
		return pkg, err
	}
	if pkg.proofZ, err = deserializeScalar(proof[32:]); err != nil {
		return pkg, invalid("%s.proof's z %v", r.where, err)
	}
	if pkg.encKey, err = r.bytes("encryption_key"); err != nil {
		return pkg, err
	}
	if _, err := ecdh.X25519().NewPublicKey(pkg.encKey); err != nil {
		return pkg, invalid("%s.encryption_key must be a 32-byte X25519 key, got %d bytes", r.where, len(pkg.encKey))
	}
	return pkg, nil
}

func (p *plugin) heldKey(ctx context.Context, c *sdk.Call, want ...keyState) (*heldKey, error) {
	handle, _ := c.Arg("key").AsString()
	k, err := p.keys.get(ctx, handle)
	if err != nil {
		return nil, err
	}
	if len(want) > 0 && !slices.Contains(want, k.state) {
		if k.state == stateRetired {
			return nil, retiredError(k)
		}
		return nil, sdk.Errorf(sdk.CodeConflict, "key %s is %s; this step needs it %v", handle, k.state, want)
	}
	return k, nil
}

func (p *plugin) dkgShares(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	k, err := p.heldKey(ctx, c, stateRound1, stateRound2)
	if err != nil {
		return sdk.Value{}, err
	}
	pkgs, transcript, err := readPackages(c.Arg("packages"), k, true)
	if err != nil {
		return sdk.Value{}, err
	}
	if k.state == stateRound2 && !bytes.Equal(k.transcript, transcript) {
		return sdk.Value{}, sdk.Errorf(sdk.CodeConflict, "round two already ran over other packages: a participant may share only once per ceremony")
	}
	if k.reshare != nil && k.reshare.oldKey != "" {
		// A dealer's polynomial carries its old share: deal it only while
		// that share is still the device's active key (not retired by
		// another rotation that committed meanwhile).
		old, err := p.keys.get(ctx, k.reshare.oldKey)
		if err != nil {
			return sdk.Value{}, err
		}
		if err := activeCheck(old); err != nil {
			return sdk.Value{}, err
		}
	}
	priv, err := ecdh.X25519().NewPrivateKey(k.encPriv)
	if err != nil {
		return sdk.Value{}, sdk.Errorf(sdk.CodeInternal, "x25519: %v", err)
	}
	out := make([]sdk.Value, 0, k.n-1)
	for _, pkg := range pkgs {
		if pkg.id == k.id || k.coeffs == nil { // in a resharing, only a dealer sends shares
			continue
		}
		key, err := shareKey(priv, pkg.encKey, k.context, k.id, pkg.id)
		if err != nil {
			return sdk.Value{}, invalid("participant %d's encryption_key: %v", pkg.id, err)
		}
		sealed := sealShare(key, polynomialEvaluate(identifierScalar(pkg.id), k.coeffs), k.context)
		out = append(out, sdk.Map(map[string]sdk.Value{
			"sender": sdk.Int(int64(k.id)), "receiver": sdk.Int(int64(pkg.id)), "ciphertext": sdk.Bytes(sealed)}))
	}
	if k.state == stateRound1 {
		k.state, k.transcript = stateRound2, transcript
		if k.reshare != nil && k.epoch == 0 { // a newcomer learns the epoch from the dealers
			k.epoch = dealersOf(pkgs)[0].epoch
		}
		if err := p.keys.put(ctx, k); err != nil {
			return sdk.Value{}, err
		}
	}
	return sdk.List(out...), nil
}

// encryptedShare is one decoded round-two share.
type encryptedShare struct {
	sender, receiver uint64
	ciphertext       []byte
}

func decodeShare(it sdk.Value, where string) (encryptedShare, error) {
	r := record{it, where}
	if it.Kind() != sdk.KindMap {
		return encryptedShare{}, invalid("%s must be a map, got %s", where, it.Kind())
	}
	s, okS := r.get("sender").AsUint()
	rc, okR := r.get("receiver").AsUint()
	ct, err := r.bytes("ciphertext")
	if err != nil {
		return encryptedShare{}, err
	}
	if !okS || !okR || s == 0 || rc == 0 {
		return encryptedShare{}, invalid("%s must name its sender and receiver as positive integers", where)
	}
	return encryptedShare{sender: s, receiver: rc, ciphertext: ct}, nil
}

func dkgRoute(_ context.Context, c *sdk.Call) (sdk.Value, error) {
	from, to := intArg(c, "from"), intArg(c, "to")
	if from < 1 || to < from || to > maxFrostSigners {
		return sdk.Value{}, invalid("need 1 <= from <= to <= %d, got from %d, to %d", maxFrostSigners, from, to)
	}
	var all []encryptedShare
	for i, it := range c.Arg("shares").Items() {
		items := []sdk.Value{it}
		if it.Kind() == sdk.KindList {
			items = it.Items()
		}
		for j, sh := range items {
			s, err := decodeShare(sh, fmt.Sprintf("shares[%d][%d]", i, j))
			if err != nil {
				return sdk.Value{}, err
			}
			all = append(all, s)
		}
	}
	slices.SortStableFunc(all, func(a, b encryptedShare) int { return cmpUint(a.sender, b.sender) })
	out := make([]sdk.Value, 0, to-from+1)
	for id := uint64(from); id <= uint64(to); id++ {
		var mine []sdk.Value
		for _, s := range all {
			if s.receiver == id {
				mine = append(mine, sdk.Map(map[string]sdk.Value{
					"sender": sdk.Int(int64(s.sender)), "receiver": sdk.Int(int64(s.receiver)), "ciphertext": sdk.Bytes(s.ciphertext)}))
			}
		}
		out = append(out, sdk.List(mine...))
	}
	return sdk.List(out...), nil
}

func complaint(accused uint64, reason string) sdk.Value {
	return sdk.Map(map[string]sdk.Value{"accused": sdk.Int(int64(accused)), "reason": sdk.String(reason)})
}

func (p *plugin) dkgFinish(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	k, err := p.heldKey(ctx, c, stateRound2, statePending)
	if err != nil {
		return sdk.Value{}, err
	}
	pkgs, transcript, err := readPackages(c.Arg("packages"), k, false)
	if err != nil {
		return sdk.Value{}, err
	}
	if !bytes.Equal(transcript, k.transcript) {
		return sdk.Value{}, invalid("packages are not those round two used: every participant must finish over the packages it shared over")
	}
	if k.state == statePending { // a retry: the same answer
		return finishResult(k, transcript, sdk.Null()), nil
	}
	byS := map[uint64]encryptedShare{}
	for i, it := range c.Arg("shares").Items() {
		s, err := decodeShare(it, fmt.Sprintf("shares[%d]", i))
		if err != nil {
			return sdk.Value{}, err
		}
		if s.receiver != k.id {
			return sdk.Value{}, invalid("shares[%d] is addressed to participant %d, not to this one (%d)", i, s.receiver, k.id)
		}
		if _, dup := byS[s.sender]; dup {
			return finishResult(k, transcript, complaint(s.sender, "it sent two shares")), nil
		}
		byS[s.sender] = s
	}
	senders := pkgs
	if k.reshare != nil {
		senders = dealersOf(pkgs)
		for id := range byS {
			if id != k.id && !slices.ContainsFunc(senders, func(p dkgPackage) bool { return p.id == id }) {
				return finishResult(k, transcript, complaint(id, "it deals nothing in this resharing, yet sent a share")), nil
			}
		}
	}
	priv, err := ecdh.X25519().NewPrivateKey(k.encPriv)
	if err != nil {
		return sdk.Value{}, sdk.Errorf(sdk.CodeInternal, "x25519: %v", err)
	}
	secret := edwards25519.NewScalar()
	if k.coeffs != nil {
		secret = polynomialEvaluate(identifierScalar(k.id), k.coeffs)
	}
	for _, pkg := range senders {
		if pkg.id == k.id {
			continue
		}
		s, ok := byS[pkg.id]
		if !ok {
			return finishResult(k, transcript, complaint(pkg.id, "it sent no share")), nil
		}
		key, err := shareKey(priv, pkg.encKey, k.context, pkg.id, k.id)
		if err != nil {
			return finishResult(k, transcript, complaint(pkg.id, "its encryption key "+err.Error())), nil
		}
		share, err := openShare(key, s.ciphertext, k.context)
		if err != nil {
			return finishResult(k, transcript, complaint(pkg.id, "its share: "+err.Error())), nil
		}
		if new(edwards25519.Point).ScalarBaseMult(share).Equal(evaluateCommitment(pkg.commitment, k.id)) != 1 {
			return finishResult(k, transcript, complaint(pkg.id, "its share does not match its commitment")), nil
		}
		secret.Add(secret, share)
	}
	k.secret, k.groupPublic = secret, groupKeyOf(senders)
	k.verifying = make([]*edwards25519.Point, k.n)
	for i := range k.verifying {
		k.verifying[i] = verifyingShareOf(senders, uint64(i+1))
	}
	if new(edwards25519.Point).ScalarBaseMult(secret).Equal(k.verifying[k.id-1]) != 1 {
		return sdk.Value{}, sdk.Errorf(sdk.CodeInternal, "the signing share does not match its verifying share although every share verified")
	}
	k.state, k.coeffs, k.encPriv = statePending, nil, nil
	if err := p.keys.put(ctx, k); err != nil {
		return sdk.Value{}, err
	}
	return finishResult(k, transcript, sdk.Null()), nil
}

func finishResult(k *heldKey, transcript []byte, complaint sdk.Value) sdk.Value {
	fields := map[string]sdk.Value{"ok": sdk.Bool(complaint.IsNull()), "transcript": sdk.Bytes(transcript), "complaint": complaint}
	if complaint.IsNull() {
		fields["group_public"] = sdk.Bytes(k.groupPublic.Bytes())
	}
	return sdk.Map(fields)
}

func (p *plugin) dkgCommit(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	k, err := p.heldKey(ctx, c, statePending, stateActive)
	if err != nil {
		return sdk.Value{}, err
	}
	if k.state == statePending {
		k.state = stateActive
		if err := p.keys.put(ctx, k); err != nil {
			return sdk.Value{}, err
		}
	}
	if k.reshare != nil {
		// The new epoch is active on disk; now the old one retires. A
		// retry (commit is idempotent) finishes a retirement cut short.
		if err := p.keys.retireOlder(ctx, k); err != nil {
			return sdk.Value{}, err
		}
	}
	return k.info(), nil
}

func (p *plugin) dkgAbort(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	k, err := p.heldKey(ctx, c)
	var e *sdk.Error
	if errors.As(err, &e) && e.Code == sdk.CodeNotFound {
		return sdk.Null(), nil // already gone
	}
	if err != nil {
		return sdk.Value{}, err
	}
	if k.state == stateActive || k.state == stateRetired {
		return sdk.Value{}, sdk.Errorf(sdk.CodeConflict, "key %s is %s: its ceremony completed and it cannot be aborted", k.handle, k.state)
	}
	return sdk.Null(), p.keys.remove(k.handle)
}

func (p *plugin) keyInfo(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	k, err := p.heldKey(ctx, c)
	if err != nil {
		return sdk.Value{}, err
	}
	return k.info(), nil
}

// dealersOf is the packages of a resharing's dealers (all of a DKG's).
func dealersOf(pkgs []dkgPackage) []dkgPackage {
	var out []dkgPackage
	for _, p := range pkgs {
		if p.commitment != nil {
			out = append(out, p)
		}
	}
	return out
}

func (p *plugin) keyNonces(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	k, err := p.heldKey(ctx, c, stateActive)
	if err != nil {
		return sdk.Value{}, err
	}
	var hr, br [32]byte
	p.random("frost hiding nonce", hr[:])
	p.random("frost binding nonce", br[:])
	hiding, binding := nonceGenerate(hr[:], k.secret), nonceGenerate(br[:], k.secret)
	id := p.newHandle("frost nonces handle", p.keys.noncesInUse)
	p.keys.keep(id, heldNonces{key: k.handle, hiding: hiding.Bytes(), binding: binding.Bytes()})
	return sdk.Map(map[string]sdk.Value{
		"nonces": sdk.String(id),
		"commitment": commitmentValue(frostCommitment{id: k.id,
			hiding:  new(edwards25519.Point).ScalarBaseMult(hiding),
			binding: new(edwards25519.Point).ScalarBaseMult(binding)}),
	}), nil
}

func (p *plugin) keySignShare(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	k, err := p.heldKey(ctx, c, stateActive)
	if err != nil {
		return sdk.Value{}, err
	}
	pkg, err := decodePackage(c.Arg("pkg"))
	if err != nil {
		return sdk.Value{}, err
	}
	if pkg.groupPublic.Equal(k.groupPublic) != 1 {
		return sdk.Value{}, invalid("the package's group_public is not this key's: the package is for another key")
	}
	nid, _ := c.Arg("nonces").AsString()
	n, ok := p.keys.take(nid)
	if !ok || n.key != k.handle {
		return sdk.Value{}, sdk.Errorf(sdk.CodeNotFound, "no nonces %q for key %s: nonces are used once, and a restart forgets them; start the round again", nid, k.handle)
	}
	hiding, _ := deserializeScalar(n.hiding)
	binding, _ := deserializeScalar(n.binding)
	i := pkg.ctx.index(k.id)
	if i < 0 {
		return sdk.Value{}, invalid("participant %d has no commitment in the signing package (participants %v)", k.id, pkg.ctx.ids())
	}
	cm := pkg.ctx.list[i]
	if cm.hiding.Equal(new(edwards25519.Point).ScalarBaseMult(hiding)) != 1 ||
		cm.binding.Equal(new(edwards25519.Point).ScalarBaseMult(binding)) != 1 {
		return sdk.Value{}, invalid("the nonces do not match participant %d's commitment in the signing package", k.id)
	}
	z := pkg.ctx.sign(i, k.secret, hiding, binding)
	return sdk.Map(map[string]sdk.Value{"identifier": sdk.Int(int64(k.id)), "share": sdk.Bytes(z.Bytes())}), nil
}

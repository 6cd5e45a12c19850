package crypto

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"encoding/binary"
	"fmt"
	"slices"

	"filippo.io/edwards25519"
	"lukechampine.com/blake3"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
)

// This file is proactive resharing (the rotation of issue 12): the holders
// of an active key hand its group key on to a new set of devices, possibly
// with a new threshold, without the group key changing and without the
// group's secret ever existing in one place.
//
// The dealers S are at least t_old holders of the old epoch, named by their
// old identifiers. Dealer i draws a polynomial g_i of degree t_new−1 with
// g_i(0) = λ_i·s_i (λ_i its Lagrange coefficient at 0 over S, s_i its old
// signing share), commits to it, proves knowledge of g_i(0) (the DKG's
// proof), and sends each new participant j its g_i(j), encrypted as a DKG
// share is. Everyone checks C_i0 = λ_i·Y_i (Y_i: dealer i's old verifying
// share) and Σ C_i0 = the group key; participant j's new share is Σ g_i(j)
// and the new verifying shares come from the commitments, as in the DKG.
// Σ_i λ_i·s_i is the group's secret, so the new shares are a t_new-of-n_new
// sharing of the same key; the old ones, on a device that commits the new
// epoch, are erased.
//
// The ceremony reuses the DKG's steps on the key frost_reshare_begin makes:
// frost_dkg_shares, _route, _finish, _commit and _abort branch on it.

const reshareBeginDoc = "a resharing's round-one package: map {identifier: int (the new identifier), encryption_key: bytes " +
	"(32-byte X25519 key), and for a dealer: dealer: int (its old identifier), epoch: int (the new epoch), commitment: list of " +
	"t 32-byte points (constant term λ·s first), proof: bytes (64, a proof of knowledge of the constant term)}"

func (p *plugin) reshareOperations() []sdk.Operation {
	return []sdk.Operation{{
		Spec: sdk.OpSpec{
			ID: effects.CryptoFrostReshareBegin,
			Doc: "Round one of a proactive resharing for one participant of the new epoch: the group key stays, the devices " +
				"and the threshold may change. A dealer (a device passing old_key, the handle of its active key of the old " +
				"epoch) draws a polynomial whose constant term is its old share weighted by its Lagrange coefficient over the " +
				"dealers, commits to it and proves knowledge of the constant term; every participant draws an X25519 key. " +
				"The secrets are held under a new key handle. Returns map {key: string, package: " + reshareBeginDoc + "} — " +
				"broadcast the package, then run frost_dkg_shares, frost_dkg_route, frost_dkg_finish and frost_dkg_commit (or " +
				"frost_dkg_abort) on the new handle as for a DKG. Committing the new epoch retires this device's key of the " +
				"old one; aborting leaves the old key as it was.",
			Params: []sdk.Param{
				{Name: "t", Kind: sdk.KindInt, Doc: "the new threshold, 1 to n"},
				{Name: "n", Kind: sdk.KindInt, Doc: "how many participants in the new epoch (identifiers 1 to n), up to 255"},
				{Name: "identifier", Kind: sdk.KindInt, Doc: "this participant's new identifier, 1 to n"},
				{Name: "context", Kind: sdk.KindBytes, Doc: "the ceremony's unique context (at least 16 random bytes, the same for all)"},
				{Name: "group_public", Kind: sdk.KindBytes, Doc: "the group key being reshared (32 bytes)"},
				{Name: "old_verifying_shares", Kind: sdk.KindList, Doc: "the old epoch's verifying shares, each map {identifier: int, public: bytes} (frost_key_info's verifying_shares)"},
				{Name: "dealers", Kind: sdk.KindList, Doc: "the old identifiers of the dealers: at least the old threshold of them, each a participant of the new epoch"},
				{Name: "old_key", Kind: sdk.KindAny, Optional: true, Doc: "string: this device's active key of the old epoch, when it deals; absent or null otherwise"},
			},
			Result:      sdk.KindMap,
			Determinism: sdk.WritesWorld,
		},
		Handle: p.held(p.reshareBegin),
	}, {
		Spec: sdk.OpSpec{
			ID: effects.CryptoFrostKeyFind,
			Doc: "Finds this device's active held key of a group, so that a ceremony (a resharing) can name it without " +
				"carrying handles between runs. Returns " + keyInfoDoc + " of the active key of group_public (the latest " +
				"epoch's), or null when this device holds none. Without group_public: the device's one active key (conflict " +
				"when it holds keys of several groups).",
			Params:      []sdk.Param{{Name: "group_public", Kind: sdk.KindBytes, Optional: true, Doc: "the group key (32 bytes)"}},
			Result:      sdk.KindAny,
			Idempotent:  true,
			Determinism: sdk.ReadsWorld,
		},
		Handle: p.held(p.keyFind),
	}}
}

func (p *plugin) keyFind(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	var group *edwards25519.Point
	if g := c.Arg("group_public"); !g.IsNull() {
		var err error
		if group, err = element(bytesArg(c, "group_public"), "group_public"); err != nil {
			return sdk.Value{}, err
		}
	}
	keys, err := p.keys.active(ctx)
	if err != nil {
		return sdk.Value{}, err
	}
	var found *heldKey
	for _, k := range keys {
		if group != nil && k.groupPublic.Equal(group) != 1 {
			continue
		}
		if found != nil && !sameGroup(found, k) {
			return sdk.Value{}, sdk.Errorf(sdk.CodeConflict, "this device holds active keys of several groups: name one by group_public")
		}
		if found == nil || k.epoch > found.epoch || (k.epoch == found.epoch && k.handle < found.handle) {
			found = k
		}
	}
	if found == nil {
		return sdk.Null(), nil
	}
	return found.info(), nil
}

func (p *plugin) reshareBegin(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
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
	info := &reshareInfo{}
	var err error
	if info.group, err = element(bytesArg(c, "group_public"), "group_public"); err != nil {
		return sdk.Value{}, err
	}
	if info.oldShares, err = readOldShares(c.Arg("old_verifying_shares")); err != nil {
		return sdk.Value{}, err
	}
	if info.dealers, err = readDealers(c.Arg("dealers"), info, uint64(n)); err != nil {
		return sdk.Value{}, err
	}
	k := &heldKey{state: stateRound1, t: uint64(t), n: uint64(n), id: uint64(id), context: context, reshare: info}
	pkg := dkgPackage{id: k.id}

	oldArg := c.Arg("old_key")
	if !oldArg.IsNull() {
		handle, ok := oldArg.AsString()
		if !ok {
			return sdk.Value{}, invalid("old_key must be a key handle (string) or null, got %s", oldArg.Kind())
		}
		old, err := p.keys.get(ctx, handle)
		if err != nil {
			return sdk.Value{}, err
		}
		if err := activeCheck(old); err != nil {
			return sdk.Value{}, err
		}
		if err := checkOldKey(old, info); err != nil {
			return sdk.Value{}, err
		}
		k.epoch, info.dealer, info.oldKey = old.epoch+1, old.id, old.handle
		k.coeffs = []*edwards25519.Scalar{edwards25519.NewScalar().Multiply(deriveInterpolatingValue(info.dealers, old.id), old.secret)}
		for range t - 1 {
			k.coeffs = append(k.coeffs, p.randomScalar("frost reshare coefficient"))
		}
		pkg.dealer, pkg.epoch, pkg.commitment = old.id, k.epoch, vssCommit(k.coeffs)
	}
	var encSeed [32]byte
	p.random("frost reshare encryption key", encSeed[:])
	encPriv, err := ecdh.X25519().NewPrivateKey(encSeed[:])
	if err != nil {
		return sdk.Value{}, sdk.Errorf(sdk.CodeInternal, "x25519: %v", err)
	}
	k.encPriv, pkg.encKey = encSeed[:], encPriv.PublicKey().Bytes()
	if pkg.dealer != 0 {
		pkg.proofR, pkg.proofZ = proveKnowledge(k.id, reshareProofContext(context, pkg.dealer, pkg.epoch), k.coeffs, pkg.commitment, pkg.encKey,
			p.randomScalar("frost reshare proof nonce"))
	}
	k.handle = p.newHandle("frost key handle", p.keys.keyInUse)
	if err := p.keys.put(ctx, k); err != nil {
		return sdk.Value{}, err
	}
	return sdk.Map(map[string]sdk.Value{"key": sdk.String(k.handle), "package": pkg.value()}), nil
}

// checkOldKey checks that the dealer's old key is the one being reshared:
// its group key, its verifying shares those given, it among the dealers,
// and the dealers enough to reconstruct it.
func checkOldKey(old *heldKey, info *reshareInfo) error {
	if old.groupPublic.Equal(info.group) != 1 {
		return invalid("old_key %s holds a share of another group key than group_public", old.handle)
	}
	if !slices.Contains(info.dealers, old.id) {
		return invalid("old_key %s is participant %d's, which is not among the dealers %v: only a dealer passes its old key", old.handle, old.id, info.dealers)
	}
	if uint64(len(info.dealers)) < old.t {
		return invalid("%d dealers cannot reshare a %d-of-%d key: at least %d of its holders must deal", len(info.dealers), old.t, old.n, old.t)
	}
	if len(info.oldShares) != len(old.verifying) {
		return invalid("old_verifying_shares holds %d shares; old_key's epoch has %d", len(info.oldShares), len(old.verifying))
	}
	for i, v := range old.verifying {
		if s := info.oldShareOf(uint64(i + 1)); s == nil || s.Equal(v) != 1 {
			return invalid("old_verifying_shares does not hold participant %d's verifying share as old_key knows it", i+1)
		}
	}
	return nil
}

func readOldShares(v sdk.Value) ([]oldShare, error) {
	publics, err := verifyingShares(v, "old_verifying_shares")
	if err != nil {
		return nil, err
	}
	out := make([]oldShare, 0, len(publics))
	for id, pt := range publics {
		out = append(out, oldShare{id: id, public: pt})
	}
	slices.SortFunc(out, func(a, b oldShare) int { return cmpUint(a.id, b.id) })
	return out, nil
}

func readDealers(v sdk.Value, info *reshareInfo, n uint64) ([]uint64, error) {
	var ds []uint64
	for i, it := range v.Items() {
		d, ok := it.AsUint()
		if !ok || d == 0 {
			return nil, invalid("dealers[%d] must be a positive old identifier, got %v", i, it)
		}
		if slices.Contains(ds, d) {
			return nil, invalid("dealers names participant %d twice", d)
		}
		if info.oldShareOf(d) == nil {
			return nil, invalid("dealer %d has no entry in old_verifying_shares", d)
		}
		ds = append(ds, d)
	}
	if len(ds) == 0 {
		return nil, invalid("dealers is empty: at least the old threshold of the old holders must deal")
	}
	if uint64(len(ds)) > n {
		return nil, invalid("%d dealers for %d participants: every dealer must be a participant of the new epoch", len(ds), n)
	}
	slices.Sort(ds)
	return ds, nil
}

// reshareProofContext is what a dealer's proof of knowledge is bound to:
// the ceremony, the dealer's old identifier and the new epoch.
func reshareProofContext(context []byte, dealer, epoch uint64) []byte {
	b := append(lengthPrefixed(context), "reshare"...)
	b = binary.BigEndian.AppendUint64(b, dealer)
	return binary.BigEndian.AppendUint64(b, epoch)
}

// readResharePackages is readPackages for a resharing: the packages of
// participants 1..n once each, the dealers' exactly those named, k's own as
// k made it, the dealers agreeing on the new epoch, and (when check) each
// dealer's proof of knowledge, each constant term λ_i·Y_i and their sum the
// group key. The transcript covers the old epoch's public values too.
func readResharePackages(v sdk.Value, k *heldKey, check bool) ([]dkgPackage, []byte, error) {
	info := k.reshare
	if v.Len() != int(k.n) {
		return nil, nil, invalid("packages holds %d packages; the new epoch has %d participants", v.Len(), k.n)
	}
	pkgs := make([]dkgPackage, 0, k.n)
	for i, it := range v.Items() {
		pkg, err := decodeResharePackage(record{it, fmt.Sprintf("packages[%d]", i)}, k.t)
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
	var dealers []uint64
	var epoch uint64
	for _, pkg := range pkgs {
		if pkg.dealer == 0 {
			continue
		}
		if slices.Contains(dealers, pkg.dealer) {
			return nil, nil, invalid("two packages deal as old participant %d", pkg.dealer)
		}
		dealers = append(dealers, pkg.dealer)
		if epoch != 0 && pkg.epoch != epoch {
			return nil, nil, invalid("the dealers disagree on the new epoch (%d and %d): their old keys are of different epochs", epoch, pkg.epoch)
		}
		epoch = pkg.epoch
	}
	slices.Sort(dealers)
	if !slices.Equal(dealers, info.dealers) {
		return nil, nil, invalid("the packages deal as old participants %v; the dealers are %v", dealers, info.dealers)
	}
	if k.epoch != 0 && epoch != k.epoch {
		return nil, nil, invalid("the dealers reshare into epoch %d; this participant's old key makes it %d", epoch, k.epoch)
	}
	own := pkgs[k.id-1]
	altered := own.dealer != info.dealer ||
		(k.coeffs != nil && !slices.EqualFunc(own.commitment, vssCommit(k.coeffs), func(a, b *edwards25519.Point) bool { return a.Equal(b) == 1 }))
	if k.encPriv != nil { // a package that does not deal has no proof binding its key: check it here
		priv, err := ecdh.X25519().NewPrivateKey(k.encPriv)
		altered = altered || err != nil || !bytes.Equal(priv.PublicKey().Bytes(), own.encKey)
	}
	if altered {
		return nil, nil, invalid("packages hold participant %d's package altered: it is not the one this participant made", k.id)
	}
	if check {
		sum := edwards25519.NewIdentityPoint()
		for _, pkg := range pkgs {
			if pkg.dealer == 0 {
				continue
			}
			if !pkg.verifyKnowledge(reshareProofContext(k.context, pkg.dealer, pkg.epoch)) {
				return nil, nil, invalid("dealer %d (participant %d)'s proof of knowledge does not verify for this ceremony: the resharing must abort", pkg.dealer, pkg.id)
			}
			want := new(edwards25519.Point).ScalarMult(deriveInterpolatingValue(info.dealers, pkg.dealer), info.oldShareOf(pkg.dealer))
			if pkg.commitment[0].Equal(want) != 1 {
				return nil, nil, invalid("dealer %d (participant %d)'s commitment's constant term is not λ·Y_%d, its old verifying share weighted "+
					"over the dealers %v: it does not reshare the share it holds, and the resharing must abort", pkg.dealer, pkg.id, pkg.dealer, info.dealers)
			}
			sum.Add(sum, pkg.commitment[0])
		}
		if sum.Equal(info.group) != 1 {
			return nil, nil, invalid("the dealers' constant terms sum to another key than group_public: dealers %v cannot reconstruct it "+
				"(fewer than the old threshold), or old_verifying_shares is not the old epoch's", info.dealers)
		}
	}
	h := blake3.New(32, nil)
	h.Write(lengthPrefixed(k.context))
	h.Write([]byte("reshare"))
	h.Write([]byte{byte(k.t), byte(k.n)})
	h.Write(info.group.Bytes())
	for _, d := range info.dealers {
		h.Write(binary.BigEndian.AppendUint64(nil, d))
	}
	for _, o := range info.oldShares {
		h.Write(binary.BigEndian.AppendUint64(nil, o.id))
		h.Write(o.public.Bytes())
	}
	for _, pkg := range pkgs {
		h.Write(pkg.value().Canonical())
	}
	return pkgs, h.Sum(nil), nil
}

// decodeResharePackage reads a package of the new epoch: a DKG package
// when it deals, else only its identifier and encryption key.
func decodeResharePackage(r record, t uint64) (dkgPackage, error) {
	if r.get("dealer").IsNull() {
		id, err := r.identifier()
		if err != nil {
			return dkgPackage{}, err
		}
		pkg := dkgPackage{id: id}
		if !r.get("commitment").IsNull() || !r.get("proof").IsNull() {
			return pkg, invalid("%s has a commitment but no dealer: only a dealer commits", r.where)
		}
		if pkg.encKey, err = r.bytes("encryption_key"); err != nil {
			return pkg, err
		}
		if _, err := ecdh.X25519().NewPublicKey(pkg.encKey); err != nil {
			return pkg, invalid("%s.encryption_key must be a 32-byte X25519 key, got %d bytes", r.where, len(pkg.encKey))
		}
		return pkg, nil
	}
	pkg, err := decodeDKGPackage(r, t)
	if err != nil {
		return pkg, err
	}
	d, okD := r.get("dealer").AsUint()
	e, okE := r.get("epoch").AsUint()
	if !okD || d == 0 || !okE || e < 2 {
		return pkg, invalid("%s must name its dealer (a positive old identifier) and the new epoch (2 or more)", r.where)
	}
	pkg.dealer, pkg.epoch = d, e
	return pkg, nil
}

// activeCheck is the error for a key that may not sign: retired, or not
// yet committed.
func activeCheck(k *heldKey) error {
	switch k.state {
	case stateActive:
		return nil
	case stateRetired:
		return retiredError(k)
	}
	return sdk.Errorf(sdk.CodeConflict, "key %s is %s; this step needs it active", k.handle, k.state)
}

func retiredError(k *heldKey) error {
	return sdk.Errorf(sdk.CodeConflict, "key %s was retired at epoch %d: a resharing moved its group key to new shares and erased "+
		"this epoch-%d share; sign with the epoch-%d key", k.handle, k.retiredAt, k.epoch, k.retiredAt)
}

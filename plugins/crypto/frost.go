package crypto

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"slices"
	"strings"

	"filippo.io/edwards25519"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
)

// maxFrostSigners bounds n in frost_generate_keys: dealing is O(n·t).
const maxFrostSigners = 255

// Documentation of the structured FROST values, shared by the op docs.
const (
	shareDoc = "a participant's key share as frost_generate_keys returns it: map {identifier: int, " +
		"secret: bytes (32-byte scalar, keep private), public: bytes (32-byte verifying share), group_public: bytes}"
	noncesDoc = "the participant's secret nonces from frost_generate_nonces: map {identifier: int, hiding: bytes, " +
		"binding: bytes}; use each nonces value for one signature only"
	commitmentDoc = "map {identifier: int, hiding: bytes, binding: bytes} of 32-byte points"
	packageDoc    = "the signing package from frost_create_signing_package: map {message: bytes, group_public: bytes, " +
		"commitments: list of " + commitmentDoc + "}"
)

func (p *plugin) frostOperations() []sdk.Operation {
	return []sdk.Operation{
		{
			Spec: sdk.OpSpec{
				ID: effects.CryptoFrostGenerateKeys,
				Doc: "Deals a t-of-n FROST(Ed25519, SHA-512) key with a trusted dealer (RFC 9591 Appendix C). Returns " +
					"map {group_public: bytes (32-byte Ed25519 public key), threshold: int, shares: list of n shares, " +
					"each " + shareDoc + ", commitment: list of t bytes (the VSS commitment; its first item is group_public)}. " +
					"Randomness as for ed25519_generate_keypair: seeded in the testing and simulation modes.",
				Params: []sdk.Param{
					{Name: "t", Kind: sdk.KindInt, Doc: "the threshold: how many participants must sign, 2 to n"},
					{Name: "n", Kind: sdk.KindInt, Doc: "how many shares to deal (identifiers 1 to n), t to 255"},
				},
				Result:      sdk.KindMap,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: p.frostGenerateKeys,
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.CryptoFrostGenerateNonces,
				Doc: "Round one of FROST signing for one participant (RFC 9591 §5.1). Returns map {nonces: map " +
					"{identifier: int, hiding: bytes, binding: bytes} (secret: keep them for frost_sign_share and use " +
					"them once), commitment: " + commitmentDoc + " (public: send it to the coordinator)}.",
				Params:      []sdk.Param{{Name: "share", Kind: sdk.KindMap, Doc: shareDoc + " (only identifier and secret are read)"}},
				Result:      sdk.KindMap,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: p.frostGenerateNonces,
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.CryptoFrostCreateSigningPackage,
				Doc: "The coordinator's step between the rounds: binds the message to the chosen participants' " +
					"commitments. Returns " + packageDoc + ", commitments sorted by identifier.",
				Params: []sdk.Param{
					{Name: "msg", Kind: sdk.KindBytes, Doc: "the message to sign"},
					{Name: "commitments", Kind: sdk.KindList, Doc: "one commitment per signing participant, each " + commitmentDoc},
					{Name: "group_public", Kind: sdk.KindBytes, Doc: "the 32-byte group public key"},
					{Name: "participants", Kind: sdk.KindList, Optional: true,
						Doc: "the signing participants' identifiers (ints); if given, they must be exactly the commitments' identifiers"},
				},
				Result:      sdk.KindMap,
				Idempotent:  true,
				Determinism: sdk.Pure,
			},
			Handle: frostCreateSigningPackage,
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.CryptoFrostSignShare,
				Doc: "Round two of FROST signing for one participant (RFC 9591 §5.2). Checks that the package holds " +
					"this participant's commitment to these nonces. Returns map {identifier: int, share: bytes (32-byte signature share)}.",
				Params: []sdk.Param{
					{Name: "pkg", Kind: sdk.KindMap, Doc: packageDoc},
					{Name: "share", Kind: sdk.KindMap, Doc: shareDoc},
					{Name: "nonces", Kind: sdk.KindMap, Doc: noncesDoc},
				},
				Result:      sdk.KindMap,
				Idempotent:  true,
				Determinism: sdk.Pure,
			},
			Handle: frostSignShare,
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.CryptoFrostAggregateSignatures,
				Doc: "Combines one signature share per participant of the package into the 64-byte group signature " +
					"(RFC 9591 §5.3), an ordinary Ed25519 signature of the package's message by group_public, and checks " +
					"it verifies. If it does not, the error names the participants whose shares are invalid when " +
					"verifying_shares are given.",
				Params: []sdk.Param{
					{Name: "pkg", Kind: sdk.KindMap, Doc: packageDoc},
					{Name: "shares", Kind: sdk.KindList, Doc: "the signature shares from frost_sign_share: list of map {identifier: int, share: bytes}"},
					{Name: "verifying_shares", Kind: sdk.KindList, Optional: true,
						Doc: "the participants' public shares, list of map {identifier: int, public: bytes} (key shares are accepted; " +
							"only identifier and public are read), used to name the cheater when the signature does not verify"},
				},
				Result:      sdk.KindBytes,
				Idempotent:  true,
				Determinism: sdk.Pure,
			},
			Handle: frostAggregate,
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.CryptoFrostVerify,
				Doc: "Reports whether sig is a valid FROST(Ed25519, SHA-512) signature of msg by group_public. " +
					"It is Ed25519 verification: a signature of the wrong length is false; a public key of the wrong length is invalid_args.",
				Params: []sdk.Param{
					{Name: "msg", Kind: sdk.KindBytes, Doc: "the signed message"},
					{Name: "sig", Kind: sdk.KindBytes, Doc: "the 64-byte group signature"},
					{Name: "group_public", Kind: sdk.KindBytes, Doc: "the 32-byte group public key"},
				},
				Result:      sdk.KindBool,
				Idempotent:  true,
				Determinism: sdk.Pure,
			},
			Handle: frostVerify,
		},
	}
}

func (p *plugin) randomScalar(purpose string) *edwards25519.Scalar {
	var b [64]byte
	for {
		p.random(purpose, b[:])
		s, _ := edwards25519.NewScalar().SetUniformBytes(b[:])
		if s.Equal(edwards25519.NewScalar()) == 0 {
			return s
		}
	}
}

func (p *plugin) frostGenerateKeys(_ context.Context, c *sdk.Call) (sdk.Value, error) {
	t, n := intArg(c, "t"), intArg(c, "n")
	if t < 2 || t > n || n > maxFrostSigners {
		return sdk.Value{}, invalid("need 2 <= t <= n <= %d, got t %d, n %d", maxFrostSigners, t, n)
	}
	coeffs := make([]*edwards25519.Scalar, t)
	for i := range coeffs {
		coeffs[i] = p.randomScalar("frost dealer coefficient")
	}
	commitment := vssCommit(coeffs)
	groupPublic := sdk.Bytes(commitment[0].Bytes())
	shares := make([]sdk.Value, n)
	for i, s := range secretShareShard(coeffs, int(n)) {
		shares[i] = sdk.Map(map[string]sdk.Value{
			"identifier":   sdk.Int(int64(s.id)),
			"secret":       sdk.Bytes(s.secret.Bytes()),
			"public":       sdk.Bytes(new(edwards25519.Point).ScalarBaseMult(s.secret).Bytes()),
			"group_public": groupPublic,
		})
	}
	commits := make([]sdk.Value, len(commitment))
	for i, pt := range commitment {
		commits[i] = sdk.Bytes(pt.Bytes())
	}
	return sdk.Map(map[string]sdk.Value{
		"group_public": groupPublic,
		"threshold":    sdk.Int(t),
		"shares":       sdk.List(shares...),
		"commitment":   sdk.List(commits...),
	}), nil
}

func (p *plugin) frostGenerateNonces(_ context.Context, c *sdk.Call) (sdk.Value, error) {
	share := record{c.Arg("share"), "share"}
	id, err := share.identifier()
	if err != nil {
		return sdk.Value{}, err
	}
	secret, err := share.scalar("secret")
	if err != nil {
		return sdk.Value{}, err
	}
	var hr, br [32]byte
	p.random("frost hiding nonce", hr[:])
	p.random("frost binding nonce", br[:])
	hiding, binding := nonceGenerate(hr[:], secret), nonceGenerate(br[:], secret)
	return sdk.Map(map[string]sdk.Value{
		"nonces": sdk.Map(map[string]sdk.Value{
			"identifier": sdk.Int(int64(id)), "hiding": sdk.Bytes(hiding.Bytes()), "binding": sdk.Bytes(binding.Bytes()),
		}),
		"commitment": commitmentValue(frostCommitment{id: id,
			hiding:  new(edwards25519.Point).ScalarBaseMult(hiding),
			binding: new(edwards25519.Point).ScalarBaseMult(binding)}),
	}), nil
}

func commitmentValue(cm frostCommitment) sdk.Value {
	return sdk.Map(map[string]sdk.Value{
		"identifier": sdk.Int(int64(cm.id)), "hiding": sdk.Bytes(cm.hiding.Bytes()), "binding": sdk.Bytes(cm.binding.Bytes()),
	})
}

func frostCreateSigningPackage(_ context.Context, c *sdk.Call) (sdk.Value, error) {
	groupPublic, err := element(bytesArg(c, "group_public"), "group_public")
	if err != nil {
		return sdk.Value{}, err
	}
	list, err := commitmentList(c.Arg("commitments"), "commitments")
	if err != nil {
		return sdk.Value{}, err
	}
	if v := c.Arg("participants"); !v.IsNull() {
		var ids []uint64
		for i, it := range v.Items() {
			id, ok := it.AsUint()
			if !ok || id == 0 {
				return sdk.Value{}, invalid("participants[%d] must be a positive integer identifier, got %v", i, it)
			}
			ids = append(ids, id)
		}
		slices.Sort(ids)
		if !slices.Equal(ids, signingContext{list: list}.ids()) {
			return sdk.Value{}, invalid("participants %v are not the identifiers of the commitments %v", ids, signingContext{list: list}.ids())
		}
	}
	commits := make([]sdk.Value, len(list))
	for i, cm := range list {
		commits[i] = commitmentValue(cm)
	}
	return sdk.Map(map[string]sdk.Value{
		"message":      sdk.Bytes(bytesArg(c, "msg")),
		"group_public": sdk.Bytes(groupPublic.Bytes()),
		"commitments":  sdk.List(commits...),
	}), nil
}

// signingPackage is a decoded signing package.
type signingPackage struct {
	msg         []byte
	groupPublic *edwards25519.Point
	ctx         signingContext
}

func decodePackage(v sdk.Value) (signingPackage, error) {
	r := record{v, "pkg"}
	msg, err := r.bytes("message")
	if err != nil {
		return signingPackage{}, err
	}
	groupPublic, err := r.element("group_public")
	if err != nil {
		return signingPackage{}, err
	}
	list, err := commitmentList(r.get("commitments"), "pkg.commitments")
	if err != nil {
		return signingPackage{}, err
	}
	return signingPackage{msg: msg, groupPublic: groupPublic, ctx: newSigningContext(groupPublic, list, msg)}, nil
}

func frostSignShare(_ context.Context, c *sdk.Call) (sdk.Value, error) {
	pkg, err := decodePackage(c.Arg("pkg"))
	if err != nil {
		return sdk.Value{}, err
	}
	share, nonces := record{c.Arg("share"), "share"}, record{c.Arg("nonces"), "nonces"}
	id, err := share.identifier()
	if err != nil {
		return sdk.Value{}, err
	}
	secret, err := share.scalar("secret")
	if err != nil {
		return sdk.Value{}, err
	}
	sharePublic, err := share.element("group_public")
	if err != nil {
		return sdk.Value{}, err
	}
	if sharePublic.Equal(pkg.groupPublic) != 1 {
		return sdk.Value{}, invalid("share.group_public is not the package's group_public: the share belongs to another key")
	}
	nid, err := nonces.identifier()
	if err != nil {
		return sdk.Value{}, err
	}
	if nid != id {
		return sdk.Value{}, invalid("nonces.identifier %d is not share.identifier %d", nid, id)
	}
	hiding, err := nonces.scalar("hiding")
	if err != nil {
		return sdk.Value{}, err
	}
	binding, err := nonces.scalar("binding")
	if err != nil {
		return sdk.Value{}, err
	}
	i := pkg.ctx.index(id)
	if i < 0 {
		return sdk.Value{}, invalid("participant %d has no commitment in the signing package (participants %v)", id, pkg.ctx.ids())
	}
	// Signing with nonces other than those committed to would let the
	// coordinator learn the secret share; RFC 9591 §5.2 requires the check.
	cm := pkg.ctx.list[i]
	if cm.hiding.Equal(new(edwards25519.Point).ScalarBaseMult(hiding)) != 1 ||
		cm.binding.Equal(new(edwards25519.Point).ScalarBaseMult(binding)) != 1 {
		return sdk.Value{}, invalid("the nonces do not match participant %d's commitment in the signing package", id)
	}
	z := pkg.ctx.sign(i, secret, hiding, binding)
	return sdk.Map(map[string]sdk.Value{"identifier": sdk.Int(int64(id)), "share": sdk.Bytes(z.Bytes())}), nil
}

func frostAggregate(_ context.Context, c *sdk.Call) (sdk.Value, error) {
	pkg, err := decodePackage(c.Arg("pkg"))
	if err != nil {
		return sdk.Value{}, err
	}
	zs, err := signatureShares(pkg, c.Arg("shares"))
	if err != nil {
		return sdk.Value{}, err
	}
	var missing []uint64
	for j, z := range zs {
		if z == nil {
			missing = append(missing, pkg.ctx.list[j].id)
		}
	}
	if len(missing) > 0 {
		return sdk.Value{}, invalid("no signature share from participants %v", missing)
	}
	sig := pkg.ctx.aggregate(zs)
	if ed25519.Verify(pkg.groupPublic.Bytes(), pkg.msg, sig) {
		return sdk.Bytes(sig), nil
	}
	if v := c.Arg("verifying_shares"); !v.IsNull() {
		cheaters, err := invalidShares(pkg, zs, v)
		if err != nil {
			return sdk.Value{}, err
		}
		if len(cheaters) > 0 {
			return sdk.Value{}, invalid("the signature shares of participants %v are invalid", cheaters)
		}
	}
	return sdk.Value{}, invalid("the aggregated signature does not verify: a signature share is invalid, or the " +
		"participants are fewer than the threshold (give verifying_shares to find an invalid share)")
}

// invalidShares returns the participants whose signature share fails RFC
// 9591 §5.4's check against their verifying share.
func invalidShares(pkg signingPackage, zs []*edwards25519.Scalar, verifying sdk.Value) ([]uint64, error) {
	publics, err := verifyingShares(verifying, "verifying_shares")
	if err != nil {
		return nil, err
	}
	var cheaters []uint64
	for j, cm := range pkg.ctx.list {
		if pub, ok := publics[cm.id]; ok && !pkg.ctx.verifyShare(j, zs[j], pub) {
			cheaters = append(cheaters, cm.id)
		}
	}
	return cheaters, nil
}

// signatureShares decodes signature shares into the package's order: each
// from a participant of the package, at most one each. A participant with
// no share is nil.
func signatureShares(pkg signingPackage, v sdk.Value) ([]*edwards25519.Scalar, error) {
	zs := make([]*edwards25519.Scalar, len(pkg.ctx.list))
	for i, it := range v.Items() {
		r := record{it, fmt.Sprintf("shares[%d]", i)}
		id, err := r.identifier()
		if err != nil {
			return nil, err
		}
		z, err := r.scalar("share")
		if err != nil {
			return nil, err
		}
		j := pkg.ctx.index(id)
		switch {
		case j < 0:
			return nil, invalid("%s is from participant %d, who is not in the signing package (participants %v)", r.where, id, pkg.ctx.ids())
		case zs[j] != nil:
			return nil, invalid("%s: participant %d gave two signature shares", r.where, id)
		}
		zs[j] = z
	}
	return zs, nil
}

// verifyingShares decodes participants' public shares (the list argument
// named where) by identifier, each participant once.
func verifyingShares(v sdk.Value, where string) (map[uint64]*edwards25519.Point, error) {
	publics := map[uint64]*edwards25519.Point{}
	for i, it := range v.Items() {
		r := record{it, fmt.Sprintf("%s[%d]", where, i)}
		id, err := r.identifier()
		if err != nil {
			return nil, err
		}
		if _, dup := publics[id]; dup {
			return nil, invalid("%s holds participant %d twice", where, id)
		}
		if publics[id], err = r.element("public"); err != nil {
			return nil, err
		}
	}
	return publics, nil
}

func frostVerify(_ context.Context, c *sdk.Call) (sdk.Value, error) {
	pub := bytesArg(c, "group_public")
	if len(pub) != ed25519.PublicKeySize {
		return sdk.Value{}, invalid("group_public must be a %d-byte public key, got %d bytes", ed25519.PublicKeySize, len(pub))
	}
	sig := bytesArg(c, "sig")
	if len(sig) != ed25519.SignatureSize {
		return sdk.Bool(false), nil
	}
	return sdk.Bool(ed25519.Verify(pub, bytesArg(c, "msg"), sig)), nil
}

// commitmentList decodes a list of commitments, sorted by identifier, each
// identifier once.
func commitmentList(v sdk.Value, where string) ([]frostCommitment, error) {
	if v.Kind() != sdk.KindList {
		return nil, invalid("%s must be a list, got %s", where, v.Kind())
	}
	if v.Len() == 0 {
		return nil, invalid("%s is empty: a signature needs at least one participant", where)
	}
	list := make([]frostCommitment, 0, v.Len())
	for i, it := range v.Items() {
		r := record{it, fmt.Sprintf("%s[%d]", where, i)}
		id, err := r.identifier()
		if err != nil {
			return nil, err
		}
		hiding, err := r.element("hiding")
		if err != nil {
			return nil, err
		}
		binding, err := r.element("binding")
		if err != nil {
			return nil, err
		}
		list = append(list, frostCommitment{id: id, hiding: hiding, binding: binding})
	}
	slices.SortFunc(list, func(a, b frostCommitment) int { return cmpUint(a.id, b.id) })
	for i := 1; i < len(list); i++ {
		if list[i].id == list[i-1].id {
			return nil, invalid("%s holds two commitments from participant %d", where, list[i].id)
		}
	}
	return list, nil
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func element(b []byte, where string) (*edwards25519.Point, error) {
	p, err := deserializeElement(b)
	if err != nil {
		return nil, invalid("%s %v", where, err)
	}
	return p, nil
}

// record reads the fields of a structured argument, naming the field in
// errors as where.field.
type record struct {
	v     sdk.Value
	where string
}

func (r record) get(name string) sdk.Value {
	v, _ := r.v.Get(name)
	return v
}

func (r record) bytes(name string) ([]byte, error) {
	if r.v.Kind() != sdk.KindMap {
		return nil, invalid("%s must be a map, got %s", r.where, r.v.Kind())
	}
	v, ok := r.v.Get(name)
	if !ok {
		return nil, invalid("%s has no %s field (it has %s)", r.where, name, r.keys())
	}
	b, ok := v.AsBytes()
	if !ok {
		return nil, invalid("%s.%s must be bytes, got %s", r.where, name, v.Kind())
	}
	return b, nil
}

func (r record) keys() string {
	var ks []string
	for _, f := range r.v.Fields() {
		ks = append(ks, f.Key)
	}
	if len(ks) == 0 {
		return "no fields"
	}
	return strings.Join(ks, ", ")
}

func (r record) identifier() (uint64, error) {
	if r.v.Kind() != sdk.KindMap {
		return 0, invalid("%s must be a map, got %s", r.where, r.v.Kind())
	}
	v, ok := r.v.Get("identifier")
	if !ok {
		return 0, invalid("%s has no identifier field (it has %s)", r.where, r.keys())
	}
	id, ok := v.AsUint()
	if !ok || id == 0 {
		return 0, invalid("%s.identifier must be a positive integer, got %v", r.where, v)
	}
	return id, nil
}

func (r record) scalar(name string) (*edwards25519.Scalar, error) {
	b, err := r.bytes(name)
	if err != nil {
		return nil, err
	}
	s, err := deserializeScalar(b)
	if err != nil {
		return nil, invalid("%s.%s %v", r.where, name, err)
	}
	return s, nil
}

func (r record) element(name string) (*edwards25519.Point, error) {
	b, err := r.bytes(name)
	if err != nil {
		return nil, err
	}
	return element(b, r.where+"."+name)
}

package crypto

import (
	"context"
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"

	"filippo.io/edwards25519"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/plugintest"
	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/sdk/sdktest"
)

var vmap, invoke, get = plugintest.Args, plugintest.Must, plugintest.Field

func hexBytesValue(t *testing.T, s string) sdk.Value { return sdk.Bytes(unhex(t, s)) }

// TestFROSTOperationsReproduceRFC9591 drives the plugin's operations over
// gRPC with the RFC's keys and nonces: the package, the shares and the
// signature must be the RFC's.
func TestFROSTOperationsReproduceRFC9591(t *testing.T) {
	t.Parallel()
	v := loadFrostVectors(t)
	h := sdktest.New(t, New())
	groupPublic := hexBytesValue(t, v.Inputs.GroupPublicKey)
	var commitments []sdk.Value
	for i := len(v.RoundOne.Outputs) - 1; i >= 0; i-- { // out of order: the package sorts them
		o := v.RoundOne.Outputs[i]
		commitments = append(commitments, vmap("identifier", sdk.Int(int64(o.Identifier)),
			"hiding", hexBytesValue(t, o.HidingCommitment), "binding", hexBytesValue(t, o.BindingCommitment)))
	}
	pkg := invoke(t, h, effects.CryptoFrostCreateSigningPackage, vmap("msg", hexBytesValue(t, v.Inputs.Message),
		"commitments", sdk.List(commitments...), "group_public", groupPublic, "participants", sdk.List(sdk.Int(3), sdk.Int(1))))
	if first, _ := get(t, pkg, "commitments").Items()[0].Get("identifier"); !first.Equal(sdk.Int(1)) {
		t.Fatalf("package commitments not sorted by identifier: %v", pkg)
	}
	secrets := map[uint64]string{}
	for _, s := range v.Inputs.Shares {
		secrets[s.Identifier] = s.Share
	}
	var shares, verifying []sdk.Value
	for i, o := range v.RoundOne.Outputs {
		secret := scalarHex(t, secrets[o.Identifier])
		share := vmap("identifier", sdk.Int(int64(o.Identifier)), "secret", hexBytesValue(t, secrets[o.Identifier]),
			"public", sdk.Bytes(new(edwards25519.Point).ScalarBaseMult(secret).Bytes()), "group_public", groupPublic)
		nonces := vmap("identifier", sdk.Int(int64(o.Identifier)),
			"hiding", hexBytesValue(t, o.HidingNonce), "binding", hexBytesValue(t, o.BindingNonce))
		sig := invoke(t, h, effects.CryptoFrostSignShare, vmap("pkg", pkg, "share", share, "nonces", nonces))
		if want := hexBytesValue(t, v.RoundTwo.Outputs[i].SigShare); !get(t, sig, "share").Equal(want) {
			t.Errorf("participant %d's share = %v, want %v", o.Identifier, get(t, sig, "share"), want)
		}
		shares, verifying = append(shares, sig), append(verifying, share)
	}
	sig := invoke(t, h, effects.CryptoFrostAggregateSignatures, vmap("pkg", pkg, "shares", sdk.List(shares...), "verifying_shares", sdk.List(verifying...)))
	if want := hexBytesValue(t, v.Final.Sig); !sig.Equal(want) {
		t.Fatalf("signature = %v, want %v", sig, want)
	}
	ok := invoke(t, h, effects.CryptoFrostVerify, vmap("msg", hexBytesValue(t, v.Inputs.Message), "sig", sig, "group_public", groupPublic))
	if !ok.Equal(sdk.Bool(true)) {
		t.Fatal("frost_verify rejects the RFC's signature")
	}
}

// session is one FROST signing run over the plugin's operations.
type session struct {
	t      *testing.T
	h      *sdktest.Harness
	keys   sdk.Value
	pkg    sdk.Value
	nonces map[int64]sdk.Value
}

func (s *session) share(id int64) sdk.Value {
	return get(s.t, s.keys, "shares").Items()[id-1]
}

// prepare runs round one for signers and builds the package for msg.
func (s *session) prepare(msg string, signers ...int64) {
	s.nonces = map[int64]sdk.Value{}
	var commitments []sdk.Value
	for _, id := range signers {
		out := invoke(s.t, s.h, effects.CryptoFrostGenerateNonces, vmap("share", s.share(id)))
		s.nonces[id] = get(s.t, out, "nonces")
		commitments = append(commitments, get(s.t, out, "commitment"))
	}
	s.pkg = invoke(s.t, s.h, effects.CryptoFrostCreateSigningPackage, vmap("msg", sdk.Bytes([]byte(msg)),
		"commitments", sdk.List(commitments...), "group_public", get(s.t, s.keys, "group_public")))
}

func (s *session) sign(id int64) sdk.Value {
	return invoke(s.t, s.h, effects.CryptoFrostSignShare, vmap("pkg", s.pkg, "share", s.share(id), "nonces", s.nonces[id]))
}

func newSession(t *testing.T, h *sdktest.Harness, threshold, n int64) *session {
	keys := invoke(t, h, effects.CryptoFrostGenerateKeys, vmap("t", sdk.Int(threshold), "n", sdk.Int(n)))
	if got := get(t, keys, "shares").Len(); got != int(n) {
		t.Fatalf("%d shares, want %d", got, n)
	}
	if got := get(t, keys, "commitment"); got.Len() != int(threshold) || !got.Items()[0].Equal(get(t, keys, "group_public")) {
		t.Fatalf("commitment %v: want %d points starting with the group public key", got, threshold)
	}
	return &session{t: t, h: h, keys: keys}
}

func TestFROSTSigningEndToEnd(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		t, n    int64
		signers []int64
	}{
		{"2 of 2", 2, 2, []int64{1, 2}},
		{"2 of 3", 2, 3, []int64{3, 1}},
		{"3 of 5", 3, 5, []int64{5, 2, 4}},
		{"3 of 5, all sign", 3, 5, []int64{1, 2, 3, 4, 5}},
	}
	for _, mode := range []sdk.Mode{sdk.Production, sdk.Testing} {
		h := sdktest.New(t, New(), sdktest.WithMode(mode, 9))
		for _, tc := range cases {
			t.Run(string(mode)+"/"+tc.name, func(t *testing.T) {
				s := newSession(t, h, tc.t, tc.n)
				s.prepare("transfer 5 coins", tc.signers...)
				var shares []sdk.Value
				for _, id := range tc.signers {
					shares = append(shares, s.sign(id))
				}
				sig := invoke(t, h, effects.CryptoFrostAggregateSignatures, vmap("pkg", s.pkg, "shares", sdk.List(shares...)))
				pub, _ := get(t, s.keys, "group_public").AsBytes()
				sigBytes, _ := sig.AsBytes()
				if !ed25519.Verify(pub, []byte("transfer 5 coins"), sigBytes) {
					t.Fatal("crypto/ed25519 rejects the FROST signature")
				}
				for msg, want := range map[string]bool{"transfer 5 coins": true, "transfer 6 coins": false} {
					got := invoke(t, h, effects.CryptoFrostVerify, vmap("msg", sdk.Bytes([]byte(msg)), "sig", sig, "group_public", get(t, s.keys, "group_public")))
					if !got.Equal(sdk.Bool(want)) {
						t.Errorf("frost_verify(%q) = %v, want %v", msg, got, want)
					}
				}
			})
		}
	}
}

func TestFROSTKeysAndNoncesAreSeeded(t *testing.T) {
	t.Parallel()
	alice := effects.DeriveAuthorityID("alice", 1)
	run := func(seed uint64) (sdk.Value, sdk.Value) {
		h := sdktest.New(t, New(), sdktest.WithMode(sdk.Simulation, seed), sdktest.WithAuthority(alice))
		s := newSession(t, h, 2, 3)
		return s.keys, invoke(t, h, effects.CryptoFrostGenerateNonces, vmap("share", s.share(1)))
	}
	k1, n1 := run(5)
	k2, n2 := run(5)
	k3, _ := run(6)
	if !k1.Equal(k2) || !n1.Equal(n2) {
		t.Fatal("the same seed dealt different keys or nonces")
	}
	if get(t, k1, "group_public").Equal(get(t, k3, "group_public")) {
		t.Fatal("another seed dealt the same key")
	}
}

func TestFROSTErrors(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, New())
	s := newSession(t, h, 3, 4)
	s.prepare("m", 1, 2, 4)
	other := newSession(t, h, 2, 2)
	one, two, four := s.sign(1), s.sign(2), s.sign(4)
	bad := vmap("identifier", sdk.Int(4), "share", get(t, s.sign(1), "share")) // participant 1's share under 4's name
	commitments := get(t, s.pkg, "commitments")
	identity := make([]byte, 32)
	identity[0] = 1
	withField := func(v sdk.Value, key string, val sdk.Value) sdk.Value {
		m := map[string]sdk.Value{}
		for _, f := range v.Fields() {
			m[f.Key] = f.Value
		}
		m[key] = val
		return sdk.Map(m)
	}
	groupPublic := get(t, s.keys, "group_public")
	cases := []struct {
		name    string
		op      sdk.OpID
		args    sdk.Value
		message string
	}{
		{"threshold of one", effects.CryptoFrostGenerateKeys, vmap("t", sdk.Int(1), "n", sdk.Int(3)), "need 2 <= t <= n <= 255, got t 1, n 3"},
		{"threshold above n", effects.CryptoFrostGenerateKeys, vmap("t", sdk.Int(4), "n", sdk.Int(3)), "got t 4, n 3"},
		{"too many shares", effects.CryptoFrostGenerateKeys, vmap("t", sdk.Int(2), "n", sdk.Int(256)), "got t 2, n 256"},
		{"nonces for a share without secret", effects.CryptoFrostGenerateNonces, vmap("share", vmap("identifier", sdk.Int(1))), "share has no secret field (it has identifier)"},
		{"nonces for identifier zero", effects.CryptoFrostGenerateNonces, vmap("share", withField(s.share(1), "identifier", sdk.Int(0))), "share.identifier must be a positive integer, got 0"},
		{"nonces for a short secret", effects.CryptoFrostGenerateNonces, vmap("share", withField(s.share(1), "secret", sdk.Bytes(make([]byte, 31)))), "share.secret must be a 32-byte scalar, got 31 bytes"},
		{"no commitments", effects.CryptoFrostCreateSigningPackage, vmap("msg", sdk.Bytes(nil), "commitments", sdk.List(), "group_public", groupPublic), "commitments is empty"},
		{"duplicate commitments", effects.CryptoFrostCreateSigningPackage, vmap("msg", sdk.Bytes(nil), "commitments", sdk.List(commitments.Items()[0], commitments.Items()[0]), "group_public", groupPublic), "two commitments from participant 1"},
		{"identity commitment", effects.CryptoFrostCreateSigningPackage, vmap("msg", sdk.Bytes(nil), "commitments", sdk.List(withField(commitments.Items()[0], "hiding", sdk.Bytes(identity))), "group_public", groupPublic), "commitments[0].hiding is the identity point"},
		{"commitment not a map", effects.CryptoFrostCreateSigningPackage, vmap("msg", sdk.Bytes(nil), "commitments", sdk.List(sdk.Int(1)), "group_public", groupPublic), "commitments[0] must be a map, got int"},
		{"participants differ", effects.CryptoFrostCreateSigningPackage, vmap("msg", sdk.Bytes(nil), "commitments", commitments, "group_public", groupPublic, "participants", sdk.List(sdk.Int(1), sdk.Int(2))), "participants [1 2] are not the identifiers of the commitments [1 2 4]"},
		{"bad group public key", effects.CryptoFrostCreateSigningPackage, vmap("msg", sdk.Bytes(nil), "commitments", commitments, "group_public", sdk.Bytes(make([]byte, 32))), "group_public is not in the prime-order subgroup"},
		{"sign for a non-participant", effects.CryptoFrostSignShare, vmap("pkg", s.pkg, "share", s.share(3), "nonces", withField(s.nonces[1], "identifier", sdk.Int(3))), "participant 3 has no commitment in the signing package (participants [1 2 4])"},
		{"sign with someone else's nonces", effects.CryptoFrostSignShare, vmap("pkg", s.pkg, "share", s.share(1), "nonces", s.nonces[2]), "nonces.identifier 2 is not share.identifier 1"},
		{"sign with uncommitted nonces", effects.CryptoFrostSignShare, vmap("pkg", s.pkg, "share", s.share(1), "nonces", withField(s.nonces[2], "identifier", sdk.Int(1))), "the nonces do not match participant 1's commitment"},
		{"sign with another key's share", effects.CryptoFrostSignShare, vmap("pkg", s.pkg, "share", other.share(1), "nonces", s.nonces[1]), "the share belongs to another key"},
		{"sign a package without a message", effects.CryptoFrostSignShare, vmap("pkg", withField(s.pkg, "message", sdk.String("m")), "share", s.share(1), "nonces", s.nonces[1]), "pkg.message must be bytes, got string"},
		{"aggregate with a missing share", effects.CryptoFrostAggregateSignatures, vmap("pkg", s.pkg, "shares", sdk.List(one, two)), "no signature share from participants [4]"},
		{"aggregate with a duplicate share", effects.CryptoFrostAggregateSignatures, vmap("pkg", s.pkg, "shares", sdk.List(one, two, four, two)), "participant 2 gave two signature shares"},
		{"aggregate with an outsider's share", effects.CryptoFrostAggregateSignatures, vmap("pkg", s.pkg, "shares", sdk.List(one, two, four, withField(one, "identifier", sdk.Int(3)))), "participant 3, who is not in the signing package"},
		{"aggregate with a bad share", effects.CryptoFrostAggregateSignatures, vmap("pkg", s.pkg, "shares", sdk.List(one, two, bad)), "the aggregated signature does not verify"},
		{"aggregate names the cheater", effects.CryptoFrostAggregateSignatures, vmap("pkg", s.pkg, "shares", sdk.List(one, two, bad), "verifying_shares", get(t, s.keys, "shares")), "the signature shares of participants [4] are invalid"},
		{"verify with a short key", effects.CryptoFrostVerify, vmap("msg", sdk.Bytes(nil), "sig", sdk.Bytes(make([]byte, 64)), "group_public", sdk.Bytes(nil)), "group_public must be a 32-byte public key, got 0 bytes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := h.Invoke(context.Background(), tc.op, tc.args)
			var e *effects.Error
			if !errors.As(err, &e) || e.Code != sdk.CodeInvalidArgs || !strings.Contains(e.Message, tc.message) {
				t.Fatalf("got %v, %v; want invalid_args mentioning %q", v, err, tc.message)
			}
		})
	}

	// Below the threshold the shares are individually valid, but the
	// signature is not.
	below := newSession(t, h, 3, 3)
	below.prepare("m", 1, 2)
	_, err := h.Invoke(context.Background(), effects.CryptoFrostAggregateSignatures, vmap("pkg", below.pkg,
		"shares", sdk.List(below.sign(1), below.sign(2)), "verifying_shares", get(t, below.keys, "shares")))
	if !errors.Is(err, effects.ErrInvalidArgs) || !strings.Contains(err.Error(), "fewer than the threshold") {
		t.Fatalf("2 of a 3-of-3 key: got %v, want a signature that does not verify", err)
	}
	short := invoke(t, h, effects.CryptoFrostVerify, vmap("msg", sdk.Bytes(nil), "sig", sdk.Bytes(make([]byte, 63)), "group_public", groupPublic))
	if !short.Equal(sdk.Bool(false)) {
		t.Fatalf("a 63-byte signature verified: %v", short)
	}
}

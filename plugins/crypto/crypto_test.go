package crypto_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/crypto"
	"github.com/aurahost/aura-host/plugins/internal/plugintest"
	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/sdk/sdktest"
)

var args, mustCall = plugintest.Args, plugintest.Must

func b(s string) sdk.Value { return sdk.Bytes([]byte(s)) }

func hexBytes(t testing.TB, s string) []byte {
	t.Helper()
	out, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func hexValue(t testing.TB, s string) sdk.Value { return sdk.Bytes(hexBytes(t, s)) }

func call(t testing.TB, h *sdktest.Harness, op sdk.OpID, a sdk.Value) (sdk.Value, error) {
	t.Helper()
	return h.Invoke(context.Background(), op, a)
}

func field(t testing.TB, v sdk.Value, key string) []byte {
	t.Helper()
	f, ok := v.Get(key)
	if !ok {
		t.Fatalf("result %v has no field %q", v, key)
	}
	out, ok := f.AsBytes()
	if !ok {
		t.Fatalf("field %q of %v is not bytes", key, v)
	}
	return out
}

var (
	seed32 = bytes.Repeat([]byte{7}, 32)
	key32  = bytes.Repeat([]byte{9}, 32)
	nonce  = bytes.Repeat([]byte{1}, 12)
)

func TestConformance(t *testing.T) {
	t.Parallel()
	priv := ed25519.NewKeyFromSeed(seed32)
	sig := ed25519.Sign(priv, []byte("m"))
	sealed := sealWithHarness(t, key32, nonce, []byte("p"))
	opts := append([]sdktest.Option{
		sdktest.WithSample(effects.CryptoEd25519Sign, args("msg", b("m"), "key", sdk.Bytes(seed32))),
		sdktest.WithSample(effects.CryptoEd25519Verify, args("msg", b("m"), "sig", sdk.Bytes(sig), "pub", sdk.Bytes(priv.Public().(ed25519.PublicKey)))),
		sdktest.WithSample(effects.CryptoEd25519PublicKey, args("priv", sdk.Bytes(priv))),
		sdktest.WithSample(effects.CryptoKDFDerive, args("ikm", b("k"), "len", sdk.Int(32))),
		sdktest.WithSample(effects.CryptoAEADSeal, args("key", sdk.Bytes(key32), "nonce", sdk.Bytes(nonce), "plaintext", b("p"))),
		sdktest.WithSample(effects.CryptoAEADOpen, args("key", sdk.Bytes(key32), "nonce", sdk.Bytes(nonce), "ciphertext", sdk.Bytes(sealed))),
	}, frostSamples(t)...)
	opts = append(opts, heldKeySamples()...)
	sdktest.Conformance(t, crypto.New(), opts...)
}

// frostSamples runs one 2-of-2 FROST signing to get valid arguments for
// each FROST operation.
func frostSamples(t *testing.T) []sdktest.Option {
	h := sdktest.New(t, crypto.New())
	keysArgs := args("t", sdk.Int(2), "n", sdk.Int(2))
	keys := mustCall(t, h, effects.CryptoFrostGenerateKeys, keysArgs)
	kf, _ := keys.Get("shares")
	groupPublic, _ := keys.Get("group_public")
	shares := kf.Items()
	var nonces, commitments []sdk.Value
	for _, share := range shares {
		out := mustCall(t, h, effects.CryptoFrostGenerateNonces, args("share", share))
		n, _ := out.Get("nonces")
		c, _ := out.Get("commitment")
		nonces, commitments = append(nonces, n), append(commitments, c)
	}
	pkgArgs := args("msg", b("m"), "commitments", sdk.List(commitments...), "group_public", groupPublic)
	pkg := mustCall(t, h, effects.CryptoFrostCreateSigningPackage, pkgArgs)
	signArgs := args("pkg", pkg, "share", shares[0], "nonces", nonces[0])
	sigShares := []sdk.Value{mustCall(t, h, effects.CryptoFrostSignShare, signArgs),
		mustCall(t, h, effects.CryptoFrostSignShare, args("pkg", pkg, "share", shares[1], "nonces", nonces[1]))}
	aggArgs := args("pkg", pkg, "shares", sdk.List(sigShares...))
	sig := mustCall(t, h, effects.CryptoFrostAggregateSignatures, aggArgs)
	return []sdktest.Option{
		sdktest.WithSample(effects.CryptoFrostGenerateKeys, keysArgs),
		sdktest.WithSample(effects.CryptoFrostGenerateNonces, args("share", shares[0])),
		sdktest.WithSample(effects.CryptoFrostCreateSigningPackage, pkgArgs),
		sdktest.WithSample(effects.CryptoFrostSignShare, signArgs),
		sdktest.WithSample(effects.CryptoFrostAggregateSignatures, aggArgs),
		sdktest.WithSample(effects.CryptoFrostVerifyShares, args("pkg", pkg, "shares", sdk.List(sigShares...), "verifying_shares", sdk.List(shares...))),
		sdktest.WithSample(effects.CryptoFrostVerify, args("msg", b("m"), "sig", sig, "group_public", groupPublic)),
	}
}

// heldKeySamples are valid arguments for the operations on held keys. The
// handle names no key of the harness's instance (not_found, a valid
// answer); the DKG's full course is in frost_dkg_test.go.
func heldKeySamples() []sdktest.Option {
	basePoint, _ := hex.DecodeString("5866666666666666666666666666666666666666666666666666666666666666") // Ed25519's B
	key := args("key", sdk.String("00112233445566778899aabbccddeeff"))
	withKey := func(kv ...any) sdk.Value {
		return args(append([]any{"key", sdk.String("00112233445566778899aabbccddeeff")}, kv...)...)
	}
	return []sdktest.Option{
		sdktest.WithHost(plugintest.Device(ed25519.NewKeyFromSeed(seed32))),
		sdktest.WithSample(effects.CryptoFrostDKGBegin, args("t", sdk.Int(2), "n", sdk.Int(3), "identifier", sdk.Int(1), "context", sdk.Bytes(seed32))),
		sdktest.WithSample(effects.CryptoFrostReshareBegin, args("t", sdk.Int(2), "n", sdk.Int(2), "identifier", sdk.Int(2), "context", sdk.Bytes(seed32),
			"group_public", sdk.Bytes(basePoint), "dealers", sdk.List(sdk.Int(1)),
			"old_verifying_shares", sdk.List(args("identifier", sdk.Int(1), "public", sdk.Bytes(basePoint)))),
		),
		sdktest.WithSample(effects.CryptoFrostKeyFind, args("group_public", sdk.Bytes(basePoint))),
		sdktest.WithSample(effects.CryptoFrostDKGShares, withKey("packages", sdk.List())),
		sdktest.WithSample(effects.CryptoFrostDKGRoute, args("shares", sdk.List(), "from", sdk.Int(1), "to", sdk.Int(3))),
		sdktest.WithSample(effects.CryptoFrostDKGFinish, withKey("packages", sdk.List(), "shares", sdk.List())),
		sdktest.WithSample(effects.CryptoFrostDKGCommit, key),
		sdktest.WithSample(effects.CryptoFrostDKGAbort, key),
		sdktest.WithSample(effects.CryptoFrostKeyInfo, key),
		sdktest.WithSample(effects.CryptoFrostKeyNonces, key),
		sdktest.WithSample(effects.CryptoFrostKeySignShare, withKey("pkg", args(), "nonces", sdk.String("00"))),
	}
}

func sealWithHarness(t *testing.T, key, nonce, pt []byte) []byte {
	h := sdktest.New(t, crypto.New())
	out, _ := mustCall(t, h, effects.CryptoAEADSeal, args("key", sdk.Bytes(key), "nonce", sdk.Bytes(nonce), "plaintext", sdk.Bytes(pt))).AsBytes()
	return out
}

// outcome is what a table case expects: a value, or an error code with a
// fragment of its message.
type outcome struct {
	want    sdk.Value
	code    sdk.Code
	message string
}

func checkOutcome(t *testing.T, got sdk.Value, err error, want outcome) {
	t.Helper()
	if want.code != "" {
		var e *effects.Error
		if !errors.As(err, &e) || e.Code != want.code {
			t.Fatalf("got %v, %v; want a %s error", got, err, want.code)
		}
		if !strings.Contains(e.Message, want.message) {
			t.Fatalf("error %q does not mention %q", e.Message, want.message)
		}
		return
	}
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	if !got.Equal(want.want) {
		t.Fatalf("got %v, want %v", got, want.want)
	}
}

// RFC 8032 §7.1, test 2: a one-byte message.
const (
	rfcSeed = "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"
	rfcPub  = "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"
	rfcMsg  = "72"
	rfcSig  = "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"
)

func TestEd25519(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, crypto.New())
	rfcPriv := append(hexBytes(t, rfcSeed), hexBytes(t, rfcPub)...)
	inconsistent := append(hexBytes(t, rfcSeed), make([]byte, 32)...)
	tampered := hexBytes(t, rfcSig)
	tampered[0] ^= 1
	cases := []struct {
		name string
		op   sdk.OpID
		args sdk.Value
		outcome
	}{
		{"sign with seed matches RFC 8032", effects.CryptoEd25519Sign, args("msg", hexValue(t, rfcMsg), "key", hexValue(t, rfcSeed)), outcome{want: hexValue(t, rfcSig)}},
		{"sign with 64-byte key matches RFC 8032", effects.CryptoEd25519Sign, args("msg", hexValue(t, rfcMsg), "key", sdk.Bytes(rfcPriv)), outcome{want: hexValue(t, rfcSig)}},
		{"sign with short key", effects.CryptoEd25519Sign, args("msg", b("m"), "key", sdk.Bytes(make([]byte, 31))), outcome{code: sdk.CodeInvalidArgs, message: "key must be a 64-byte Ed25519 private key (seed || public key) or a 32-byte seed, got 31 bytes"}},
		{"sign with inconsistent key", effects.CryptoEd25519Sign, args("msg", b("m"), "key", sdk.Bytes(inconsistent)), outcome{code: sdk.CodeInvalidArgs, message: "not a consistent Ed25519 private key"}},
		{"verify RFC 8032 signature", effects.CryptoEd25519Verify, args("msg", hexValue(t, rfcMsg), "sig", hexValue(t, rfcSig), "pub", hexValue(t, rfcPub)), outcome{want: sdk.Bool(true)}},
		{"verify other message", effects.CryptoEd25519Verify, args("msg", b("other"), "sig", hexValue(t, rfcSig), "pub", hexValue(t, rfcPub)), outcome{want: sdk.Bool(false)}},
		{"verify tampered signature", effects.CryptoEd25519Verify, args("msg", hexValue(t, rfcMsg), "sig", sdk.Bytes(tampered), "pub", hexValue(t, rfcPub)), outcome{want: sdk.Bool(false)}},
		{"verify short signature", effects.CryptoEd25519Verify, args("msg", hexValue(t, rfcMsg), "sig", sdk.Bytes(tampered[:63]), "pub", hexValue(t, rfcPub)), outcome{want: sdk.Bool(false)}},
		{"verify with short public key", effects.CryptoEd25519Verify, args("msg", b("m"), "sig", hexValue(t, rfcSig), "pub", sdk.Bytes(make([]byte, 33))), outcome{code: sdk.CodeInvalidArgs, message: "pub must be a 32-byte Ed25519 public key, got 33 bytes"}},
		{"public key of seed", effects.CryptoEd25519PublicKey, args("priv", hexValue(t, rfcSeed)), outcome{want: hexValue(t, rfcPub)}},
		{"public key of 64-byte key", effects.CryptoEd25519PublicKey, args("priv", sdk.Bytes(rfcPriv)), outcome{want: hexValue(t, rfcPub)}},
		{"public key of empty key", effects.CryptoEd25519PublicKey, args("priv", sdk.Bytes(nil)), outcome{code: sdk.CodeInvalidArgs, message: "priv must be"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := call(t, h, tc.op, tc.args)
			checkOutcome(t, got, err, tc.outcome)
		})
	}
}

func TestGeneratedKeypairSignsForGoVerify(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, crypto.New())
	kp := mustCall(t, h, effects.CryptoEd25519GenerateKeypair, sdk.Null())
	pub, priv := field(t, kp, "public"), field(t, kp, "private")
	if len(pub) != ed25519.PublicKeySize || len(priv) != ed25519.PrivateKeySize {
		t.Fatalf("key sizes %d, %d", len(pub), len(priv))
	}
	sig, _ := mustCall(t, h, effects.CryptoEd25519Sign, args("msg", b("hello"), "key", sdk.Bytes(priv))).AsBytes()
	if !ed25519.Verify(pub, []byte("hello"), sig) {
		t.Fatal("crypto/ed25519 rejects the plugin's signature")
	}
	derived, _ := mustCall(t, h, effects.CryptoEd25519PublicKey, args("priv", sdk.Bytes(priv))).AsBytes()
	if !bytes.Equal(derived, pub) {
		t.Fatal("ed25519_public_key disagrees with the generated public key")
	}
	again := mustCall(t, h, effects.CryptoEd25519GenerateKeypair, sdk.Null())
	if bytes.Equal(field(t, again, "public"), pub) {
		t.Fatal("production mode generated the same key pair twice")
	}
}

// keys returns the public keys of the first n key pairs a fresh plugin
// generates under opts.
func keys(t *testing.T, n int, opts ...sdktest.Option) [][]byte {
	h := sdktest.New(t, crypto.New(), opts...)
	var out [][]byte
	for range n {
		out = append(out, field(t, mustCall(t, h, effects.CryptoEd25519GenerateKeypair, sdk.Null()), "public"))
	}
	return out
}

func TestKeyGenerationIsSeededInDeterministicModes(t *testing.T) {
	t.Parallel()
	alice, bob := effects.DeriveAuthorityID("alice", 1), effects.DeriveAuthorityID("bob", 1)
	base := keys(t, 3, sdktest.WithMode(sdk.Testing, 42), sdktest.WithAuthority(alice))
	if bytes.Equal(base[0], base[1]) || bytes.Equal(base[1], base[2]) {
		t.Fatal("successive key pairs repeat")
	}
	same := keys(t, 3, sdktest.WithMode(sdk.Simulation, 42), sdktest.WithAuthority(alice))
	for i := range base {
		if !bytes.Equal(base[i], same[i]) {
			t.Fatalf("key %d differs between two runs with the same seed and authority", i)
		}
	}
	for name, opts := range map[string][]sdktest.Option{
		"other seed":      {sdktest.WithMode(sdk.Testing, 43), sdktest.WithAuthority(alice)},
		"other authority": {sdktest.WithMode(sdk.Testing, 42), sdktest.WithAuthority(bob)},
		"production":      {sdktest.WithMode(sdk.Production, 42), sdktest.WithAuthority(alice)},
	} {
		if other := keys(t, 1, opts...); bytes.Equal(other[0], base[0]) {
			t.Errorf("%s: generated the same first key", name)
		}
	}
}

func TestHash(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, crypto.New())
	for _, tc := range []struct{ in, want string }{
		{"", "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"},
		{"abc", "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85"},
	} {
		got := mustCall(t, h, effects.CryptoHash, args("data", b(tc.in)))
		if !got.Equal(hexValue(t, tc.want)) {
			t.Errorf("hash(%q) = %v, want %s", tc.in, got, tc.want)
		}
	}
}

func TestKDFDerive(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, crypto.New())
	// RFC 5869 appendix A.1 and A.3.
	ikm := sdk.Bytes(bytes.Repeat([]byte{0x0b}, 22))
	cases := []struct {
		name string
		args sdk.Value
		outcome
	}{
		{"RFC 5869 A.1", args("ikm", ikm, "salt", hexValue(t, "000102030405060708090a0b0c"), "info", hexValue(t, "f0f1f2f3f4f5f6f7f8f9"), "len", sdk.Int(42)),
			outcome{want: hexValue(t, "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")}},
		{"RFC 5869 A.3, salt and info omitted", args("ikm", ikm, "len", sdk.Int(42)),
			outcome{want: hexValue(t, "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8")}},
		{"zero length", args("ikm", ikm, "len", sdk.Int(0)), outcome{code: sdk.CodeInvalidArgs, message: "len must be between 1 and 8160 bytes"}},
		{"too long", args("ikm", ikm, "len", sdk.Int(8161)), outcome{code: sdk.CodeInvalidArgs, message: "got 8161"}},
		{"negative", args("ikm", ikm, "len", sdk.Int(-1)), outcome{code: sdk.CodeInvalidArgs, message: "got -1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := call(t, h, effects.CryptoKDFDerive, tc.args)
			checkOutcome(t, got, err, tc.outcome)
		})
	}
}

func TestAEAD(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, crypto.New())
	// RFC 8439 §2.8.2.
	key := hexValue(t, "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f")
	rfcNonce := hexValue(t, "070000004041424344454647")
	aad := hexValue(t, "50515253c0c1c2c3c4c5c6c7")
	pt := b("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.")
	ct := hexValue(t, "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"+
		"3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"+
		"92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"+
		"3ff4def08e4b7a9de576d26586cec64b6116"+"1ae10b594f09e26a7e902ecbd0600691")
	altered, _ := ct.AsBytes()
	altered[5] ^= 0x80
	xNonce := sdk.Bytes(bytes.Repeat([]byte{3}, 24))
	xSealed := mustCall(t, h, effects.CryptoAEADSeal, args("key", key, "nonce", xNonce, "plaintext", pt))

	cases := []struct {
		name string
		op   sdk.OpID
		args sdk.Value
		outcome
	}{
		{"seal matches RFC 8439", effects.CryptoAEADSeal, args("key", key, "nonce", rfcNonce, "plaintext", pt, "aad", aad), outcome{want: ct}},
		{"open RFC 8439", effects.CryptoAEADOpen, args("key", key, "nonce", rfcNonce, "ciphertext", ct, "aad", aad), outcome{want: pt}},
		{"open without the aad", effects.CryptoAEADOpen, args("key", key, "nonce", rfcNonce, "ciphertext", ct), outcome{code: sdk.CodeInvalidArgs, message: "did not authenticate"}},
		{"open altered ciphertext", effects.CryptoAEADOpen, args("key", key, "nonce", rfcNonce, "ciphertext", sdk.Bytes(altered), "aad", aad), outcome{code: sdk.CodeInvalidArgs, message: "did not authenticate"}},
		{"open with another key", effects.CryptoAEADOpen, args("key", sdk.Bytes(key32), "nonce", rfcNonce, "ciphertext", ct, "aad", aad), outcome{code: sdk.CodeInvalidArgs, message: "did not authenticate"}},
		{"open truncated ciphertext", effects.CryptoAEADOpen, args("key", key, "nonce", rfcNonce, "ciphertext", sdk.Bytes(altered[:15])), outcome{code: sdk.CodeInvalidArgs, message: "shorter than the 16-byte tag"}},
		{"XChaCha round trip", effects.CryptoAEADOpen, args("key", key, "nonce", xNonce, "ciphertext", xSealed), outcome{want: pt}},
		{"XChaCha nonce cannot open ChaCha ciphertext", effects.CryptoAEADOpen, args("key", key, "nonce", xNonce, "ciphertext", ct, "aad", aad), outcome{code: sdk.CodeInvalidArgs, message: "did not authenticate"}},
		{"seal with short key", effects.CryptoAEADSeal, args("key", sdk.Bytes(key32[:16]), "nonce", rfcNonce, "plaintext", pt), outcome{code: sdk.CodeInvalidArgs, message: "key must be 32 bytes, got 16"}},
		{"seal with bad nonce", effects.CryptoAEADSeal, args("key", key, "nonce", sdk.Bytes(make([]byte, 8)), "plaintext", pt), outcome{code: sdk.CodeInvalidArgs, message: "nonce must be 12 bytes (ChaCha20-Poly1305) or 24 bytes (XChaCha20-Poly1305), got 8"}},
		{"open with bad nonce", effects.CryptoAEADOpen, args("key", key, "nonce", sdk.Bytes(nil), "ciphertext", ct), outcome{code: sdk.CodeInvalidArgs, message: "got 0"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := call(t, h, tc.op, tc.args)
			checkOutcome(t, got, err, tc.outcome)
		})
	}
}

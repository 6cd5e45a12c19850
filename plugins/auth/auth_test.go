package auth

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/plugintest"
	"github.com/aurahost/aura-host/plugins/internal/servicetest"
	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/sdk/sdktest"
)

var args = plugintest.Args

const t0 = 5_000_000

// device is a test device key.
func device(seed byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize))
}

func pub(k ed25519.PrivateKey) []byte { return k.Public().(ed25519.PublicKey) }

// aliceID is the authority the service acts for in these tests; aliceKey
// its device key (the fake host's), enrolled at start as the genesis of
// the device set.
var (
	aliceID  = effects.DeriveAuthorityID("alice", 1)
	aliceKey = servicetest.DeviceKey(aliceID)
)

// sign is k's device signature of a challenge's nonce, as device.sign
// makes it.
func sign(k ed25519.PrivateKey, nonce []byte) []byte {
	return ed25519.Sign(k, effects.DeviceSigningMessage(effects.PurposeAuthChallenge, nonce))
}

// start serves the service acting for alice over host.
func start(t *testing.T, host *servicetest.Host, opts ...sdktest.Option) *sdktest.Harness {
	t.Helper()
	return servicetest.Start(t, New(), host, append([]sdktest.Option{sdktest.WithAuthority(aliceID)}, opts...)...)
}

func verifyArgs(id string, sig, pubKey []byte, method string) sdk.Value {
	return args("challenge_id", sdk.String(id), "signature", sdk.Bytes(sig), "public_key", sdk.Bytes(pubKey), "method", sdk.String(method))
}

// issue creates a challenge and returns its id and nonce.
func issue(t *testing.T, hs *sdktest.Harness) (string, []byte) {
	t.Helper()
	c := plugintest.Must(t, hs, effects.AuthCreateChallenge, sdk.Null())
	nonce, _ := plugintest.Field(t, c, "nonce").AsBytes()
	if len(nonce) != 32 {
		t.Fatalf("nonce is %d bytes, want 32", len(nonce))
	}
	return plugintest.Str(t, c, "id"), nonce
}

func TestConformance(t *testing.T) {
	t.Parallel()
	sdktest.Conformance(t, New(),
		sdktest.WithHost(servicetest.NewHost(t0)), sdktest.WithAuthority(aliceID),
		sdktest.WithSample(effects.AuthVerify, verifyArgs("challenge-00", make([]byte, 64), pub(aliceKey), MethodDeviceKey)),
		sdktest.WithSample(effects.AuthEnrollDevice, args("public_key", sdk.Bytes(pub(device(3))))),
	)
}

func TestCreateChallenge(t *testing.T) {
	t.Parallel()
	host := servicetest.NewHost(t0)
	hs := start(t, host)
	c := plugintest.Must(t, hs, effects.AuthCreateChallenge, sdk.Null())
	if got := plugintest.Int(t, c, "expires_ms"); got != t0+DefaultChallengeTTL {
		t.Fatalf("expires_ms = %d, want now + 5 min = %d", got, t0+DefaultChallengeTTL)
	}
	_, n1 := issue(t, hs)
	_, n2 := issue(t, hs)
	if bytes.Equal(n1, n2) {
		t.Fatal("two challenges share a nonce")
	}
	if n := len(host.Bodies(PredicateChallengeIssued)); n != 3 {
		t.Fatalf("journaled %d challenges, want 3", n)
	}

	short := start(t, host, sdktest.WithConfig(args("challenge_ttl_ms", sdk.Int(1000))))
	if got := plugintest.Int(t, plugintest.Must(t, short, effects.AuthCreateChallenge, sdk.Null()), "expires_ms"); got != t0+1000 {
		t.Fatalf("with challenge_ttl_ms 1000, expires_ms = %d, want %d", got, t0+1000)
	}
}

func TestConfigRejectsANonPositiveLifetime(t *testing.T) {
	t.Parallel()
	err := New().Configure(context.Background(), &sdk.Configuration{Values: args("challenge_ttl_ms", sdk.Int(0))})
	var ce *sdk.ConfigError
	if !errors.As(err, &ce) || len(ce.Path) != 1 || ce.Path[0] != "challenge_ttl_ms" {
		t.Fatalf("configure with challenge_ttl_ms 0 = %v, want a config error on challenge_ttl_ms", err)
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	alice, mallory := aliceKey, device(2)
	type attempt struct {
		sig    func(nonce []byte) []byte
		pub    []byte
		method string
		// want is the outcome: authenticated true/false, or an error.
		authenticated bool
		code          sdk.Code
		fragment      string
	}
	good := func(nonce []byte) []byte { return sign(alice, nonce) }
	ok := attempt{sig: good, pub: pub(alice), method: MethodDeviceKey, authenticated: true}
	cases := []struct {
		name     string
		advance  int64 // ms after issuing, before the attempts
		attempts []attempt
	}{
		{"device key signature", 0, []attempt{ok}},
		{"single use", 0, []attempt{ok, {sig: good, pub: pub(alice), method: MethodDeviceKey, code: sdk.CodeConflict, fragment: "already used"}}},
		{"tampered signature", 0, []attempt{
			{sig: func(n []byte) []byte { s := good(n); s[5] ^= 1; return s }, pub: pub(alice), method: MethodDeviceKey},
			{sig: good, pub: pub(alice), method: MethodDeviceKey, code: sdk.CodeConflict, fragment: "already used"},
		}},
		{"another device's key", 0, []attempt{{sig: func(n []byte) []byte { return sign(mallory, n) }, pub: pub(alice), method: MethodDeviceKey}}},
		{"a key outside the device set, then an enrolled one", 0, []attempt{
			{sig: func(n []byte) []byte { return sign(mallory, n) }, pub: pub(mallory), method: MethodDeviceKey, code: sdk.CodeUnknownDevice, fragment: "is not in this authority's device set"},
			ok,
		}},
		{"a raw signature of the nonce, without the purpose", 0, []attempt{{sig: func(n []byte) []byte { return ed25519.Sign(alice, n) }, pub: pub(alice), method: MethodDeviceKey}}},
		{"signature of another message", 0, []attempt{{sig: func(n []byte) []byte { return sign(alice, append(n, 0)) }, pub: pub(alice), method: MethodDeviceKey}}},
		{"short signature", 0, []attempt{{sig: func([]byte) []byte { return []byte{1, 2, 3} }, pub: pub(alice), method: MethodDeviceKey}}},
		{"just before expiry", DefaultChallengeTTL - 1, []attempt{ok}},
		{"expired", DefaultChallengeTTL, []attempt{{sig: good, pub: pub(alice), method: MethodDeviceKey, code: sdk.CodeConflict, fragment: "expired at"}}},
		{"bad arguments do not consume the challenge", 0, []attempt{
			{sig: good, pub: pub(alice), method: MethodPasskey, code: sdk.CodeInvalidArgs, fragment: `method "passkey" is not served`},
			{sig: good, pub: pub(alice), method: "password", code: sdk.CodeInvalidArgs, fragment: `unknown method "password"`},
			{sig: good, pub: pub(alice)[:31], method: MethodDeviceKey, code: sdk.CodeInvalidArgs, fragment: "32-byte Ed25519 public key, got 31"},
			ok,
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			host := servicetest.NewHost(t0)
			hs := start(t, host)
			id, nonce := issue(t, hs)
			host.Advance(tc.advance)
			for i, at := range tc.attempts {
				got, err := hs.Invoke(context.Background(), effects.AuthVerify, verifyArgs(id, at.sig(nonce), at.pub, at.method))
				if at.code != "" {
					if err := plugintest.Check(err, at.code, at.fragment); err != nil {
						t.Fatalf("attempt %d: %v", i, err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("attempt %d: %v", i, err)
				}
				if auth, _ := plugintest.Field(t, got, "authenticated").AsBool(); auth != at.authenticated {
					t.Fatalf("attempt %d: %v, want authenticated %v", i, got, at.authenticated)
				}
				if at.authenticated {
					checkAuthenticatedFact(t, host, got, id, pub(alice))
				} else if plugintest.Str(t, got, "reason") == "" {
					t.Fatalf("attempt %d: a failed verification without a reason: %v", i, got)
				}
			}
		})
	}
	t.Run("unknown challenge", func(t *testing.T) {
		hs := start(t, servicetest.NewHost(t0))
		plugintest.Fails(t, hs, effects.AuthVerify, verifyArgs("challenge-00", make([]byte, 64), pub(alice), MethodDeviceKey),
			sdk.CodeNotFound, `no challenge "challenge-00"`)
	})
	t.Run("long expired challenges are forgotten", func(t *testing.T) {
		host := servicetest.NewHost(t0)
		hs := start(t, host)
		id, nonce := issue(t, hs)
		host.Advance(2 * DefaultChallengeTTL)
		issue(t, hs)
		plugintest.Fails(t, hs, effects.AuthVerify, verifyArgs(id, sign(alice, nonce), pub(alice), MethodDeviceKey),
			sdk.CodeNotFound, "expired long ago")
	})
}

// checkAuthenticatedFact checks that a successful verify journaled one
// auth.authenticated fact and returned its id.
func checkAuthenticatedFact(t *testing.T, host *servicetest.Host, got sdk.Value, id string, pubKey []byte) {
	t.Helper()
	facts := host.Bodies(PredicateAuthenticated)
	want := args("challenge_id", sdk.String(id), "method", sdk.String(MethodDeviceKey), "public_key", sdk.Bytes(pubKey),
		"authenticated_ms", plugintest.Field(t, got, "authenticated_ms"))
	if len(facts) != 1 || !facts[0].Equal(want) {
		t.Fatalf("authenticated facts = %v, want [%v]", facts, want)
	}
	if fid, _ := plugintest.Field(t, got, "fact_id").AsBytes(); len(fid) == 0 {
		t.Fatalf("no fact_id in %v", got)
	}
}

func TestRestartRebuildsFromFacts(t *testing.T) {
	t.Parallel()
	alice := aliceKey
	host := servicetest.NewHost(t0)
	first := start(t, host)
	used, usedNonce := issue(t, first)
	rejected, rejectedNonce := issue(t, first)
	open, openNonce := issue(t, first)
	plugintest.Must(t, first, effects.AuthVerify, verifyArgs(used, sign(alice, usedNonce), pub(alice), MethodDeviceKey))
	plugintest.Must(t, first, effects.AuthVerify, verifyArgs(rejected, make([]byte, 64), pub(alice), MethodDeviceKey))

	second := start(t, host)
	plugintest.Fails(t, second, effects.AuthVerify, verifyArgs(used, sign(alice, usedNonce), pub(alice), MethodDeviceKey),
		sdk.CodeConflict, "already used")
	plugintest.Fails(t, second, effects.AuthVerify, verifyArgs(rejected, sign(alice, rejectedNonce), pub(alice), MethodDeviceKey),
		sdk.CodeConflict, "already used")
	got := plugintest.Must(t, second, effects.AuthVerify, verifyArgs(open, sign(alice, openNonce), pub(alice), MethodDeviceKey))
	if ok, _ := plugintest.Field(t, got, "authenticated").AsBool(); !ok {
		t.Fatalf("a challenge issued before the restart did not verify after it: %v", got)
	}
}

func TestJournalOutage(t *testing.T) {
	t.Parallel()
	alice := aliceKey
	host := servicetest.NewHost(t0)
	hs := start(t, host)
	id, nonce := issue(t, hs)
	host.SetJournalDown(true)
	// A verify whose outcome cannot be journaled does not consume the
	// challenge, so the device can retry.
	plugintest.Fails(t, hs, effects.AuthVerify, verifyArgs(id, sign(alice, nonce), pub(alice), MethodDeviceKey), sdk.CodeUnavailable, "journal")
	if h, _ := hs.Client.Health(context.Background()); h.Status != sdk.Degraded {
		t.Fatalf("health with the journal down = %v, want degraded", h)
	}
	host.SetJournalDown(false)
	plugintest.Must(t, hs, effects.AuthVerify, verifyArgs(id, sign(alice, nonce), pub(alice), MethodDeviceKey))
	if h, _ := hs.Client.Health(context.Background()); h.Status != sdk.Healthy {
		t.Fatalf("health once the journal is back = %v, want healthy", h)
	}
}

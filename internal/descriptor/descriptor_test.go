package descriptor_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/internal/descriptor"
)

const now = 1_700_000_000_000

func key(label string) ed25519.PrivateKey {
	seed := bytes.Repeat([]byte(label), ed25519.SeedSize/len(label)+1)[:ed25519.SeedSize]
	return ed25519.NewKeyFromSeed(seed)
}

var alice = effects.DeriveAuthorityID("alice", 1)

func valid() descriptor.Descriptor {
	return descriptor.Descriptor{
		Authority: alice,
		Addresses: []string{"/ip4/10.0.0.1/tcp/7000", "10.0.0.1:7001"},
		IssuedMS:  now, ExpiresMS: now + 3_600_000, Seq: 3,
	}
}

func signed(t *testing.T, d descriptor.Descriptor) descriptor.Signed {
	t.Helper()
	s, err := descriptor.Sign(key("alice"), d)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// with returns v with field set to x (or removed, when x is the zero Value).
func with(v effects.Value, field string, x effects.Value, remove bool) effects.Value {
	m := map[string]effects.Value{}
	for _, f := range v.Fields() {
		m[f.Key] = f.Value
	}
	if remove {
		delete(m, field)
	} else {
		m[field] = x
	}
	return effects.Map(m)
}

func strs(ss ...string) effects.Value {
	out := make([]effects.Value, len(ss))
	for i, s := range ss {
		out[i] = effects.String(s)
	}
	return effects.List(out...)
}

func TestSignVerifyRoundTrip(t *testing.T) {
	t.Parallel()
	d := valid()
	d.Relays = []string{"/ip4/10.0.0.9/tcp/4001"}
	s := signed(t, d)
	if !bytes.Equal(s.DeviceKey, key("alice").Public().(ed25519.PublicKey)) {
		t.Fatal("Sign did not fill the device key from the private key")
	}
	v := s.Value()
	got, err := descriptor.Verify(v, now)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if !got.Value().Equal(v) {
		t.Fatalf("Verify(Value()) re-encodes to %v, want %v", got.Value(), v)
	}
	if got.PeerName() != fmt.Sprintf("%x", alice[:]) {
		t.Fatalf("PeerName = %q", got.PeerName())
	}
	// Round trip through the canonical bytes, as the wire carries it.
	back, err := effects.DecodeCanonical(v.Canonical())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := descriptor.Verify(back, now); err != nil {
		t.Fatalf("Verify after a canonical round trip: %v", err)
	}
	// The signed bytes start with the domain.
	if !bytes.HasPrefix(s.Message(), []byte("aura-descriptor/v1\x00")) {
		t.Fatalf("Message() = %q…, want the domain first", s.Message()[:20])
	}
}

func TestVerifyTime(t *testing.T) {
	t.Parallel()
	v := signed(t, valid()).Value()
	cases := []struct {
		name string
		at   int64
		want error
	}{
		{"at issue", now, nil},
		{"a little before issue (clock skew)", now - descriptor.MaxClockSkewMS, nil},
		{"too far before issue", now - descriptor.MaxClockSkewMS - 1, descriptor.ErrNotYetValid},
		{"last valid ms", now + 3_600_000 - 1, nil},
		{"at expiry", now + 3_600_000, descriptor.ErrExpired},
		{"long after", now + 10*3_600_000, descriptor.ErrExpired},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := descriptor.Verify(v, tc.at)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Verify at %d = %v, want %v", tc.at, err, tc.want)
			}
		})
	}
}

// TestHostileInput refuses every variation of a valid descriptor that is
// not its exact wire form, or whose signature covers other bytes.
func TestHostileInput(t *testing.T) {
	t.Parallel()
	good := signed(t, valid())
	v := good.Value()
	other := valid()
	other.Addresses = []string{"/ip4/6.6.6.6/tcp/7000"}
	otherSig := signed(t, other).Signature
	mallory := valid()
	mallory.DeviceKey = key("mallory").Public().(ed25519.PublicKey)
	malloryS, err := descriptor.Sign(key("mallory"), mallory)
	if err != nil {
		t.Fatal(err)
	}
	many := make([]string, descriptor.MaxAddresses+1)
	for i := range many {
		many[i] = fmt.Sprintf("10.0.0.%d:7000", i)
	}
	bit := func(b []byte, i int) effects.Value { b = bytes.Clone(b); b[i] ^= 1; return effects.Bytes(b) }
	cases := []struct {
		name  string
		value effects.Value
		want  error
		field string
	}{
		{"not a map", effects.String("descriptor"), descriptor.ErrMalformed, ""},
		{"empty map", effects.Map(nil), descriptor.ErrMalformed, "missing"},
		{"unknown field", with(v, "note", effects.String("hi"), false), descriptor.ErrMalformed, "note"},
		{"missing signature", with(v, "signature", effects.Value{}, true), descriptor.ErrMalformed, "signature: missing"},
		{"missing seq", with(v, "seq", effects.Value{}, true), descriptor.ErrMalformed, "seq: missing"},
		{"short authority", with(v, "authority", effects.Bytes(alice[:15]), false), descriptor.ErrMalformed, "authority: must be 16 bytes, got 15"},
		{"zero authority", with(v, "authority", effects.Bytes(make([]byte, 16)), false), descriptor.ErrMalformed, "authority: must not be zero"},
		{"authority as a string", with(v, "authority", effects.String(alice.String()), false), descriptor.ErrMalformed, "must be bytes"},
		{"long key", with(v, "device_key", effects.Bytes(make([]byte, 33)), false), descriptor.ErrMalformed, "device_key: must be 32 bytes"},
		{"short signature", with(v, "signature", effects.Bytes(good.Signature[:63]), false), descriptor.ErrMalformed, "signature: must be 64 bytes"},
		{"no addresses", with(v, "addresses", effects.List(), false), descriptor.ErrMalformed, "at least one address"},
		{"huge address list", with(v, "addresses", strs(many...), false), descriptor.ErrMalformed, "17 entries, more than the 16 allowed"},
		{"long address", with(v, "addresses", strs(strings.Repeat("a", descriptor.MaxAddressBytes+1)), false), descriptor.ErrMalformed, "addresses[0]: an address has 1 to 256 bytes"},
		{"empty address", with(v, "addresses", strs("10.0.0.1:1", ""), false), descriptor.ErrMalformed, "addresses[1]"},
		{"address with a newline", with(v, "addresses", strs("10.0.0.1:1\n"), false), descriptor.ErrMalformed, "printable ASCII"},
		{"duplicate address", with(v, "addresses", strs("10.0.0.1:1", "10.0.0.1:1"), false), descriptor.ErrMalformed, "listed twice"},
		{"address not a string", with(v, "addresses", effects.List(effects.Int(1)), false), descriptor.ErrMalformed, "addresses[0]: must be a string"},
		{"empty relays", with(v, "relays", effects.List(), false), descriptor.ErrMalformed, "omit relays"},
		{"too many relays", with(v, "relays", strs(many[:descriptor.MaxRelays+1]...), false), descriptor.ErrMalformed, "relays: 9 entries"},
		{"seq as uint", with(v, "seq", effects.Uint(3), false), descriptor.ErrMalformed, "seq: must be an int"},
		{"negative seq", with(v, "seq", effects.Int(-1), false), descriptor.ErrMalformed, "seq: must not be negative"},
		{"expires before issue", with(v, "expires_ms", effects.Int(now), false), descriptor.ErrMalformed, "is not after issued_ms"},
		{"valid too long", with(v, "expires_ms", effects.Int(now+descriptor.MaxValidityMS+1), false), descriptor.ErrMalformed, "more than the 86400000 allowed"},
		{"negative issue", with(with(v, "issued_ms", effects.Int(-5), false), "expires_ms", effects.Int(5), false), descriptor.ErrMalformed, "issued_ms: must not be negative"},

		{"flipped signature bit", with(v, "signature", bit(good.Signature, 0), false), descriptor.ErrBadSignature, "signature"},
		{"signature over other bytes", with(v, "signature", effects.Bytes(otherSig), false), descriptor.ErrBadSignature, "signature"},
		{"tampered address", with(v, "addresses", strs("/ip4/6.6.6.6/tcp/7000", "10.0.0.1:7001"), false), descriptor.ErrBadSignature, "signature"},
		{"moved expiry", with(v, "expires_ms", effects.Int(now+7_200_000), false), descriptor.ErrBadSignature, "signature"},
		{"raised seq", with(v, "seq", effects.Int(4), false), descriptor.ErrBadSignature, "signature"},
		{"added relay", with(v, "relays", strs("/ip4/6.6.6.6/tcp/1"), false), descriptor.ErrBadSignature, "signature"},
		{"key swapped, signature kept", with(v, "device_key", effects.Bytes(mallory.DeviceKey), false), descriptor.ErrBadSignature, "signature"},
		{"signature swapped, key kept", with(v, "signature", effects.Bytes(malloryS.Signature), false), descriptor.ErrBadSignature, "signature"},
		{"other authority", with(v, "authority", effects.Bytes(bytes.Repeat([]byte{7}, 16)), false), descriptor.ErrBadSignature, "signature"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := descriptor.Verify(tc.value, now)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
			var de *descriptor.Error
			if !errors.As(err, &de) {
				t.Fatalf("Verify = %T, want a *descriptor.Error", err)
			}
			if !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("Verify = %q, want it to mention %q", err, tc.field)
			}
		})
	}
}

// A descriptor re-signed by another key verifies — the signature says
// only who made it — but carries that key, not the authority's: the
// caller's trust anchor is what refuses it.
func TestResignedByAnotherKeyCarriesThatKey(t *testing.T) {
	t.Parallel()
	forged, err := descriptor.Sign(key("mallory"), valid())
	if err != nil {
		t.Fatal(err)
	}
	got, err := descriptor.Verify(forged.Value(), now)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(got.DeviceKey, key("alice").Public().(ed25519.PublicKey)) {
		t.Fatal("a descriptor signed by mallory names alice's key")
	}
}

func TestSignRefuses(t *testing.T) {
	t.Parallel()
	d := valid()
	d.DeviceKey = key("bob").Public().(ed25519.PublicKey)
	if _, err := descriptor.Sign(key("alice"), d); !errors.Is(err, descriptor.ErrWrongKey) {
		t.Fatalf("Sign with another key = %v, want ErrWrongKey", err)
	}
	if _, err := descriptor.Sign(key("alice")[:10], valid()); !errors.Is(err, descriptor.ErrWrongKey) {
		t.Fatalf("Sign with a short key = %v, want ErrWrongKey", err)
	}
	d = valid()
	d.Addresses = nil
	if _, err := descriptor.Sign(key("alice"), d); !errors.Is(err, descriptor.ErrMalformed) {
		t.Fatalf("Sign without addresses = %v, want ErrMalformed", err)
	}
	if _, err := descriptor.SignWith(context.Background(), badSigner{key("alice")}, valid()); !errors.Is(err, descriptor.ErrBadSignature) {
		t.Fatalf("SignWith a faulty signer = %v, want ErrBadSignature", err)
	}
}

// badSigner signs with a key other than the one it reports.
type badSigner struct{ ed25519.PrivateKey }

func (b badSigner) PublicKey() ed25519.PublicKey { return b.PrivateKey.Public().(ed25519.PublicKey) }
func (b badSigner) Sign(_ context.Context, msg []byte) ([]byte, error) {
	return ed25519.Sign(key("mallory"), msg), nil
}

// Sign copies what it is given: changing the caller's slices afterwards
// does not change the signed descriptor.
func TestSignCopies(t *testing.T) {
	t.Parallel()
	d := valid()
	s := signed(t, d)
	d.Addresses[0] = "/ip4/6.6.6.6/tcp/1"
	if err := s.Verify(now); err != nil {
		t.Fatalf("changing the input after Sign broke the signed descriptor: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	good, err := descriptor.Sign(key("alice"), valid())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good.Value().Canonical())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := effects.DecodeCanonical(data)
		if err != nil {
			return
		}
		s, err := descriptor.Parse(v)
		if err != nil {
			var de *descriptor.Error
			if !errors.As(err, &de) || !errors.Is(err, descriptor.ErrMalformed) {
				t.Fatalf("Parse error %v is not a malformed *Error", err)
			}
			return
		}
		if !s.Value().Equal(v) {
			t.Fatalf("Parse accepted %v, which re-encodes to %v", v, s.Value())
		}
	})
}

package transportops_test

import (
	"crypto/ed25519"
	"errors"
	"testing"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/internal/descriptor"
	"github.com/aurahost/aura-host/plugins/internal/transportops"
	"github.com/aurahost/aura-host/sdk"
)

// PeerID is go-libp2p's peer ID of the key, so sim-network names a key as
// the transport does; a key of the wrong length is an error.
func TestPeerIDIsLibp2ps(t *testing.T) {
	for i := range 20 {
		seed := make([]byte, ed25519.SeedSize)
		seed[0] = byte(i)
		pub := ed25519.NewKeyFromSeed(seed).Public()
		got, err := transportops.PeerID(pub.(ed25519.PublicKey))
		if err != nil {
			t.Fatal(err)
		}
		lk, err := crypto.UnmarshalEd25519PublicKey(pub.(ed25519.PublicKey))
		if err != nil {
			t.Fatal(err)
		}
		want, err := peer.IDFromPublicKey(lk)
		if err != nil {
			t.Fatal(err)
		}
		if got != want.String() {
			t.Fatalf("key %d: PeerID %s, libp2p %s", i, got, want)
		}
	}
	if _, err := transportops.PeerID(make([]byte, 31)); err == nil {
		t.Fatal("a 31-byte key got a peer ID")
	}
}

// Verify codes a refusal as the family does: a bad signature is
// invalid_signature, an expired or malformed descriptor invalid_args, and
// the descriptor package's error stays reachable with errors.Is.
func TestVerifyCodesRefusals(t *testing.T) {
	seed := make([]byte, ed25519.SeedSize)
	priv := ed25519.NewKeyFromSeed(seed)
	d := descriptor.Descriptor{Authority: effects.DeriveAuthorityID("a", 1), Addresses: []string{"/ip4/10.0.0.1/tcp/4001"},
		IssuedMS: 1_000, ExpiresMS: 61_000, Seq: 1}
	signed, err := descriptor.Sign(priv, d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := transportops.Verify(signed.Value(), 2_000); err != nil {
		t.Fatalf("a valid descriptor: %v", err)
	}
	forged := signed
	forged.Addresses = []string{"/ip4/10.0.0.66/tcp/4001"}
	cases := []struct {
		name   string
		v      sdk.Value
		now    int64
		code   sdk.Code
		target error
	}{
		{"signature over other addresses", forged.Value(), 2_000, sdk.CodeInvalidSignature, descriptor.ErrBadSignature},
		{"expired", signed.Value(), 62_000, sdk.CodeInvalidArgs, descriptor.ErrExpired},
		{"not a descriptor", sdk.String("x"), 2_000, sdk.CodeInvalidArgs, descriptor.ErrMalformed},
	}
	for _, c := range cases {
		_, err := transportops.Verify(c.v, c.now)
		var se *sdk.Error
		if !errors.As(err, &se) || se.Code != c.code || !errors.Is(err, c.target) {
			t.Errorf("%s: %v, want %s wrapping %v", c.name, err, c.code, c.target)
		}
	}
}

// The results render with the fields the operations' docs name.
func TestResultShapes(t *testing.T) {
	l := transportops.Learnt{Peer: "ab", PeerID: "12D3", Addresses: []string{"x"}, ExpiresMS: 5, Known: true}.Value()
	for _, f := range []string{"peer", "peer_id", "addresses", "expires_ms", "known"} {
		if _, ok := l.Get(f); !ok {
			t.Errorf("learn_peer's result has no %s: %v", f, l)
		}
	}
	loc := transportops.Local{Name: "ab", Addresses: []string{"x"}}.Value()
	for _, f := range []string{"name", "peer_id", "device_key", "addresses"} {
		if _, ok := loc.Get(f); !ok {
			t.Errorf("local_descriptor's result has no %s: %v", f, loc)
		}
	}
}

package simnetwork

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/internal/descriptor"
	"github.com/aurahost/aura-host/plugins/internal/plugintest"
	"github.com/aurahost/aura-host/plugins/internal/transportops"
	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/sdk/sdktest"
)

func deviceKey(b byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{b}, ed25519.SeedSize))
}

// signed is a descriptor of authority under key, issued at issued for an
// hour, at "/sim/<its name>".
func signed(t *testing.T, authority effects.AuthorityID, key ed25519.PrivateKey, issued, seq int64) descriptor.Signed {
	t.Helper()
	d := descriptor.Descriptor{Authority: authority, Addresses: LocalDescriptor(authority).Addresses,
		IssuedMS: issued, ExpiresMS: issued + 3_600_000, Seq: seq}
	s, err := descriptor.Sign(key, d)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func learnArgs(s descriptor.Signed) sdk.Value { return args("descriptor", s.Value()) }

func learntValue(t *testing.T, s descriptor.Signed, known bool) sdk.Value {
	t.Helper()
	id, err := transportops.PeerID(s.DeviceKey)
	if err != nil {
		t.Fatal(err)
	}
	return transportops.Learnt{Peer: s.PeerName(), PeerID: id, Addresses: s.Addresses, ExpiresMS: s.ExpiresMS, Known: known}.Value()
}

// learn_peer verifies a descriptor as the transport does, at the network's
// virtual time, and refuses with the transport's codes: a forged
// signature, a re-keying, an older seq, an expired or premature
// descriptor, one describing the caller.
func TestLearnPeer(t *testing.T) {
	t.Parallel()
	bob, carol := effects.DeriveAuthorityID("bob", 0), effects.DeriveAuthorityID("carol", 0)
	bobKey, carolKey, otherKey := deviceKey(1), deviceKey(2), deviceKey(3)
	net := NewNetwork(0)
	h := sdktest.New(t, NewWithNetwork(net), sdktest.WithAuthority(alice))
	if _, err := net.Advance(10_000_000); err != nil {
		t.Fatal(err)
	}
	b1 := signed(t, bob, bobKey, 10_000_000, 1)
	forged := b1
	forged.Addresses = []string{"/sim/elsewhere"}
	rekey := signed(t, bob, otherKey, 10_000_000, 2)
	stolen := signed(t, carol, bobKey, 10_000_000, 1)
	b3 := signed(t, bob, bobKey, 10_000_000, 3)
	b2 := signed(t, bob, bobKey, 10_000_000, 2)
	self := signed(t, alice, otherKey, 10_000_000, 1)
	expired := signed(t, carol, carolKey, 10_000_000-3_600_000, 1)
	early := signed(t, carol, carolKey, 10_000_000+descriptor.MaxClockSkewMS+1, 1)
	plugintest.Run(t, h, []plugintest.Step{
		{Op: effects.TransportLearnPeer, Args: learnArgs(b1), Want: learntValue(t, b1, false)},
		{Op: effects.TransportLearnPeer, Args: learnArgs(b1), Want: learntValue(t, b1, true)},
		{Op: effects.TransportLearnPeer, Args: learnArgs(forged), Code: sdk.CodeInvalidSignature},
		{Op: effects.TransportLearnPeer, Args: learnArgs(rekey), Code: sdk.CodeConflict},
		{Op: effects.TransportLearnPeer, Args: learnArgs(stolen), Code: sdk.CodeConflict},
		{Op: effects.TransportLearnPeer, Args: learnArgs(b3), Want: learntValue(t, b3, true)},
		{Op: effects.TransportLearnPeer, Args: learnArgs(b2), Code: sdk.CodeConflict},
		{Op: effects.TransportLearnPeer, Args: learnArgs(self), Code: sdk.CodeInvalidArgs},
		{Op: effects.TransportLearnPeer, Args: learnArgs(expired), Code: sdk.CodeInvalidArgs},
		{Op: effects.TransportLearnPeer, Args: learnArgs(early), Code: sdk.CodeInvalidArgs},
		{Op: effects.TransportLearnPeer, Args: args("descriptor", args("authority", sdk.Bytes(bob[:]))), Code: sdk.CodeInvalidArgs},
	})
	// Time moves on: the premature descriptor verifies, the learnt one
	// expires.
	if _, err := net.Advance(10_000_000 + 2); err != nil {
		t.Fatal(err)
	}
	plugintest.Must(t, h, effects.TransportLearnPeer, learnArgs(early))
	if _, err := net.Advance(10_000_000 + 3_600_000); err != nil {
		t.Fatal(err)
	}
	plugintest.Fails(t, h, effects.TransportLearnPeer, learnArgs(b3), sdk.CodeInvalidArgs, "expired")
}

// The refusals wrap the family's errors, as the transport's do, and each
// node keeps its own learnt keys: another node may learn a key alice
// refuses.
func TestLearnPeerRefusalsArePerNode(t *testing.T) {
	t.Parallel()
	net := NewNetwork(0)
	bob, dave := effects.DeriveAuthorityID("bob", 0), effects.DeriveAuthorityID("dave", 0)
	b1, rekey := signed(t, bob, deviceKey(1), 0, 1), signed(t, bob, deviceKey(3), 0, 2)
	aliceNode := authorityAddress(alice)
	if _, err := net.LearnPeer(aliceNode, b1.Value()); err != nil {
		t.Fatal(err)
	}
	_, err := net.LearnPeer(aliceNode, rekey.Value())
	if !errors.Is(err, transportops.ErrRekey) {
		t.Fatalf("re-keying bob: %v, want ErrRekey", err)
	}
	if _, err := net.LearnPeer(aliceNode, signed(t, bob, deviceKey(1), 0, 0).Value()); !errors.Is(err, transportops.ErrStaleDescriptor) {
		t.Fatalf("an older descriptor: %v, want ErrStaleDescriptor", err)
	}
	if _, err := net.LearnPeer(aliceNode, b1.Value()); err != nil {
		t.Fatalf("the same descriptor again: %v", err)
	}
	if _, err := net.LearnPeer(authorityAddress(dave), rekey.Value()); err != nil {
		t.Fatalf("dave learns bob under the key alice refused: %v", err)
	}
	forged := b1
	forged.Seq = 9
	if _, err := net.LearnPeer(aliceNode, forged.Value()); !errors.Is(err, descriptor.ErrBadSignature) {
		t.Fatalf("a forged descriptor: %v, want ErrBadSignature", err)
	}
}

// local_descriptor gives the caller's name and "/sim/" address, and no
// key: signed by the agent's device key, it is a descriptor another node
// learns.
func TestLocalDescriptorSignsAndIsLearnt(t *testing.T) {
	t.Parallel()
	net := NewNetwork(0)
	bob := effects.DeriveAuthorityID("bob", 0)
	aliceH := sdktest.New(t, NewWithNetwork(net), sdktest.WithAuthority(alice))
	bobH := sdktest.New(t, NewWithNetwork(net), sdktest.WithAuthority(bob))
	local := plugintest.Must(t, aliceH, effects.TransportLocalDescriptor, sdk.Null())
	name := descriptor.Descriptor{Authority: alice}.PeerName()
	want := transportops.Local{Name: name, Addresses: []string{"/sim/" + name}}.Value()
	if !local.Equal(want) {
		t.Fatalf("local_descriptor = %v, want %v", local, want)
	}
	key, _ := plugintest.Field(t, local, "device_key").AsBytes()
	var addrs []string
	for _, a := range plugintest.Field(t, local, "addresses").Items() {
		s, _ := a.AsString()
		addrs = append(addrs, s)
	}
	s, err := descriptor.Sign(deviceKey(7), descriptor.Descriptor{Authority: alice, DeviceKey: key, Addresses: addrs, IssuedMS: 0, ExpiresMS: 60_000, Seq: 1})
	if err != nil {
		t.Fatalf("signing local_descriptor's fields: %v", err)
	}
	got := plugintest.Must(t, bobH, effects.TransportLearnPeer, learnArgs(s))
	if !got.Equal(learntValue(t, s, false)) {
		t.Fatalf("learn_peer = %v", got)
	}
	plugintest.Fails(t, sdktest.New(t, NewWithNetwork(net)), effects.TransportLocalDescriptor, sdk.Null(), sdk.CodeInvalidArgs, "no authority")
}

package transport

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/internal/descriptor"
	"github.com/aurahost/aura-host/plugins/internal/plugintest"
	"github.com/aurahost/aura-host/sdk"
)

// authorityOf is a test authority, and the node name the transport gives
// it (its hex), as the simulation driver names agents' peers.
func authorityOf(label string) (effects.AuthorityID, string) {
	id := effects.DeriveAuthorityID(label, 1)
	return id, descriptor.Descriptor{Authority: id}.PeerName()
}

// keyedNode starts a node with a given key and name, logging to logs.
func keyedNode(t *testing.T, name string, key ed25519.PrivateKey) (*Node, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	n, err := Listen(Config{Listen: DefaultListen, Name: name, Identity: key,
		Logger: hclog.New(&hclog.LoggerOptions{Name: name, Output: logs, Level: hclog.Debug})})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n, logs
}

// signedDescriptor is label's descriptor, signed by key, saying it listens
// at addrs, valid for an hour from now.
func signedDescriptor(t *testing.T, label string, key ed25519.PrivateKey, seq int64, addrs ...string) sdk.Value {
	t.Helper()
	id, _ := authorityOf(label)
	now := time.Now().UnixMilli()
	s, err := descriptor.Sign(key, descriptor.Descriptor{Authority: id, Addresses: addrs, IssuedMS: now, ExpiresMS: now + 3_600_000, Seq: seq})
	if err != nil {
		t.Fatal(err)
	}
	return s.Value()
}

// ownDescriptor signs a node's LocalDescriptor as label, as its agent
// would.
func ownDescriptor(t *testing.T, label string, n *Node, key ed25519.PrivateKey) sdk.Value {
	t.Helper()
	d := n.LocalDescriptor()
	if !slices.Equal(d.DeviceKey, n.PublicKey()) || len(d.Addresses) == 0 {
		t.Fatalf("LocalDescriptor = %+v, want the node's key and at least one address", d)
	}
	return signedDescriptor(t, label, key, 1, d.Addresses...)
}

// Two nodes that know nothing of each other learn each other from signed
// descriptors, then exchange envelopes both ways.
func TestPeersLearntFromDescriptorsExchangeEnvelopes(t *testing.T) {
	t.Parallel()
	_, xName := authorityOf("x")
	_, pName := authorityOf("p")
	xKey, pKey := newKey(t), newKey(t)
	x, _ := keyedNode(t, xName, xKey)
	p, _ := keyedNode(t, pName, pKey)
	learnt, err := x.LearnPeer(ownDescriptor(t, "p", p, pKey), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if learnt.Name != pName || learnt.ID != p.ID() || learnt.Known {
		t.Fatalf("LearnPeer = %+v, want new peer %s with ID %s", learnt, pName, p.ID())
	}
	if _, err := p.LearnPeer(ownDescriptor(t, "x", x, xKey), time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := x.Send(waitCtx(t), mustEnvelope(t, envelope(xName, pName, "c", "ping"))); err != nil {
		t.Fatalf("send to a learnt peer: %v", err)
	}
	if err := p.WaitBuffered(waitCtx(t), 1); err != nil {
		t.Fatal(err)
	}
	if err := p.Send(waitCtx(t), mustEnvelope(t, envelope(pName, xName, "c", "pong"))); err != nil {
		t.Fatalf("send back: %v", err)
	}
	if err := x.WaitBuffered(waitCtx(t), 1); err != nil {
		t.Fatal(err)
	}
	// The same descriptor again changes nothing.
	again, err := x.LearnPeer(ownDescriptor(t, "p", p, pKey), time.Now())
	if err != nil || !again.Known {
		t.Fatalf("learning the peer again = %+v, %v; want known", again, err)
	}
}

// The acceptance test of issue 13: a peer presenting a different key than
// its descriptor says is refused before any envelope is read — whichever
// side dials.
func TestImpostorAtADescriptorsAddressIsRefused(t *testing.T) {
	t.Parallel()
	_, xName := authorityOf("x")
	_, pName := authorityOf("p")
	x, xLogs := keyedNode(t, xName, newKey(t))
	// The impostor listens at the address P's descriptor gives, calls itself
	// P, but holds K', not P's key K.
	imp, impLogs := keyedNode(t, pName, newKey(t))
	k := newKey(t)
	if _, err := x.LearnPeer(signedDescriptor(t, "p", k, 1, imp.Addr()), time.Now()); err != nil {
		t.Fatal(err)
	}

	t.Run("x dials the impostor", func(t *testing.T) {
		err := x.Send(waitCtx(t), mustEnvelope(t, envelope(xName, pName, "c", "secret")))
		var e *effects.Error
		if !errors.As(err, &e) || e.Code != effects.CodeUnavailable || !e.Retryable {
			t.Fatalf("send to an impostor: %v, want a retryable unavailable error", err)
		}
		if !strings.Contains(err.Error(), "peer id mismatch") {
			t.Errorf("the error does not say the key was not the descriptor's: %v", err)
		}
		xLogs.waitLog(t, "could not connect to peer "+pName)
		if logs := xLogs.String(); !strings.Contains(logs, "peer id mismatch") {
			t.Errorf("x's log does not say the key was not the descriptor's:\n%s", logs)
		}
		if got := imp.Buffered(); got != 0 {
			t.Fatalf("the impostor received %d envelopes", got)
		}
	})

	t.Run("the impostor dials x", func(t *testing.T) {
		if err := imp.SetPeer(xName, Peer{Address: x.Addr(), PublicKey: x.PublicKey()}); err != nil {
			t.Fatal(err)
		}
		refusedBefore := x.Refused()
		err := imp.Send(waitCtx(t), mustEnvelope(t, envelope(pName, xName, "c", "let me in")))
		if !errors.Is(err, effects.ErrUnavailable) {
			t.Fatalf("the impostor's send: %v, want unavailable", err)
		}
		logs := xLogs.waitLog(t, "refusing a connection authenticated as no configured peer")
		if !strings.Contains(logs, imp.ID().String()) {
			t.Errorf("the refusal does not name the impostor's peer ID:\n%s", logs)
		}
		waitFor(t, func() bool { return x.Refused() > refusedBefore }, "x to count the refused connection")
		if got := x.Buffered(); got != 0 {
			t.Fatalf("x buffered %d envelopes from the impostor", got)
		}
		if got := x.ConnectedPeers(); len(got) != 0 {
			t.Fatalf("x is connected to %v after refusing the impostor", got)
		}
	})
	if strings.Contains(impLogs.String(), "learnt a peer") {
		t.Fatal("the impostor learnt something")
	}
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	ctx := waitCtx(t)
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// What learn_peer refuses, and that a refused descriptor adds no peer.
func TestLearnPeerRefuses(t *testing.T) {
	t.Parallel()
	_, xName := authorityOf("x")
	_, pName := authorityOf("p")
	_, qName := authorityOf("q")
	x, logs := keyedNode(t, xName, newKey(t))
	pKey, qKey := newKey(t), newKey(t)
	if err := x.SetPeer(qName, Peer{Address: "127.0.0.1:1", PublicKey: qKey.Public().(ed25519.PublicKey)}); err != nil {
		t.Fatal(err)
	}
	tampered := signedDescriptor(t, "p", pKey, 1, "127.0.0.1:7000")
	fields := map[string]sdk.Value{}
	for _, f := range tampered.Fields() {
		fields[f.Key] = f.Value
	}
	fields["addresses"] = stringList([]string{"127.0.0.1:6666"})
	now := time.Now().UnixMilli()
	expiredS, err := descriptor.Sign(pKey, descriptor.Descriptor{Authority: effects.DeriveAuthorityID("p", 1), Addresses: []string{"127.0.0.1:7000"},
		IssuedMS: now - 7_200_000, ExpiresMS: now - 3_600_000})
	if err != nil {
		t.Fatal(err)
	}
	otherID, err := PeerID(newKey(t).Public().(ed25519.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		desc  sdk.Value
		code  effects.Code
		is    error
		frag  string
		added string
	}{
		{"tampered address", sdk.Map(fields), effects.CodeInvalidSignature, descriptor.ErrBadSignature, "signature", pName},
		{"expired", expiredS.Value(), effects.CodeInvalidArgs, descriptor.ErrExpired, "expired at", pName},
		{"malformed", args("authority", sdk.Bytes(make([]byte, 16))), effects.CodeInvalidArgs, descriptor.ErrMalformed, "malformed descriptor", ""},
		{"re-keys a configured peer", signedDescriptor(t, "q", newKey(t), 1, "127.0.0.1:7000"), effects.CodeConflict, ErrRekey, "peer " + qName + " has key", ""},
		{"another peer's key", signedDescriptor(t, "p", qKey, 1, "127.0.0.1:7000"), effects.CodeConflict, ErrRekey, "is peer " + qName + "'s", pName},
		{"this node", signedDescriptor(t, "x", newKey(t), 1, "127.0.0.1:7000"), effects.CodeInvalidArgs, nil, "describes this node", ""},
		{"unparsable address", signedDescriptor(t, "p", pKey, 1, "no-port"), effects.CodeInvalidArgs, nil, "addresses[0]", pName},
		{"address naming another peer ID", signedDescriptor(t, "p", pKey, 1, "/ip4/127.0.0.1/tcp/7000/p2p/"+otherID.String()),
			effects.CodeInvalidArgs, nil, "names peer ID " + otherID.String(), pName},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := x.LearnPeer(tc.desc, time.Now())
			var e *effects.Error
			if !errors.As(err, &e) || e.Code != tc.code {
				t.Fatalf("LearnPeer = %v, want %s", err, tc.code)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("LearnPeer = %v, want it to match %v", err, tc.is)
			}
			if !strings.Contains(err.Error(), tc.frag) {
				t.Errorf("LearnPeer = %v, want it to say %q", err, tc.frag)
			}
			if tc.added != "" && slices.Contains(x.peerNames(), tc.added) {
				t.Errorf("a refused descriptor added peer %s", tc.added)
			}
		})
	}
	if !strings.Contains(logs.String(), "refusing a descriptor") {
		t.Errorf("the refusals were not logged:\n%s", logs.String())
	}
	// The configured peer keeps its key.
	if id, _ := PeerID(qKey.Public().(ed25519.PublicKey)); x.peers[qName] != id {
		t.Fatalf("peer %s was re-keyed", qName)
	}

	// An older descriptor of a learnt peer is refused; a newer one moves it.
	if _, err := x.LearnPeer(signedDescriptor(t, "p", pKey, 5, "127.0.0.1:7005"), time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := x.LearnPeer(signedDescriptor(t, "p", pKey, 4, "127.0.0.1:7004"), time.Now()); !errors.Is(err, ErrStaleDescriptor) {
		t.Fatalf("an older descriptor: %v, want ErrStaleDescriptor", err)
	}
	moved, err := x.LearnPeer(signedDescriptor(t, "p", pKey, 6, "127.0.0.1:7006"), time.Now())
	if err != nil || !moved.Known || !slices.Equal(moved.Addresses, []string{"127.0.0.1:7006"}) {
		t.Fatalf("a newer descriptor = %+v, %v", moved, err)
	}
	if got := fmt.Sprint(x.h.Peerstore().Addrs(moved.ID)); got != "[/ip4/127.0.0.1/tcp/7006]" {
		t.Fatalf("the peerstore has %s for p, want only the newer address", got)
	}
}

// The operations, through the plugin: local_descriptor gives what an
// agent signs; learn_peer refuses a bad signature and adds no peer.
func TestDiscoveryOperations(t *testing.T) {
	t.Parallel()
	_, pName := authorityOf("p")
	x := newNode(t, "x")
	local := mustInvoke(t, x.h, effects.TransportLocalDescriptor, sdk.Null())
	if key, _ := plugintest.Field(t, local, "device_key").AsBytes(); !slices.Equal(key, x.node().PublicKey()) {
		t.Fatalf("local_descriptor device_key = %x, want the node's key", key)
	}
	if addrs := plugintest.Field(t, local, "addresses"); addrs.Len() == 0 {
		t.Fatalf("local_descriptor has no addresses: %v", local)
	}
	if plugintest.Str(t, local, "name") != "x" || plugintest.Str(t, local, "peer_id") != x.node().ID().String() {
		t.Fatalf("local_descriptor = %v", local)
	}

	pKey := newKey(t)
	good := signedDescriptor(t, "p", pKey, 1, "127.0.0.1:7000")
	fields := map[string]sdk.Value{}
	for _, f := range good.Fields() {
		fields[f.Key] = f.Value
	}
	sig, _ := fields["signature"].AsBytes()
	sig[5] ^= 0x40
	fields["signature"] = sdk.Bytes(sig)
	plugintest.Fails(t, x.h, effects.TransportLearnPeer, args("descriptor", sdk.Map(fields)), sdk.CodeInvalidSignature, "does not verify")
	if v := mustInvoke(t, x.h, effects.NetworkConnectedPeers, sdk.Null()); v.Len() != 0 || slices.Contains(x.node().peerNames(), pName) {
		t.Fatalf("a descriptor whose signature does not verify added a peer: %v", x.node().peerNames())
	}
	got := mustInvoke(t, x.h, effects.TransportLearnPeer, args("descriptor", good))
	if plugintest.Str(t, got, "peer") != pName || !plugintest.Field(t, got, "known").Equal(sdk.Bool(false)) {
		t.Fatalf("learn_peer = %v", got)
	}
	if !slices.Contains(x.node().peerNames(), pName) {
		t.Fatal("learn_peer did not add the peer")
	}
}

package agent_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"testing"
	"time"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/agent"
	"github.com/aurahost/aura-host/internal/descriptor"
	"github.com/aurahost/aura-host/plugins"
	"github.com/aurahost/aura-host/plugins/transport"
)

const descriptorNow = 1_700_000_000_000

func ownDescriptor() descriptor.Descriptor {
	return descriptor.Descriptor{Addresses: []string{"/ip4/127.0.0.1/tcp/7000"}, IssuedMS: descriptorNow, ExpiresMS: descriptorNow + 3_600_000, Seq: descriptorNow}
}

// A descriptor the agent signs verifies, and carries the agent's
// authority and device key: the key its peers know it by.
func TestAgentSignsItsDescriptor(t *testing.T) {
	alice := serviceAgents(t)["alice"]
	s, err := alice.SignDescriptor(context.Background(), ownDescriptor())
	if err != nil {
		t.Fatal(err)
	}
	got, err := descriptor.Verify(s.Value(), descriptorNow)
	if err != nil {
		t.Fatalf("the agent's descriptor does not verify: %v", err)
	}
	if got.Authority != alice.AuthorityID() || !bytes.Equal(got.DeviceKey, alice.PublicKey()) {
		t.Fatalf("signed for %s with key %x, want %s and the device key %x", got.Authority, []byte(got.DeviceKey), alice.AuthorityID(), []byte(alice.PublicKey()))
	}
	other := ownDescriptor()
	other.Authority = effects.DeriveAuthorityID("bob", 0)
	if _, err := alice.SignDescriptor(context.Background(), other); err == nil {
		t.Fatal("the agent signed a descriptor for another authority")
	}
	other = ownDescriptor()
	other.DeviceKey = serviceAgents(t)["bob"].PublicKey()
	if _, err := alice.SignDescriptor(context.Background(), other); !errors.Is(err, descriptor.ErrWrongKey) {
		t.Fatalf("signing a descriptor naming another key: %v, want ErrWrongKey", err)
	}
}

// In production the package function signs with the device key file: the
// key DevicePublicKey reports, which the transport proves.
func TestSignDescriptorWithTheDeviceKeyFile(t *testing.T) {
	dep := &config.Deployment{Mode: effects.Production, StateDir: t.TempDir()}
	id := effects.DeriveAuthorityID("device_1", 0)
	s, err := agent.SignDescriptor(context.Background(), dep, id, ownDescriptor())
	if err != nil {
		t.Fatal(err)
	}
	pub, err := agent.DevicePublicKey(dep, id)
	if err != nil {
		t.Fatal(err)
	}
	got, err := descriptor.Verify(s.Value(), descriptorNow+1)
	if err != nil || !bytes.Equal(got.DeviceKey, pub) || got.Authority != id {
		t.Fatalf("Verify = %+v, %v; want a descriptor of %s under the device key %x", got, err, id, []byte(pub))
	}
}

// The pieces of discovery fit together in production: the agent's
// transport gives its own fields (transport.local_descriptor), the agent
// signs them with its device key, its rendezvous service accepts and
// returns the descriptor, and a node that learns it from the lookup
// reaches the agent's transport, authenticated by the key the descriptor
// carries — once the agent has learnt that node's descriptor too.
func TestDescriptorPublishedAndLearnt(t *testing.T) {
	dep := deployment(t, `
deployment "t" { mode = "production" }
plugin "network" { builtin = "transport" }
plugin "journal" { builtin = "journal" }
plugin "clock" { builtin = "clock" }
plugin "rendezvous" {
  builtin    = "rendezvous"
  depends_on = ["journal", "clock"]
}
service "rendezvous" {}
`)
	ctx := context.Background()
	id := effects.DeriveAuthorityID("a", dep.Seed)
	name := descriptor.Descriptor{Authority: id}.PeerName()
	a, err := agent.NewBuilder().WithConfig(dep).WithAuthority(id).WithBuiltins(plugins.Lookup, true).
		WithPluginConfig("network", effects.Map(map[string]effects.Value{"name": effects.String(name)})).
		WithStateDir(t.TempDir()).WithLogger(quietLogger(t)).BuildProduction(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Shutdown(ctx)

	local, err := a.Invoke(ctx, effects.TransportLocalDescriptor, effects.Null())
	if err != nil {
		t.Fatal(err)
	}
	key, _ := fieldOf(t, local, "device_key").AsBytes()
	if !bytes.Equal(key, a.PublicKey()) {
		t.Fatalf("the transport's key %x is not the agent's device key %x", key, []byte(a.PublicKey()))
	}
	var addrs []string
	for _, v := range fieldOf(t, local, "addresses").Items() {
		s, _ := v.AsString()
		addrs = append(addrs, s)
	}
	now := time.Now().UnixMilli()
	signed, err := a.SignDescriptor(ctx, descriptor.Descriptor{Addresses: addrs, IssuedMS: now, ExpiresMS: now + 3_600_000, Seq: now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Rendezvous().Publish(ctx, id.String(), signed.Value(), 0); err != nil {
		t.Fatalf("publishing the agent's own descriptor: %v", err)
	}
	found, err := a.Rendezvous().Lookup(ctx, id.String())
	if err != nil {
		t.Fatal(err)
	}

	// x learns the agent from the looked-up descriptor; the agent learns x
	// from x's.
	xKey := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, ed25519.SeedSize))
	xID := effects.DeriveAuthorityID("x", dep.Seed)
	xName := descriptor.Descriptor{Authority: xID}.PeerName()
	x, err := transport.Listen(transport.Config{Listen: transport.DefaultListen, Name: xName, Identity: xKey})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if _, err := x.LearnPeer(found, time.Now()); err != nil {
		t.Fatalf("learning the agent from its published descriptor: %v", err)
	}
	xd := x.LocalDescriptor()
	xd.Authority, xd.IssuedMS, xd.ExpiresMS, xd.Seq = xID, now, now+3_600_000, 1
	xSigned, err := descriptor.Sign(xKey, xd)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Invoke(ctx, effects.TransportLearnPeer, effects.Map(map[string]effects.Value{"descriptor": xSigned.Value()})); err != nil {
		t.Fatalf("transport.learn_peer: %v", err)
	}
	env := transport.Envelope{Source: effects.String(xName), Destination: effects.String(name), Context: effects.String("c"), Payload: []byte("hello")}
	sendCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := x.Send(sendCtx, env); err != nil {
		t.Fatalf("x could not reach the agent at its descriptor's addresses: %v", err)
	}
	for {
		peers, err := a.Invoke(ctx, effects.NetworkConnectedPeers, effects.Null())
		if err != nil {
			t.Fatal(err)
		}
		if peers.Equal(effects.List(effects.String(xName))) {
			break
		}
		select {
		case <-sendCtx.Done():
			t.Fatalf("the agent's transport never listed x as connected: %v", peers)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func fieldOf(t *testing.T, v effects.Value, name string) effects.Value {
	t.Helper()
	f, ok := v.Get(name)
	if !ok {
		t.Fatalf("%v has no %s", v, name)
	}
	return f
}

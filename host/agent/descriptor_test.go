package agent_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/agent"
	"github.com/aurahost/aura-host/internal/descriptor"
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

// This test is the example of a threshold authority from Go: the devices
// of deployment.hcl run the DKG in simulation (10 % drop, a partition that
// heals mid-ceremony), then two of the three sign through their own crypto
// plugins, and the signature verifies with crypto/ed25519 under the group
// key no device ever held.
package threshold_test

import (
	"context"
	"crypto/ed25519"
	"testing"

	"github.com/aurahost/aura-host/effects/facade"
	"github.com/aurahost/aura-host/simtest"
)

func TestTwoOfThreeDevicesSignAfterTheirDKG(t *testing.T) {
	sim := simtest.New(t, "deployment.hcl", 7)
	out := sim.Run()
	sim.RequireSuccess(out)

	// Each role's $key is what crypto.frost_dkg_commit returned on its
	// device: the handle of its held key and the group key.
	var signers []facade.FrostSigner
	var group []byte
	for role, agent := range map[string]string{"Leader": "device_1", "Member[1]": "device_3"} {
		key, _ := out.Runs[0].Binding(role, "key")
		handle, _ := key.Get("key")
		g, _ := key.Get("group_public")
		h, _ := handle.AsString()
		group, _ = g.AsBytes()
		signers = append(signers, facade.FrostSigner{Crypto: sim.Agent(agent).Effects().Crypto, Key: h})
	}
	msg := []byte("device_1 and device_3 sign for the authority")
	sig, err := facade.FrostSign(context.Background(), signers, msg)
	if err != nil {
		t.Fatal(err)
	}
	if !ed25519.Verify(group, msg, sig) {
		t.Fatal("crypto/ed25519 rejects the threshold signature")
	}
}

// This test is the example of a threshold authority from Go: the devices
// of deployment.hcl run the DKG in simulation (10 % drop, a partition that
// heals mid-ceremony), then two of the three sign through their own crypto
// plugins (host/threshold coordinates), and the signature verifies with crypto/ed25519 under the group
// key no device ever held.
package threshold_test

import (
	"context"
	"crypto/ed25519"
	"testing"

	"github.com/aurahost/aura-host/host/threshold"
	"github.com/aurahost/aura-host/simtest"
)

func TestTwoOfThreeDevicesSignAfterTheirDKG(t *testing.T) {
	sim := simtest.New(t, "deployment.hcl", 7)
	out := sim.Run()
	sim.RequireSuccess(out)

	// Each role's $key is what crypto.frost_dkg_commit returned on its
	// device: the handle of its held key and the group key.
	var devices []threshold.Device
	for _, d := range []struct{ role, agent string }{{"Leader", "device_1"}, {"Member[1]", "device_3"}} {
		key, _ := out.Runs[0].Binding(d.role, "key")
		handle, _ := key.Get("key")
		h, _ := handle.AsString()
		devices = append(devices, sim.Agent(d.agent).ThresholdDevice(d.agent, h))
	}
	ctx := context.Background()
	signer, err := threshold.New(ctx, devices)
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("device_1 and device_3 sign for the authority")
	sig, err := signer.Sign(ctx, msg)
	if err != nil {
		t.Fatal(err)
	}
	if !ed25519.Verify(signer.Status().GroupPublic, msg, sig.Signature) {
		t.Fatal("crypto/ed25519 rejects the threshold signature")
	}
	t.Logf("signed by %v, coordinated by %s, journaled as fact %x", sig.Signers, sig.Coordinator, sig.Fact)
}

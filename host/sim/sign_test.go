package sim_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/plugins"
)

// signingDeployment is three devices: run "dkg" is
// examples/protocols/frost_dkg.hcl (2-of-3 among devices 1 to 3), run
// "sign" is examples/protocols/frost_sign.hcl with device_3 coordinating
// and device_1 signing beside it, in simulation with 10 % drop. The edits
// change the signing protocol (written to a temporary file).
func signingDeployment(t *testing.T, edits ...func(string) string) string {
	t.Helper()
	return devicesDeployment("signing", effects.Simulation, 3,
		runBlock("dkg", exampleProtocol(t, "frost_dkg.hcl"), "1h", dkgRoles(3)...),
		runBlock("sign", exampleProtocol(t, "frost_sign.hcl", edits...), "1h", "Coordinator = device_3", "Signer[0] = device_1"))
}

// Two devices of a 2-of-3 authority made by the DKG choreography sign one
// message by the signing choreography across the agents, under message
// loss: the Coordinator finds its key with no group named, the signer by
// the group key; the signature is an ordinary Ed25519 signature by the
// DKG's group key, and both roles hold it.
func TestSigningChoreographyAcrossAgents(t *testing.T) {
	for _, seed := range []uint64{1, 7} {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			ctx := context.Background()
			s, err := sim.New(ctx, sim.Config{Deployment: deployment(t, signingDeployment(t)), Seed: seed, Builtins: plugins.Lookup, Logger: quietLogger(t)})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close(ctx)
			out, err := s.RunNamed(ctx, "dkg")
			if err != nil {
				t.Fatal(err)
			}
			devices, _ := keysOf(t, s, out, 3)

			if out, err = s.RunNamed(ctx, "sign"); err != nil {
				t.Fatal(err)
			}
			r := out.Runs[0]
			if r.Err != nil {
				t.Fatalf("signing failed: %v", r.Err)
			}
			if cheaters, _ := r.Binding("Coordinator", "cheaters"); len(cheaters.Items()) != 0 {
				t.Fatalf("the Coordinator named cheaters among honest devices: %v", cheaters)
			}
			group, _ := r.Binding("Coordinator", "group_public")
			if g, _ := group.AsBytes(); string(g) != string(devices[0].group) {
				t.Fatalf("the Coordinator signed for group %x, the DKG made %x", g, devices[0].group)
			}
			msgV, _ := r.Binding("Coordinator", "message")
			sigV, _ := r.Binding("Coordinator", "signature")
			msg, _ := msgV.AsBytes()
			sig, _ := sigV.AsBytes()
			if !ed25519.Verify(devices[0].group, msg, sig) {
				t.Fatalf("crypto/ed25519 rejects the Coordinator's signature %x of %x under the group key", sig, msg)
			}
			if v, _ := r.Binding("Coordinator", "verified"); !v.Equal(effects.Bool(true)) {
				t.Fatalf("the Coordinator's frost_verify says %v", v)
			}
			for _, role := range []string{"Signer[0]"} {
				if got, _ := r.Binding(role, "signature"); !got.Equal(sigV) {
					t.Fatalf("%s holds signature %v, the Coordinator %v", role, got, sigV)
				}
				if got, _ := r.Binding(role, "group_public"); !got.Equal(group) {
					t.Fatalf("%s holds group key %v, the Coordinator %v", role, got, group)
				}
			}
			pkg, _ := r.Binding("Coordinator", "package")
			commitments, _ := pkg.Get("commitments")
			var ids []string
			for _, c := range commitments.Items() {
				id, _ := c.Get("identifier")
				ids = append(ids, id.String())
			}
			if got := strings.Join(ids, ","); got != "1,3" {
				t.Fatalf("the package commits participants %s, want 1,3 (device_1 and device_3)", got)
			}
		})
	}
}

// A signer that sends a bad signature share (here device_1, whose share is
// replaced by the scalar 1) is named by the Coordinator's check: the run
// ends in the Cheater branch, not in a fault, and no role holds a
// signature.
func TestSigningChoreographyNamesACheater(t *testing.T) {
	tamper := func(protocol string) string {
		const before = `  send "Signer[*]" "Coordinator" "Share" {`
		return strings.Replace(protocol, before, `  set "Signer[0]" "own" {
    value = { identifier = "$own.identifier", share = bytes("0100000000000000000000000000000000000000000000000000000000000000") }
  }
`+before, 1)
	}
	ctx := context.Background()
	s, err := sim.New(ctx, sim.Config{Deployment: deployment(t, signingDeployment(t, tamper)), Seed: 3, Builtins: plugins.Lookup, Logger: quietLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	if _, err := s.RunNamed(ctx, "dkg"); err != nil {
		t.Fatal(err)
	}
	out, err := s.RunNamed(ctx, "sign")
	if err != nil {
		t.Fatal(err)
	}
	r := out.Runs[0]
	if r.Err != nil {
		t.Fatalf("the signing should end in its Cheater branch, not fail: %v", r.Err)
	}
	want := effects.List(effects.Int(1))
	for _, role := range []string{"Coordinator", "Signer[0]"} {
		if cheaters, _ := r.Binding(role, "cheaters"); !cheaters.Equal(want) {
			t.Fatalf("%s holds cheaters %v, want %v (device_1)", role, cheaters, want)
		}
		if sig, _ := r.Binding(role, "signature"); !sig.IsNull() {
			t.Fatalf("%s holds a signature %v despite a bad share", role, sig)
		}
	}
}

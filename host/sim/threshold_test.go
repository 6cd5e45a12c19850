package sim_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/host/threshold"
	"github.com/aurahost/aura-host/plugins"
)

// dkgDeployment is a t-of-n DKG among n devices (agents device_1 …):
// examples/protocols/frost_dkg.hcl resized to n, in simulation with 10 %
// drop and a partition between the leader and the last device that heals
// during the ceremony, or in production with each agent's plugins as
// processes and the libp2p transport on loopback.
func dkgDeployment(t testing.TB, tt, n int, mode effects.Mode, edits ...func(string) string) string {
	t.Helper()
	var extra []string
	if mode == effects.Simulation {
		extra = append(extra, fmt.Sprintf("fault \"partition\" {\n  at = \"0s\"\n  between = [\"device_1\", %q]\n  heal_after = \"300ms\"\n}\n", deviceName(n)))
	}
	extra = append(extra, runBlock("dkg", resizedDKG(t, tt, n, edits...), "1h", dkgRoles(n)...))
	return devicesDeployment("dkg", mode, n, extra...)
}

// device is one device after the DKG: its agent as a threshold device.
type device struct {
	threshold.Device
	group []byte
}

// runDKG runs the ceremony and returns the devices, each with its key.
func runDKG(t testing.TB, s *sim.Simulation, n int) []device {
	t.Helper()
	out, err := s.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r := out.Runs[0]
	if r.Err != nil {
		t.Fatalf("DKG failed: %v", r.Err)
	}
	devices := make([]device, n)
	for i := range devices {
		role := roleOf(i + 1)
		key, ok := r.Binding(role, "key")
		if !ok {
			t.Fatalf("%s committed no key", role)
		}
		handle, _ := key.Get("key")
		group, _ := key.Get("group_public")
		name := fmt.Sprintf("device_%d", i+1)
		h, _ := handle.AsString()
		devices[i].Device = s.Agent(name).ThresholdDevice(name, h)
		devices[i].group, _ = group.AsBytes()
	}
	return devices
}

// checkThreshold checks every device ended with the same group key, that
// each window of t devices signs a message crypto/ed25519 verifies under
// it, and that t-1 devices cannot.
func checkThreshold(t *testing.T, devices []device, tt int) {
	t.Helper()
	ctx := context.Background()
	for _, d := range devices[1:] {
		if string(d.group) != string(devices[0].group) {
			t.Fatalf("%s ended with group key %x, device_1 with %x", d.Name, d.group, devices[0].group)
		}
	}
	msg := []byte("the authority signs")
	for first := 0; first+tt <= len(devices); first++ {
		s, err := threshold.New(ctx, thresholdDevices(devices[first:first+tt]))
		if err != nil {
			t.Fatal(err)
		}
		sig, err := s.Sign(ctx, msg)
		if err != nil {
			t.Fatalf("devices %d..%d: %v", first+1, first+tt, err)
		}
		if !ed25519.Verify(devices[0].group, msg, sig.Signature) {
			t.Fatalf("devices %d..%d: crypto/ed25519 rejects the signature", first+1, first+tt)
		}
	}
	s, err := threshold.New(ctx, thresholdDevices(devices[:tt-1]))
	if err != nil {
		t.Fatal(err)
	}
	var tooFew *threshold.TooFewError
	if sig, err := s.Sign(ctx, msg); !errors.As(err, &tooFew) {
		t.Fatalf("%d devices, one fewer than the threshold: %x, %v; want a *threshold.TooFewError", tt-1, sig.Signature, err)
	}
}

func thresholdDevices(ds []device) []threshold.Device {
	out := make([]threshold.Device, len(ds))
	for i, d := range ds {
		out[i] = d.Device
	}
	return out
}

// The DKG of examples/protocols/frost_dkg.hcl, 2-of-3 and 3-of-5, in
// simulation under 10 % drop and a partition that heals mid-ceremony.
func TestDKGInSimulationUnderFaults(t *testing.T) {
	for _, c := range []struct{ t, n int }{{2, 3}, {3, 5}} {
		t.Run(fmt.Sprintf("%d-of-%d", c.t, c.n), func(t *testing.T) {
			for _, seed := range []uint64{1, 7} {
				s, err := sim.New(context.Background(), sim.Config{Deployment: deployment(t, dkgDeployment(t, c.t, c.n, effects.Simulation)),
					Seed: seed, Builtins: plugins.Lookup, Logger: quietLogger(t)})
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close(context.Background())
				checkThreshold(t, runDKG(t, s, c.n), c.t)
			}
		})
	}
}

// The same DKG in production, the agents in this process: each agent's
// plugins processes, the devices' envelopes over the libp2p transport on
// loopback, authenticated by their device keys; wall-clock time; then
// host/threshold signs with every window of t devices. (3-of-5, and one
// host process per device: TestDKGWithOneHostProcessPerDevice.)
func TestDKGInProductionOverLoopback(t *testing.T) {
	for _, c := range []struct{ t, n int }{{2, 3}} {
		t.Run(fmt.Sprintf("%d-of-%d", c.t, c.n), func(t *testing.T) {
			s, err := sim.New(context.Background(), sim.Config{Deployment: deployment(t, dkgDeployment(t, c.t, c.n, effects.Production)),
				Mode: effects.Production, Executable: auraHost, Builtins: plugins.Lookup, Logger: quietLogger(t)})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close(context.Background())
			for _, p := range s.Agent("device_1").Host().Plugins() {
				if p.PID == 0 || p.InProcess {
					t.Fatalf("plugin %s is not a process: %+v", p.Name, p)
				}
			}
			checkThreshold(t, runDKG(t, s, c.n), c.t)
		})
	}
}

// A device that deals a bad share (here device_3, whose share for device_1
// carries its ciphertext for device_2) is named in device_1's complaint, and
// the ceremony aborts: every device forgets its half-made key.
func TestDKGWithABadShareAbortsNamingTheSender(t *testing.T) {
	tamper := func(protocol string) string {
		const after = `  send "Member[*]" "Leader" "Shares" {`
		return strings.Replace(protocol, after, `  set "Member[1]" "sent" {
    value = [{ sender = "$sent[0].sender", receiver = "$sent[0].receiver", ciphertext = "$sent[1].ciphertext" }, "$sent[1]"]
  }
`+after, 1)
	}
	s, err := sim.New(context.Background(), sim.Config{Deployment: deployment(t, dkgDeployment(t, 2, 3, effects.Simulation, tamper)),
		Seed: 3, Builtins: plugins.Lookup, Logger: quietLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	out, err := s.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r := out.Runs[0]
	if r.Err != nil {
		t.Fatalf("the ceremony should end in its Abort branch, not fail: %v", r.Err)
	}
	result, _ := r.Binding("Leader", "result")
	complaint, _ := result.Get("complaint")
	if accused, _ := complaint.Get("accused"); !accused.Equal(effects.Int(3)) {
		t.Fatalf("device_1's complaint %v, want it to name participant 3 (device_3)", complaint)
	}
	for i, role := range []string{"Leader", "Member[0]", "Member[1]"} {
		if key, _ := r.Binding(role, "key"); !key.IsNull() {
			t.Errorf("%s committed a key although the ceremony aborted", role)
		}
		mine, _ := r.Binding(role, "mine")
		handle, _ := mine.Get("key")
		h, _ := handle.AsString()
		name := fmt.Sprintf("device_%d", i+1)
		if _, err := s.Agent(name).Effects().Crypto.FrostKeyInfo(context.Background(), h); !errors.Is(err, effects.ErrNotFound) {
			t.Errorf("%s still holds its key after the abort: %v", name, err)
		}
	}
	complaints, _ := r.Binding("Member[0]", "complaints")
	t.Logf("complaints every device received: %v", complaints)
}

// The group key attests the authority's device set: t devices sign it
// together, the signature verifies under the group key (and not for an
// altered set), each device's key is the one its agent holds, and the
// coordinator's journal records the signature.
func TestDeviceSetAttestedByTheGroupKey(t *testing.T) {
	ctx := context.Background()
	s, err := sim.New(ctx, sim.Config{Deployment: deployment(t, dkgDeployment(t, 2, 3, effects.Simulation)),
		Seed: 2, Builtins: plugins.Lookup, Logger: quietLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	devices := runDKG(t, s, 3)
	signer, err := threshold.New(ctx, thresholdDevices(devices))
	if err != nil {
		t.Fatal(err)
	}
	a, err := signer.AttestDeviceSet(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Verify(devices[0].group) {
		t.Fatal("the device set's attestation does not verify under the group key")
	}
	members, _ := a.Body.Get("devices")
	if members.Len() != 3 {
		t.Fatalf("attested devices %v, want 3", members)
	}
	for i, m := range members.Items() {
		key, _ := m.Get("device_key")
		if want := s.Agent(fmt.Sprintf("device_%d", i+1)).PublicKey(); !key.Equal(effects.Bytes(want)) {
			t.Fatalf("device %d attested with key %v, its agent holds %x", i+1, key, want)
		}
	}
	altered := a // the same set but the third entry replaced by the second
	items := slices.Clone(members.Items())
	items[2] = items[1]
	fields := map[string]effects.Value{}
	for _, f := range a.Body.Fields() {
		fields[f.Key] = f.Value
	}
	fields["devices"] = effects.List(items...)
	altered.Body = effects.Map(fields)
	if altered.Verify(devices[0].group) {
		t.Fatal("an altered device set verifies")
	}
	facts, err := s.Agent(a.Signed.Coordinator).Effects().Journal.FactsByType(ctx, "threshold")
	if err != nil || len(facts) != 1 || facts[0].Predicate != "threshold.signed" {
		t.Fatalf("the coordinator's journal: %v, %v; want one threshold.signed fact", facts, err)
	}
}

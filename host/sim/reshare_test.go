package sim_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/host/threshold"
	"github.com/aurahost/aura-host/plugins"
	"github.com/aurahost/aura-host/vm"
)

// rotationDeployment is four devices: run "dkg" is
// examples/protocols/frost_dkg.hcl (2-of-3 among devices 1 to 3), run
// "reshare" is examples/protocols/frost_reshare.hcl (the same key to 3-of-4,
// device 4 joining), in simulation with 10 % drop. With crash, device 4
// is down from the start and never comes back, and the resharing run is
// given ten minutes.
func rotationDeployment(t *testing.T, crash bool) string {
	t.Helper()
	var extra []string
	timeout := "1h"
	if crash {
		extra, timeout = append(extra, "fault \"crash\" {\n  at = \"0s\"\n  agent = \"device_4\"\n}\n"), "10m"
	}
	extra = append(extra,
		runBlock("dkg", exampleProtocol(t, "frost_dkg.hcl"), "1h", dkgRoles(3)...),
		runBlock("reshare", exampleProtocol(t, "frost_reshare.hcl"), timeout, dkgRoles(4)...))
	return devicesDeployment("rotation", effects.Simulation, 4, extra...)
}

// keysOf reads each role's committed key from a run's outcome.
func keysOf(t *testing.T, s *sim.Simulation, out *sim.Outcome, n int) ([]device, []effects.Value) {
	t.Helper()
	r := out.Runs[0]
	if r.Err != nil {
		t.Fatalf("run %s failed: %v", r.Name, r.Err)
	}
	devices, infos := make([]device, n), make([]effects.Value, n)
	for i := range devices {
		role := roleOf(i + 1)
		key, ok := r.Binding(role, "key")
		if !ok {
			t.Fatalf("%s committed no key in run %s", role, r.Name)
		}
		handle, _ := key.Get("key")
		group, _ := key.Get("group_public")
		name := fmt.Sprintf("device_%d", i+1)
		h, _ := handle.AsString()
		devices[i].Device = s.Agent(name).ThresholdDevice(name, h)
		devices[i].group, _ = group.AsBytes()
		infos[i] = key
	}
	return devices, infos
}

// A 2-of-3 authority made by the DKG choreography is rotated by the
// resharing choreography to 3-of-4 across the agents: the group key stays,
// the epoch is 2, every 3 of the 4 devices sign under the original key
// while 2 cannot, and the devices' epoch-1 shares no longer sign.
func TestReshareAcrossAgentsKeepsTheGroupKey(t *testing.T) {
	for _, seed := range []uint64{1, 7} {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			ctx := context.Background()
			s, err := sim.New(ctx, sim.Config{Deployment: deployment(t, rotationDeployment(t, false)), Seed: seed, Builtins: plugins.Lookup, Logger: quietLogger(t)})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close(ctx)
			out, err := s.RunNamed(ctx, "dkg")
			if err != nil {
				t.Fatal(err)
			}
			old, _ := keysOf(t, s, out, 3)
			checkThreshold(t, old, 2)

			if out, err = s.RunNamed(ctx, "reshare"); err != nil {
				t.Fatal(err)
			}
			news, infos := keysOf(t, s, out, 4)
			for i, d := range news {
				if string(d.group) != string(old[0].group) {
					t.Fatalf("%s ended with group key %x, the DKG's is %x", d.Name, d.group, old[0].group)
				}
				for field, want := range map[string]effects.Value{"epoch": effects.Int(2), "threshold": effects.Int(3), "participants": effects.Int(4)} {
					if got, _ := infos[i].Get(field); !got.Equal(want) {
						t.Fatalf("%s's new key has %s %v, want %v", d.Name, field, got, want)
					}
				}
			}
			msg := []byte("after the rotation")
			for skip := range news {
				var signers []device
				for j, d := range news {
					if j != skip {
						signers = append(signers, d)
					}
				}
				signer, err := threshold.New(ctx, thresholdDevices(signers))
				if err != nil {
					t.Fatal(err)
				}
				sig, err := signer.Sign(ctx, msg)
				if err != nil {
					t.Fatalf("every device but %s: %v", news[skip].Name, err)
				}
				if !ed25519.Verify(old[0].group, msg, sig.Signature) {
					t.Fatalf("every device but %s: crypto/ed25519 rejects the signature under the original key", news[skip].Name)
				}
			}
			two, err := threshold.New(ctx, thresholdDevices([]device{news[0], news[3]}))
			if err != nil {
				t.Fatal(err)
			}
			if sig, err := two.Sign(ctx, msg); err == nil {
				t.Fatalf("2 devices of a 3-of-4 key signed: %x", sig.Signature)
			}
			for _, d := range old {
				info, err := d.Crypto.FrostKeyInfo(ctx, d.Key)
				if err != nil || info.State != "retired" || info.RetiredAt != 2 || string(info.GroupPublic) != string(d.group) {
					t.Fatalf("%s's epoch-1 key after the rotation: %+v, %v; want retired at epoch 2, its public part readable", d.Name, info, err)
				}
				if _, err := d.Crypto.FrostKeyNonces(ctx, d.Key); err == nil || !strings.Contains(err.Error(), "retired at epoch 2") {
					t.Fatalf("%s's epoch-1 share: %v, want refused as retired at epoch 2", d.Name, err)
				}
			}
		})
	}
}

// A rotation whose newcomer crashes before it starts never commits: the
// resharing run ends in a fault (no progress is possible without device
// 4), and the old epoch still signs under the group key, its keys still
// the devices' active ones. (The half-made keys stay in round one: the
// choreography aborts on a complaint, not on a stall.)
func TestInterruptedReshareAcrossAgentsLeavesTheOldEpoch(t *testing.T) {
	ctx := context.Background()
	s, err := sim.New(ctx, sim.Config{Deployment: deployment(t, rotationDeployment(t, true)), Seed: 3, Builtins: plugins.Lookup, Logger: quietLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	out, err := s.RunNamed(ctx, "dkg")
	if err != nil {
		t.Fatal(err)
	}
	old, _ := keysOf(t, s, out, 3)
	if out, err = s.RunNamed(ctx, "reshare"); err != nil {
		t.Fatal(err)
	}
	if out.Runs[0].Err == nil {
		t.Fatal("the resharing completed without device 4")
	}
	for i, d := range old {
		if v, _ := out.Runs[0].Binding(roleOf(i+1), "key"); !v.IsNull() {
			t.Fatalf("%s committed a key of the interrupted rotation: %v", d.Name, v)
		}
		info, err := d.Crypto.FrostKeyInfo(ctx, d.Key)
		if err != nil || info.State != "active" || info.Epoch != 1 {
			t.Fatalf("%s's epoch-1 key after the interrupted rotation: %+v, %v; want active", d.Name, info, err)
		}
	}
	checkThreshold(t, old, 2)
}

// recoveryDeployment is a 2-of-3 authority (devices 1 to 3, run "dkg")
// with three guardians: device_3 is lost, the guardians approve a recovery
// for the account (run "recovery", examples/protocols/agents/
// guardian_recovery.hcl, device_1 as the Account), and the surviving
// devices reshare the key to the recovered set (run "reshare": devices 1
// and 2 deal, device_4 takes the lost device's place as participant 3).
func recoveryDeployment(t *testing.T) string {
	t.Helper()
	reshare := exampleProtocol(t, "frost_reshare.hcl", replace(`"Member[3]"`, `"Member[2]"`),
		replace("{ n = 4, t = 3, dealers = [1, 2],", "{ n = 3, t = 2, dealers = [1, 2],"))
	return devicesDeployment("recovery", effects.Simulation, 4,
		agentBlock("g1"), agentBlock("g2"), agentBlock("g3"),
		runBlock("dkg", exampleProtocol(t, "frost_dkg.hcl"), "1h", dkgRoles(3)...),
		runBlock("recovery", filepath.Join(protocolsDir(), "agents", "guardian_recovery.hcl"), "1h",
			"Account = device_1", "Guardian[0] = g1", "Guardian[1] = g2", "Guardian[2] = g3"),
		runBlock("reshare", reshare, "1h", "Leader = device_1", "Member[0] = device_2", "Member[1] = device_4"))
}

// A device is lost; the guardians grant the recovery; the surviving
// devices reshare to the recovered device set, so the new device signs
// under the authority's unchanged key with either survivor, and the lost
// device's share no longer combines with anyone's.
func TestGuardianRecoveryThenResharingRestoresSigning(t *testing.T) {
	ctx := context.Background()
	s, err := sim.New(ctx, sim.Config{Deployment: deployment(t, recoveryDeployment(t)), Seed: 5, Builtins: plugins.Lookup,
		Logger: quietLogger(t), Decide: func(req *vm.DecisionRequest, _ uint64) (string, error) { return req.Labels[0], nil }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	out, err := s.RunNamed(ctx, "dkg")
	if err != nil {
		t.Fatal(err)
	}
	old, _ := keysOf(t, s, out, 3)

	if out, err = s.RunNamed(ctx, "recovery"); err != nil {
		t.Fatal(err)
	}
	if r := out.Runs[0]; r.Err != nil {
		t.Fatalf("recovery failed: %v", r.Err)
	} else if at, _ := r.Binding("Account", "granted_at"); at.IsNull() {
		t.Fatal("the guardians did not grant the recovery: no resharing")
	}

	if out, err = s.RunNamed(ctx, "reshare"); err != nil {
		t.Fatal(err)
	}
	news, _ := keysOf(t, s, out, 3) // device_1, device_2 and, third, the recovered device
	news[2].Device = s.Agent("device_4").ThresholdDevice("device_4", news[2].Key)
	msg := []byte("signed again after recovery")
	for _, pair := range [][2]int{{0, 2}, {1, 2}} {
		signer, err := threshold.New(ctx, thresholdDevices([]device{news[pair[0]], news[pair[1]]}))
		if err != nil {
			t.Fatal(err)
		}
		sig, err := signer.Sign(ctx, msg)
		if err != nil {
			t.Fatalf("%s and %s: %v", news[pair[0]].Name, news[pair[1]].Name, err)
		}
		if !ed25519.Verify(old[0].group, msg, sig.Signature) {
			t.Fatal("crypto/ed25519 rejects the signature under the authority's original key")
		}
	}
	if _, err := threshold.New(ctx, thresholdDevices([]device{old[2], news[2]})); err == nil {
		t.Fatal("the lost device's epoch-1 share was accepted beside an epoch-2 one")
	}
}

package vm

import (
	"context"
	"crypto/ed25519"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/vm/internal/builtin"
	"github.com/aurahost/aura-host/vm/policy"
	"github.com/aurahost/aura-host/vm/trace"
)

// decideBy answers decisions from a table by role; roles not in it take
// the first label.
func decideBy(table map[string]string) func(req *DecisionRequest, n uint64) (string, error) {
	return func(req *DecisionRequest, n uint64) (string, error) {
		if l, ok := table[req.Role]; ok {
			return l, nil
		}
		return req.Labels[0], nil
	}
}

func binding(t *testing.T, m *Machine, role, name string) effects.Value {
	t.Helper()
	v, ok := m.Binding(role, name)
	if !ok {
		t.Fatalf("%s has no binding %q", role, name)
	}
	return v
}

func TestExamplePingPong(t *testing.T) {
	prog := compileExample(t, "ping_pong")
	host := NewRegistryEffects(RegistryEffectsConfig{Seed: 7})
	m, err := RunSession(context.Background(), prog, Config{Effects: host, Granularity: policy.Full})
	if err != nil {
		t.Fatal(err)
	}
	ping := binding(t, m, "Server", "ping")
	if ping.Kind() != effects.KindBytes || !ping.Equal(binding(t, m, "Client", "pong")) {
		t.Fatalf("pong %s does not echo ping %s", binding(t, m, "Client", "pong"), ping)
	}
}

func TestExampleGuardianRecovery(t *testing.T) {
	prog := compileExample(t, "guardian_recovery")
	reg := testRegistry(t)
	brokenSigner := effects.NewRegistry()
	for _, e := range reg.Entries() {
		h := e.Handler
		if e.Spec.ID == effects.CryptoEd25519Sign {
			// Guardian[2] signs with a key that is not the one it enrolled.
			h = effects.HandlerFunc(func(ctx context.Context, c *effects.Call) (effects.Value, error) {
				if cl, _ := CallerFrom(ctx); cl.Role == "Guardian[2]" {
					other := ed25519.NewKeyFromSeed(make([]byte, 32))
					return effects.Bytes(ed25519.Sign(other, argBytes(c, "msg"))), nil
				}
				return e.Handler.Invoke(ctx, c)
			})
		}
		if err := brokenSigner.Register(e.Provider+"/"+string(e.Spec.ID), h, e.Spec); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name      string
		reg       *effects.Registry
		decisions map[string]string
		want      string
		valid     []bool
	}{
		{"two of three approve", reg, map[string]string{"Guardian[0]": "Approve", "Guardian[1]": "Decline", "Guardian[2]": "Approve"}, "Granted", []bool{true, false, true}},
		{"all approve", reg, map[string]string{"Guardian[0]": "Approve", "Guardian[1]": "Approve", "Guardian[2]": "Approve"}, "Granted", []bool{true, true, true}},
		{"one approves", reg, map[string]string{"Guardian[0]": "Decline", "Guardian[1]": "Approve", "Guardian[2]": "Decline"}, "Denied", []bool{false, true, false}},
		{"a forged approval does not count", brokenSigner, map[string]string{"Guardian[0]": "Approve", "Guardian[1]": "Decline", "Guardian[2]": "Approve"}, "Denied", []bool{true, false, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			host := NewRegistryEffects(RegistryEffectsConfig{Registry: tt.reg, Seed: 1, Decide: decideBy(tt.decisions)})
			m, err := RunSession(context.Background(), prog, Config{Effects: host, Session: effects.DeriveSessionID("recovery", 1), Granularity: policy.Full})
			if err != nil {
				t.Fatal(err)
			}
			valid := binding(t, m, "Account", "valid")
			for i, want := range tt.valid {
				if b, _ := valid.Items()[i].AsBool(); b != want {
					t.Errorf("valid[%d] = %v, want %v", i, b, want)
				}
			}
			// Every approval the account accepted is a real Ed25519
			// signature of its challenge by the enrolled key.
			challenge, _ := binding(t, m, "Account", "challenge").AsBytes()
			keys := binding(t, m, "Account", "guardian_key").Items()
			for i, a := range binding(t, m, "Account", "approval").Items() {
				sig, ok := a.AsBytes()
				if !ok {
					continue
				}
				pub, _ := keys[i].AsBytes()
				if got := ed25519.Verify(pub, challenge, sig); got != tt.valid[i] {
					t.Errorf("approval %d verifies = %v, want %v", i, got, tt.valid[i])
				}
			}
			outcome := ""
			for _, e := range m.Trace().Entries {
				if e.Kind == trace.KindSend && e.Role == "Account" && e.Peer == "Guardian[0]" && e.Operation != "Request" {
					outcome = e.Operation
				}
			}
			if outcome != tt.want {
				t.Errorf("the account sent %q, want %q", outcome, tt.want)
			}
			if _, ok := binding(t, m, "Account", "granted_at").AsInt(); ok != (tt.want == "Granted") {
				t.Errorf("granted_at = %s for outcome %s", binding(t, m, "Account", "granted_at"), tt.want)
			}
			for _, e := range m.Edges() {
				if e.From == "Account" && e.To == "Guardian[1]" && e.Sent != 2 {
					t.Errorf("Account sent Guardian[1] %d messages, want 2", e.Sent)
				}
			}
		})
	}
}

func TestExampleTwoPhaseCommit(t *testing.T) {
	prog := compileExample(t, "two_phase_commit")
	for _, tt := range []struct {
		votes map[string]string
		want  string
	}{
		{map[string]string{"Participant[0]": "Yes", "Participant[1]": "Yes"}, "Commit"},
		{map[string]string{"Participant[0]": "Yes", "Participant[1]": "No"}, "Abort"},
		{map[string]string{"Participant[0]": "No", "Participant[1]": "No"}, "Abort"},
	} {
		host := NewRegistryEffects(RegistryEffectsConfig{Seed: 3, Decide: decideBy(tt.votes)})
		m, err := RunSession(context.Background(), prog, Config{Effects: host, Granularity: policy.Full})
		if err != nil {
			t.Fatal(err)
		}
		var outcome string
		for _, e := range m.Trace().Entries {
			if e.Kind == trace.KindSend && e.Role == "Coordinator" && e.Peer == "Participant[1]" && e.Operation != "Prepare" {
				outcome = e.Operation
			}
		}
		if outcome != tt.want {
			t.Errorf("votes %v: coordinator sent %q, want %q", tt.votes, outcome, tt.want)
		}
	}
}

func TestExampleThresholdSigning(t *testing.T) {
	prog := compileExample(t, "threshold_signing")
	host := NewRegistryEffects(RegistryEffectsConfig{Registry: testRegistry(t), Seed: 5})
	m, err := RunSession(context.Background(), prog, Config{Effects: host})
	if err != nil {
		t.Fatal(err)
	}
	if v := binding(t, m, "Coordinator", "valid"); !v.Equal(effects.Bool(true)) {
		t.Fatalf("aggregate signature does not verify: %s", v)
	}
	sig := binding(t, m, "Coordinator", "signature")
	for i, s := range []string{"Signer[0]", "Signer[1]", "Signer[2]"} {
		if got := binding(t, m, s, "signature"); !got.Equal(sig) {
			t.Errorf("%s holds signature %s, coordinator %s", s, got, sig)
		}
		// Each signer received its own share, in index order.
		id, _ := binding(t, m, s, "key_share").Get("identifier")
		if want := effects.Int(int64(i + 1)); !id.Equal(want) {
			t.Errorf("%s got the share of identifier %s", s, id)
		}
	}
	if n := binding(t, m, "Coordinator", "share").Len(); n != 3 {
		t.Errorf("coordinator collected %d shares, want 3", n)
	}
}

func TestExampleAntiEntropy(t *testing.T) {
	prog := compileExample(t, "anti_entropy")
	items := func(ns ...uint64) effects.Value {
		var vs []effects.Value
		for _, n := range ns {
			vs = append(vs, effects.Uint(n))
		}
		return effects.List(vs...)
	}
	for _, tt := range []struct {
		name          string
		replica, peer effects.Value
		rounds        int
	}{
		{"already equal", items(1, 2, 3), items(1, 2, 3), 1},
		{"peer ahead", items(1), items(1, 2, 3, 4, 5), 3},
		{"both ahead", items(1, 2, 3), items(3, 4, 5, 6, 7), 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			host := NewRegistryEffects(RegistryEffectsConfig{Registry: testRegistry(t), Payload: func(req *PayloadRequest) (effects.Value, error) {
				if req.Role == "Replica" {
					return tt.replica, nil
				}
				return tt.peer, nil
			}})
			m, err := RunSession(context.Background(), prog, Config{Effects: host})
			if err != nil {
				t.Fatal(err)
			}
			want := effects.List(builtin.SortedSet(append(append([]effects.Value(nil), tt.replica.Items()...), tt.peer.Items()...))...)
			for _, role := range []string{"Replica", "Peer"} {
				if got := binding(t, m, role, "items"); !got.Equal(want) {
					t.Errorf("%s items = %s, want %s", role, got, want)
				}
			}
			for _, e := range m.Edges() {
				if e.From == "Replica" && e.To == "Peer" && int(e.Sent) != 2*tt.rounds-1 {
					t.Errorf("replica sent %d messages, want %d for %d rounds", e.Sent, 2*tt.rounds-1, tt.rounds)
				}
			}
		})
	}
}

// TestExamplesRunOnDefaults runs every example as `aura-host protocol run`
// would with a seeded host and no inputs of its own: every host() value,
// decision, time and random byte comes from the seed.
func TestExamplesRunOnDefaults(t *testing.T) {
	for _, name := range exampleNames(t) {
		for seed := uint64(0); seed < 20; seed++ {
			host := NewRegistryEffects(RegistryEffectsConfig{Registry: testRegistry(t), Seed: seed})
			if _, err := RunSession(context.Background(), compileExample(t, name), Config{Effects: host}); err != nil {
				t.Fatalf("%s, seed %d: %v", name, seed, err)
			}
		}
	}
}

// The resharing example: the devices that hold an old key and are among
// the dealers deal (the Leader and Member[0]); Member[1] holds an old key
// but does not deal; Member[2] joins with none. Every device commits.
func TestExampleFrostReshare(t *testing.T) {
	prog := compileExample(t, "frost_reshare")
	host := NewRegistryEffects(RegistryEffectsConfig{Registry: testRegistry(t), Seed: 1})
	m, err := RunSession(context.Background(), prog, Config{Effects: host})
	if err != nil {
		t.Fatal(err)
	}
	packages := binding(t, m, "Leader", "packages").Items()
	if len(packages) != 4 {
		t.Fatalf("%d packages, want 4", len(packages))
	}
	for i, want := range []effects.Value{effects.String("old1"), effects.String("old2"), effects.Null(), effects.Null()} {
		if got, _ := packages[i].Get("dealer"); !got.Equal(want) {
			t.Fatalf("package %d deals with %v, want %v", i+1, got, want)
		}
	}
	for _, role := range []string{"Leader", "Member[0]", "Member[1]", "Member[2]"} {
		if state, _ := binding(t, m, role, "key").Get("state"); !state.Equal(effects.String("active")) {
			t.Fatalf("%s did not commit: %v", role, binding(t, m, role, "key"))
		}
	}
}

// The signing example: the Coordinator and Signer[0] hold identifiers 1
// and 2 of the stand-in key; both shares check, the Coordinator
// aggregates, and both roles hold the one signature.
func TestExampleFrostSign(t *testing.T) {
	prog := compileExample(t, "frost_sign")
	host := NewRegistryEffects(RegistryEffectsConfig{Registry: testRegistry(t), Seed: 1})
	m, err := RunSession(context.Background(), prog, Config{Effects: host})
	if err != nil {
		t.Fatal(err)
	}
	commitments, _ := binding(t, m, "Coordinator", "package").Get("commitments")
	var ids []effects.Value
	for _, c := range commitments.Items() {
		id, _ := c.Get("identifier")
		ids = append(ids, id)
	}
	if want := effects.List(effects.Int(1), effects.Int(2)); !effects.List(ids...).Equal(want) {
		t.Fatalf("the package commits identifiers %v, want %v", ids, want)
	}
	if v := binding(t, m, "Coordinator", "verified"); !v.Equal(effects.Bool(true)) {
		t.Fatalf("the Coordinator's signature did not verify: %v", v)
	}
	sig := binding(t, m, "Coordinator", "signature")
	if sig.IsNull() || !binding(t, m, "Signer[0]", "signature").Equal(sig) {
		t.Fatalf("the Coordinator holds %v, Signer[0] %v: want one signature", sig, binding(t, m, "Signer[0]", "signature"))
	}
	if g := binding(t, m, "Signer[0]", "group_public"); !g.Equal(binding(t, m, "Coordinator", "group_public")) {
		t.Fatalf("Signer[0] signs for group %v, the Coordinator for %v", g, binding(t, m, "Coordinator", "group_public"))
	}
}

package agent_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"sync"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/agent"
	"github.com/aurahost/aura-host/host/guard"
	"github.com/aurahost/aura-host/plugins"
	"github.com/aurahost/aura-host/plugins/simnetwork"
	"github.com/aurahost/aura-host/sdk"
)

const agentsDeployment = `
deployment "agents" {
  seed = 7
}
agent "alice" {
  allow = ["recovery.*", "network.send_envelope"]
  flow_budget { limit = 5 }
}
agent "bob" {
  allow = ["*"]
  flow_budget { limit = 100 }
}
plugin "crypto"  { builtin = "crypto" }
plugin "journal" { builtin = "journal" }
plugin "clock"   { builtin = "clock" }
plugin "random"  { builtin = "random" }
plugin "storage" { builtin = "storage" }
plugin "network" { builtin = "sim-network" }
plugin "invitation" {
  builtin    = "invitation"
  depends_on = ["journal", "clock", "random"]
}
`

// twoAgents builds alice and bob in testing mode, in process, sharing one
// simulated network; each checks the other's receipts.
func twoAgents(t *testing.T) (alice, bob *agent.Agent, network *sdk.Local) {
	t.Helper()
	dep := deployment(t, agentsDeployment)
	network, err := sdk.NewLocal(simnetwork.New(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if diags := network.Configure(context.Background(), sdk.ConfigureRequest{Mode: effects.Testing, Seed: 7}, nil); len(diags) > 0 {
		t.Fatalf("configure network: %+v", diags)
	}
	var mu sync.Mutex
	keys := map[effects.AuthorityID]ed25519.PublicKey{}
	lookup := func(id effects.AuthorityID) (ed25519.PublicKey, bool) {
		mu.Lock()
		defer mu.Unlock()
		k, ok := keys[id]
		return k, ok
	}
	build := func(label string) *agent.Agent {
		a, err := agent.NewBuilder().WithConfig(dep).WithAuthorityLabel(label).
			WithBuiltins(plugins.Lookup, true).WithShared(map[string]*sdk.Local{"network": network}).
			WithPeerKeys(lookup).WithLogger(quietLogger(t)).BuildTesting(context.Background())
		if err != nil {
			t.Fatalf("build %s: %v", label, err)
		}
		t.Cleanup(func() { _ = a.Shutdown(context.Background()) })
		mu.Lock()
		keys[a.AuthorityID()] = a.PublicKey()
		mu.Unlock()
		return a
	}
	return build("alice"), build("bob"), network
}

func journalSize(t *testing.T, a *agent.Agent) int {
	t.Helper()
	v, err := a.Invoke(context.Background(), "journal.get_journal", effects.Map(nil))
	if err != nil {
		t.Fatal(err)
	}
	return v.Len()
}

var ctxID = effects.DeriveContextID("alice-bob", 7)

func envelope(from, to *agent.Agent, payload string) effects.Value {
	return effects.Map(map[string]effects.Value{"envelope": guard.Envelope{
		Source: from.AuthorityID(), Destination: to.AuthorityID(), Context: ctxID, Payload: []byte(payload)}.Value()})
}

func TestAgentNeedsAnAuthority(t *testing.T) {
	_, err := agent.NewBuilder().WithConfig(deployment(t, agentsDeployment)).BuildTesting(context.Background())
	var be *agent.BuildError
	if !errors.As(err, &be) || be.Kind != agent.MissingRequired || be.Field != "authority_id" {
		t.Fatalf("got %v, want a MissingRequired(authority_id) build error", err)
	}
}

// A denied capability blocks the operation and leaves no trace: no journal
// entry, no charge, no send.
func TestDeniedCapabilityLeavesNoTrace(t *testing.T) {
	alice, bob, _ := twoAgents(t)
	ctx := context.Background()
	before := journalSize(t, alice)
	_, err := alice.Invoke(ctx, "invitation.invite", effects.Map(map[string]effects.Value{
		"kind": effects.String("contact"), "receiver": effects.String(bob.AuthorityID().String()),
		"ttl_ms": effects.Int(60_000)}))
	if !errors.Is(err, effects.ErrDenied) {
		t.Fatalf("alice may not invite: got %v", err)
	}
	if after := journalSize(t, alice); after != before {
		t.Fatalf("a denied operation was journaled: %d facts before, %d after", before, after)
	}
	if b, err := alice.FlowBudget(ctx, ctxID, bob.AuthorityID()); err != nil || b.Spent != 0 {
		t.Fatalf("budget after a denial: %+v, %v", b, err)
	}
	// bob, allowed everything, invites; his operation is journaled.
	before = journalSize(t, bob)
	if _, err := bob.Invoke(ctx, "invitation.invite", effects.Map(map[string]effects.Value{
		"kind": effects.String("contact"), "receiver": effects.String(alice.AuthorityID().String()),
		"ttl_ms": effects.Int(60_000)})); err != nil {
		t.Fatal(err)
	}
	if after := journalSize(t, bob); after <= before {
		t.Fatal("an allowed guarded operation left no journal fact")
	}
}

// Sends stop with Exhausted at the budget limit, and resume after an epoch
// rotation: the only replenishment.
func TestSendsStopAtTheBudgetAndResumeAfterRotation(t *testing.T) {
	alice, bob, _ := twoAgents(t)
	ctx := context.Background()
	send := func() error {
		_, err := alice.Invoke(ctx, "network.send_envelope", envelope(alice, bob, "x"))
		return err
	}
	// limit 5, and a 1-byte payload costs 2: two sends fit, the third not.
	for i := range 2 {
		if err := send(); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	if err := send(); !errors.Is(err, effects.ErrExhausted) {
		t.Fatalf("third send: got %v, want exhausted", err)
	}
	b, _ := alice.FlowBudget(ctx, ctxID, bob.AuthorityID())
	if b.Spent != 4 || b.Limit != 5 {
		t.Fatalf("budget after the refused send: %+v (a refusal must not charge)", b)
	}
	if err := alice.RotateEpoch(ctx, ctxID, bob.AuthorityID()); err != nil {
		t.Fatal(err)
	}
	if err := send(); err != nil {
		t.Fatalf("send after rotation: %v", err)
	}
}

// The receiver accepts an envelope whose receipt verifies, and refuses a
// tampered receipt and a replayed one.
func TestReceiverChecksReceipts(t *testing.T) {
	alice, bob, network := twoAgents(t)
	ctx := context.Background()
	if _, err := alice.Invoke(ctx, "network.send_envelope", envelope(alice, bob, "hello")); err != nil {
		t.Fatal(err)
	}
	tick := func(now int64) {
		if _, err := network.Invoke(ctx, &effects.Call{Op: "network_control.tick",
			Args: effects.Map(map[string]effects.Value{"now_ms": effects.Int(now)})}); err != nil {
			t.Fatal(err)
		}
	}
	tick(1000)
	got, err := bob.Invoke(ctx, "network.receive_envelope", effects.Map(nil))
	if err != nil || got.IsNull() {
		t.Fatalf("bob's receive: %v, %v", got, err)
	}
	env, _ := guard.EnvelopeFromValue(got)
	if string(env.Payload) != "hello" {
		t.Fatalf("payload %q", env.Payload)
	}

	// Replay the same envelope (same receipt, same nonce) straight onto
	// the network, bypassing alice's guard chain; then a tampered one.
	inject := func(e guard.Envelope) {
		if _, err := network.Invoke(ctx, &effects.Call{Op: "network.send_envelope",
			Args: effects.Map(map[string]effects.Value{"envelope": e.Value()})}); err != nil {
			t.Fatal(err)
		}
	}
	inject(env)
	tampered := env
	tampered.Receipt = append([]byte(nil), env.Receipt...)
	tampered.Receipt[len(tampered.Receipt)-1] ^= 1
	inject(tampered)
	tick(2000)
	for _, what := range []string{"replayed receipt", "tampered receipt"} {
		if _, err := bob.Invoke(ctx, "network.receive_envelope", effects.Map(nil)); !errors.Is(err, effects.ErrDenied) {
			t.Fatalf("%s: got %v, want the envelope refused", what, err)
		}
	}
}

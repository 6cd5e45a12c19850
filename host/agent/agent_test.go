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

// pair is alice and bob in testing mode, in process, sharing one simulated
// network; each checks the other's receipts, and each keeps its guard state
// in a MemStore the test can read.
type pair struct {
	alice, bob           *agent.Agent
	network              *sdk.Local
	aliceGuard, bobGuard *guard.MemStore
}

func newPair(t *testing.T) pair {
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
	build := func(label string, store *guard.MemStore) *agent.Agent {
		a, err := agent.NewBuilder().WithConfig(dep).WithAuthorityLabel(label).
			WithBuiltins(plugins.Lookup, true).WithShared(map[string]*sdk.Local{"network": network}).
			WithPeerKeys(lookup).WithGuardStore(store).WithLogger(quietLogger(t)).BuildTesting(context.Background())
		if err != nil {
			t.Fatalf("build %s: %v", label, err)
		}
		t.Cleanup(func() { _ = a.Shutdown(context.Background()) })
		mu.Lock()
		keys[a.AuthorityID()] = a.PublicKey()
		mu.Unlock()
		return a
	}
	p := pair{network: network, aliceGuard: guard.NewMemStore(), bobGuard: guard.NewMemStore()}
	p.alice, p.bob = build("alice", p.aliceGuard), build("bob", p.bobGuard)
	return p
}

// twoAgents builds alice and bob (newPair) for tests that need only them
// and the network.
func twoAgents(t *testing.T) (alice, bob *agent.Agent, network *sdk.Local) {
	t.Helper()
	p := newPair(t)
	return p.alice, p.bob, p.network
}

// tick moves the shared network's virtual time to now (ms).
func tick(t *testing.T, network *sdk.Local, now int64) {
	t.Helper()
	if _, err := network.Invoke(context.Background(), &effects.Call{Op: "network_control.tick",
		Args: effects.Map(map[string]effects.Value{"now_ms": effects.Int(now)})}); err != nil {
		t.Fatal(err)
	}
}

// journalSize counts every fact in a's journal, the guard chain's included.
func journalSize(t *testing.T, a *agent.Agent) int {
	t.Helper()
	v, err := a.Invoke(context.Background(), effects.JournalGetJournal, effects.Map(nil))
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
// replayed receipt, a receipt with a fresh nonce and a broken signature,
// and one validly signed by a key that is not the sender's — the last two
// with ErrBadSignature, so that the test fails if signature verification
// is switched off (they carry the nonce and chain link alice's next
// receipt will have: only the signature check stops them). A refused
// receipt changes nothing: alice's next genuine envelope is accepted.
func TestReceiverChecksReceipts(t *testing.T) {
	alice, bob, network := twoAgents(t)
	ctx := context.Background()
	if _, err := alice.Invoke(ctx, "network.send_envelope", envelope(alice, bob, "hello")); err != nil {
		t.Fatal(err)
	}
	tick(t, network, 1000)
	got, err := bob.Invoke(ctx, "network.receive_envelope", effects.Map(nil))
	if err != nil || got.IsNull() {
		t.Fatalf("bob's receive: %v, %v", got, err)
	}
	env, _ := guard.EnvelopeFromValue(got)
	if string(env.Payload) != "hello" {
		t.Fatalf("payload %q", env.Payload)
	}
	first, err := guard.DecodeReceipt(env.Receipt)
	if err != nil {
		t.Fatal(err)
	}

	// Envelopes go straight onto the network, bypassing alice's guard
	// chain: a replay of the first, then two forgeries of the second.
	inject := func(e guard.Envelope) {
		if _, err := network.Invoke(ctx, &effects.Call{Op: "network.send_envelope",
			Args: effects.Map(map[string]effects.Value{"envelope": e.Value()})}); err != nil {
			t.Fatal(err)
		}
	}
	next := first
	next.Nonce, next.Prev = first.Nonce+1, first.Hash()
	forge := func(r guard.Receipt, key ed25519.PrivateKey, flip bool) guard.Envelope {
		signed, err := guard.SignReceipt(ctx, r, guard.KeySigner(key))
		if err != nil {
			t.Fatal(err)
		}
		if flip {
			signed.Sig[0] ^= 1
		}
		e := env
		e.Receipt, _ = signed.MarshalBinary()
		return e
	}
	aliceKey := ed25519.NewKeyFromSeed(agent.DeriveKeySeed(alice.AuthorityID(), 7))
	if !aliceKey.Public().(ed25519.PublicKey).Equal(alice.PublicKey()) {
		t.Fatal("the test's copy of alice's key is not alice's")
	}
	mallory := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	inject(env)
	inject(forge(next, aliceKey, true))
	inject(forge(next, mallory, false))
	tick(t, network, 2000)
	for _, c := range []struct {
		what string
		want error
	}{
		{"replayed receipt", guard.ErrNonceReused},
		{"fresh nonce, broken signature", guard.ErrBadSignature},
		{"fresh nonce, valid signature by another key", guard.ErrBadSignature},
	} {
		_, err := bob.Invoke(ctx, "network.receive_envelope", effects.Map(nil))
		if !errors.Is(err, effects.ErrDenied) || !errors.Is(err, c.want) {
			t.Fatalf("%s: got %v, want the envelope refused with %v", c.what, err, c.want)
		}
	}

	if _, err := alice.Invoke(ctx, "network.send_envelope", envelope(alice, bob, "again")); err != nil {
		t.Fatal(err)
	}
	tick(t, network, 3000)
	got, err = bob.Invoke(ctx, "network.receive_envelope", effects.Map(nil))
	if err != nil || got.IsNull() {
		t.Fatalf("alice's genuine second envelope after the refused forgeries: %v, %v", got, err)
	}
}

package agent_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/admin"
	"github.com/aurahost/aura-host/host/agent"
	"github.com/aurahost/aura-host/host/lifecycle"
	"github.com/aurahost/aura-host/host/syncer"
	"github.com/aurahost/aura-host/plugins"
)

const reactiveDeployment = `
deployment "reactive" {
  seed = 7
}
agent "alice" { allow = ["*"] }
plugin "journal" { builtin = "journal" }
service "signals" {
  builtin = "reactive"
  config {
    signals = [
      { name = "invites", source = { predicate = "invited" }, reduce = "count" },
      { name = "last", source = { predicate = "invited" }, reduce = "latest" },
      { name = "busy", emit = true, initial = false },
    ]
  }
}
`

func reactiveAgent(t *testing.T) *agent.Agent {
	t.Helper()
	a, err := agent.NewBuilder().WithConfig(deployment(t, reactiveDeployment)).WithAuthorityLabel("alice").
		WithBuiltins(plugins.Lookup, true).WithLogger(quietLogger(t)).BuildTesting(context.Background())
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	t.Cleanup(func() { _ = a.Shutdown(context.Background()) })
	return a
}

func invited(who string, ms int64) effects.Value {
	return effects.Map(map[string]effects.Value{
		"type": effects.String("test"), "predicate": effects.String("invited"), "authority": effects.String("alice"),
		"time": effects.Int(ms), "body": effects.Map(map[string]effects.Value{"who": effects.String(who)}),
	})
}

func appendFact(t *testing.T, a *agent.Agent, f effects.Value) {
	t.Helper()
	if _, err := a.Invoke(t.Context(), effects.JournalAppendFact, effects.Map(map[string]effects.Value{"fact": f})); err != nil {
		t.Fatalf("append: %v", err)
	}
}

func next(t *testing.T, c <-chan effects.Value) effects.Value {
	t.Helper()
	v, ok := <-c
	if !ok {
		t.Fatal("subscription closed")
	}
	return v
}

// A fact appended through the agent's router reaches a subscribed signal;
// a merge with a duplicate counts each fact once; a failed append changes
// nothing; reads, registrations and emits go through the family's
// operations.
func TestJournalCommitsUpdateSubscribedSignals(t *testing.T) {
	a := reactiveAgent(t)
	ctx := t.Context()
	sub, err := a.Subscribe("invites")
	if err != nil {
		t.Fatal(err)
	}
	if v := next(t, sub.C()); !v.Equal(effects.Int(0)) {
		t.Fatalf("first value %v, want 0", v)
	}
	appendFact(t, a, invited("bob", 1))
	if v := next(t, sub.C()); !v.Equal(effects.Int(1)) {
		t.Fatalf("after one append: %v, want 1", v)
	}
	facts := effects.List(invited("bob", 1), invited("carol", 3), invited("dave", 2))
	if _, err := a.Invoke(ctx, effects.JournalMergeFacts, effects.Map(map[string]effects.Value{"facts": facts})); err != nil {
		t.Fatal(err)
	}
	if v := next(t, sub.C()); !v.Equal(effects.Int(3)) {
		t.Fatalf("after merging one known and two new facts: %v, want 3", v)
	}
	bad := effects.Map(map[string]effects.Value{"predicate": effects.String("invited")}) // no type, authority, time, body
	if _, err := a.Invoke(ctx, effects.JournalAppendFact, effects.Map(map[string]effects.Value{"fact": bad})); err == nil {
		t.Fatal("the journal took a malformed fact")
	}
	rx := a.Reactive()
	if v, err := rx.Read(ctx, "invites"); err != nil || !v.Equal(effects.Int(3)) {
		t.Fatalf("read invites = %v, %v; want 3", v, err)
	}
	if v, err := rx.Read(ctx, "last"); err != nil || !v.Equal(effects.Map(map[string]effects.Value{"who": effects.String("carol")})) {
		t.Fatalf("read last = %v, %v; want carol's (the newest)", v, err)
	}
	// A source registered now starts from the facts already journaled.
	def := effects.Map(map[string]effects.Value{"name": effects.String("who"), "source": effects.Map(map[string]effects.Value{
		"predicate": effects.String("invited")}), "reduce": effects.String("ids")})
	if v, err := rx.Register(ctx, def, false); err != nil || v.Len() != 3 {
		t.Fatalf("register who = %v, %v; want the 3 IDs already journaled", v, err)
	}
	err = rx.Emit(ctx, "invites", effects.Int(99))
	if !errorsIs(err, effects.ErrDenied) {
		t.Fatalf("emit to a source signal: %v, want denied", err)
	}
	if err := rx.Emit(ctx, "busy", effects.Bool(true)); err != nil {
		t.Fatal(err)
	}
	if _, err := rx.Read(ctx, "nope"); !errorsIs(err, effects.ErrNotFound) {
		t.Fatalf("read of an unknown signal: %v, want not_found", err)
	}
	list, err := rx.List(ctx)
	if err != nil || len(list) != 4 || list[0].Name != "busy" || list[1].Subscribers != 1 {
		t.Fatalf("list = %+v, %v", list, err)
	}
	var found bool
	for _, st := range a.Services() {
		if st.Name == "signals" {
			found = st.Health.State == lifecycle.Healthy
		}
	}
	if !found {
		t.Fatalf("status does not show the signals service healthy: %+v", a.Services())
	}
	if err := a.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	for range sub.C() {
	}
}

// A deployment without a reactive service answers the family unknown_op
// and Subscribe unavailable, saying what to add.
func TestNoReactiveService(t *testing.T) {
	a, err := agent.NewBuilder().WithConfig(deployment(t, `
deployment "plain" {
  seed = 1
}
agent "alice" { allow = ["*"] }
plugin "journal" { builtin = "journal" }
`)).WithAuthorityLabel("alice").WithBuiltins(plugins.Lookup, true).WithLogger(quietLogger(t)).BuildTesting(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Shutdown(context.Background()) })
	if _, err := a.Subscribe("x"); !errorsIs(err, effects.ErrUnavailable) {
		t.Fatalf("subscribe: %v", err)
	}
	if _, err := a.Reactive().Read(t.Context(), "x"); !errorsIs(err, effects.ErrUnknownOp) {
		t.Fatalf("read: %v", err)
	}
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }

// The admin endpoint of a group streams a signal of the agent it names:
// a fact appended through the endpoint (as `aura-host invoke` does) shows
// in the watch, and the stream ends when the group shuts down.
func TestAdminWatchStreamsAnAgentsSignal(t *testing.T) {
	cfg := agent.GroupConfig{Deployment: deployment(t, reactiveDeployment), Mode: effects.Testing, Admin: true}
	cfg.Host.Builtins, cfg.Host.InProcess, cfg.Host.Logger = plugins.Lookup, true, quietLogger(t)
	g, err := agent.StartGroup(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = g.Shutdown(context.Background()) })
	path, err := admin.Find(g.StateDir())
	if err != nil {
		t.Fatal(err)
	}
	c := admin.Dial(path)
	got, done := make(chan effects.Value), make(chan error, 1)
	go func() {
		done <- c.Watch(t.Context(), "alice", "invites", func(v effects.Value) error {
			got <- v
			return nil
		})
	}()
	if v := <-got; !v.Equal(effects.Int(0)) {
		t.Fatalf("first value %v, want 0", v)
	}
	if _, err := c.InvokeAs(t.Context(), "alice", effects.JournalAppendFact, effects.Map(map[string]effects.Value{"fact": invited("bob", 1)})); err != nil {
		t.Fatal(err)
	}
	if v := <-got; !v.Equal(effects.Int(1)) {
		t.Fatalf("after an append: %v, want 1", v)
	}
	if err := c.Watch(t.Context(), "alice", "nope", func(effects.Value) error { return nil }); err == nil ||
		!strings.Contains(err.Error(), "register it first") {
		t.Fatalf("watch of an unknown signal: %v", err)
	}
	if err := g.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, admin.ErrWatchEnded) {
		t.Fatalf("after shutdown: %v, want ErrWatchEnded", err)
	}
}

// Attack: the reactive family acts for the agent that hosts it. A call
// naming another authority — a peer's, say — is refused by the Router
// before the pipeline sees it, and changes nothing.
func TestReactiveCallsForAnotherAuthorityAreRefused(t *testing.T) {
	a := reactiveAgent(t)
	mallory := effects.DeriveAuthorityID("mallory", 1)
	for _, call := range []*effects.Call{
		{Op: effects.ReactiveEmit, Authority: mallory, Args: effects.Map(map[string]effects.Value{"signal": effects.String("busy"), "value": effects.Bool(true)})},
		{Op: effects.ReactiveRead, Authority: mallory, Args: effects.Map(map[string]effects.Value{"signal": effects.String("busy")})},
	} {
		if _, err := a.Router().Invoke(t.Context(), call); !errorsIs(err, effects.ErrDenied) {
			t.Fatalf("%s as another authority: %v, want denied", call.Op, err)
		}
	}
	if v, err := a.Reactive().Read(t.Context(), "busy"); err != nil || !v.Equal(effects.Bool(false)) {
		t.Fatalf("busy = %v, %v after the refused emit", v, err)
	}
}

// In simulation mode the pipeline works the same: its batch window is on
// the machine's clock, not the simulator's virtual time, so a commit
// reaches a subscriber without the simulated clock moving.
func TestReactiveInSimulationMode(t *testing.T) {
	a, err := agent.NewBuilder().WithConfig(deployment(t, reactiveDeployment)).WithAuthorityLabel("alice").
		WithBuiltins(plugins.Lookup, true).WithLogger(quietLogger(t)).BuildSimulation(context.Background(), 3)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Shutdown(context.Background()) })
	sub, err := a.Subscribe("invites")
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	next(t, sub.C())
	for i := range int64(3) {
		appendFact(t, a, invited("bob", i))
		if v := next(t, sub.C()); !v.Equal(effects.Int(i + 1)) {
			t.Fatalf("after append %d: %v", i+1, v)
		}
	}
}

// Facts merged from a peer by journal.merge_signed (what the sync service
// does, pages of canonical bytes included) reach the signals; a fact the
// journal refuses (signed by a key not given for its authority) does not.
func TestMergedSignedFactsUpdateSignals(t *testing.T) {
	a := reactiveAgent(t)
	_, peerKey, _ := ed25519.GenerateKey(nil)
	_, strangerKey, _ := ed25519.GenerateKey(nil)
	sign := func(key ed25519.PrivateKey, who string, ms int64) effects.Value {
		f := invited(who, ms)
		f, err := syncer.SignFact(key, f)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	good, forged := sign(peerKey, "erin", 10), sign(strangerKey, "frank", 11)
	page := effects.List(sign(peerKey, "gina", 12)).Canonical()
	keys := effects.List(effects.Map(map[string]effects.Value{"authority": effects.String("alice"), "key": effects.Bytes(peerKey.Public().(ed25519.PublicKey))}))
	res, err := a.Invoke(t.Context(), effects.JournalMergeSigned, effects.Map(map[string]effects.Value{
		"facts": effects.List(good, forged), "pages": effects.List(effects.Bytes(page)), "keys": keys}))
	if err != nil {
		t.Fatal(err)
	}
	if merged, _ := res.Get("merged"); !merged.Equal(effects.Int(2)) {
		t.Fatalf("merge_signed: %v, want 2 merged and the forged one refused", res)
	}
	if v, err := a.Reactive().Read(t.Context(), "invites"); err != nil || !v.Equal(effects.Int(2)) {
		t.Fatalf("invites = %v, %v after merging two signed facts (one refused), want 2", v, err)
	}
}

// The guard chain's own facts — journaled beneath the router for every
// guarded operation — reach the signals too: a count of guard.operation
// facts follows the guarded calls, and a denied call adds none.
func TestGuardFactsUpdateSignals(t *testing.T) {
	a, err := agent.NewBuilder().WithConfig(deployment(t, `
deployment "guarded" {
  seed = 9
}
agent "alice" { allow = ["session.create"] }
plugin "journal" { builtin = "journal" }
plugin "clock"   { builtin = "clock" }
plugin "random"  { builtin = "random" }
plugin "session" {
  builtin    = "session"
  depends_on = ["journal", "clock", "random"]
}
service "signals" {
  builtin = "reactive"
  config {
    signals = [{ name = "guarded", source = { type = "guard.operation" }, reduce = "count" }]
  }
}
`)).WithAuthorityLabel("alice").WithBuiltins(plugins.Lookup, true).WithLogger(quietLogger(t)).BuildTesting(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Shutdown(context.Background()) })
	sub, err := a.Subscribe("guarded")
	if err != nil {
		t.Fatal(err)
	}
	next(t, sub.C())
	if _, err := a.Invoke(t.Context(), effects.SessionCreate, createSession); err != nil {
		t.Fatal(err)
	}
	if v := next(t, sub.C()); !v.Equal(effects.Int(1)) {
		t.Fatalf("after one guarded call: %v, want 1", v)
	}
	if _, err := a.Invoke(t.Context(), effects.SessionListActive, effects.Map(nil)); !errorsIs(err, effects.ErrDenied) {
		t.Fatalf("session.list_active without a capability: %v, want denied", err)
	}
	if v, err := a.Reactive().Read(t.Context(), "guarded"); err != nil || !v.Equal(effects.Int(1)) {
		t.Fatalf("guarded = %v, %v after a denied call, want 1", v, err)
	}
}

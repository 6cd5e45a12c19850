package agent_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/admin"
	"github.com/aurahost/aura-host/host/agent"
	"github.com/aurahost/aura-host/host/guard"
	"github.com/aurahost/aura-host/plugins"
)

const groupDeployment = `
deployment "group" {
  seed = 3
}
agent "locked" {
  allow = []
}
agent "open" {
  allow = ["session.*", "network.send_envelope"]
  flow_budget { limit = 10 }
}
plugin "journal" { builtin = "journal" }
plugin "clock"   { builtin = "clock" }
plugin "random"  { builtin = "random" }
plugin "storage" { builtin = "storage" }
plugin "network" { builtin = "sim-network" }
plugin "session" {
  builtin    = "session"
  depends_on = ["journal", "clock", "random"]
}
`

func startGroup(t *testing.T, mode effects.Mode) *agent.Group {
	t.Helper()
	cfg := agent.GroupConfig{Deployment: deployment(t, groupDeployment), Mode: mode, Admin: true}
	cfg.Host.Builtins, cfg.Host.InProcess, cfg.Host.Logger = plugins.Lookup, true, quietLogger(t)
	g, err := agent.StartGroup(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = g.Shutdown(context.Background()) })
	return g
}

var createSession = effects.Map(map[string]effects.Value{"kind": effects.String("coordination"),
	"participants": effects.List(effects.String("a")), "my_role": effects.String("a"), "ttl_ms": effects.Int(60_000)})

// Attack 1, on the admin endpoint: an invoke acts as the agent it names,
// through that agent's guard chain. The agent allowed nothing is refused
// session.create (denied) and its journal holds no fact; the agent allowed
// session.* creates one, journaled. A call naming no agent, or an unknown
// one, in a deployment of two is refused and names them.
func TestAdminInvokeActsAsTheNamedAgent(t *testing.T) {
	g := startGroup(t, effects.Testing)
	ctx := context.Background()
	path, err := admin.Find(g.StateDir())
	if err != nil {
		t.Fatal(err)
	}
	c := admin.Dial(path)
	facts := func(as string) int {
		t.Helper()
		v, err := c.InvokeAs(ctx, as, effects.JournalGetJournal, effects.Map(nil))
		if err != nil {
			t.Fatal(err)
		}
		return v.Len()
	}
	before := facts("locked")
	_, err = c.InvokeAs(ctx, "locked", effects.SessionCreate, createSession)
	if !errors.Is(err, effects.ErrDenied) {
		t.Fatalf("locked agent's session.create through the admin endpoint: got %v, want denied", err)
	}
	if after := facts("locked"); after != before {
		t.Fatalf("a refused invoke left facts: %d before, %d after", before, after)
	}
	before = facts("open")
	if _, err := c.InvokeAs(ctx, "open", effects.SessionCreate, createSession); err != nil {
		t.Fatalf("open agent's session.create: %v", err)
	}
	if after := facts("open"); after <= before {
		t.Fatal("an allowed invoke through the admin endpoint left no fact")
	}
	// Operator operations stay apart from effects and name a plugin of
	// one agent as agent/plugin: a ready plugin is refused a reset.
	if st, err := c.Status(ctx); err != nil || len(st.Plugins) != 12 || st.Plugins[0].Name != "locked/journal" {
		t.Fatalf("status: %+v, %v", st, err)
	}
	if err := c.Reset(ctx, "open/session"); err == nil || !strings.Contains(err.Error(), "not failed") {
		t.Fatalf("reset open/session, which has not failed: %v", err)
	}
	for _, as := range []string{"", "nobody"} {
		if _, err := c.InvokeAs(ctx, as, effects.SessionCreate, createSession); !errors.Is(err, effects.ErrInvalidArgs) {
			t.Fatalf("invoke as %q in a deployment of two agents: got %v, want invalid_args", as, err)
		}
	}
}

// In production each agent's guard state is a 0600 file of the host's in
// the agent's state directory, and no storage key holds any of it.
func TestProductionGuardStateIsTheHostsFile(t *testing.T) {
	g := startGroup(t, effects.Production)
	ctx := context.Background()
	open, err := g.Agent("open")
	if err != nil {
		t.Fatal(err)
	}
	locked, _ := g.Agent("locked")
	env := effects.Map(map[string]effects.Value{"envelope": guard.Envelope{Source: open.AuthorityID(),
		Destination: locked.AuthorityID(), Context: ctxID, Payload: []byte("x")}.Value()})
	if _, err := open.Invoke(ctx, effects.NetworkSendEnvelope, env); err != nil {
		t.Fatal(err)
	}
	if b, err := open.FlowBudget(ctx, ctxID, locked.AuthorityID()); err != nil || b.Spent != 2 {
		t.Fatalf("budget after one send: %+v, %v", b, err)
	}
	file := filepath.Join(g.StateDir(), "agents", "open", host.GuardFileName)
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("%s has mode %v, want 0600", file, fi.Mode().Perm())
	}
	keys, err := open.Invoke(ctx, effects.StorageListKeys, effects.Map(map[string]effects.Value{"prefix": effects.String("")}))
	if err != nil {
		t.Fatal(err)
	}
	if keys.Len() != 0 {
		t.Fatalf("storage holds %v after a send: guard state leaked into the storage plugin", keys)
	}
}

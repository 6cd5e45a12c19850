package agent_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/admin"
	"github.com/aurahost/aura-host/host/agent"
	"github.com/aurahost/aura-host/plugins"
)

// TestCheckServable: only a multi-agent deployment in simulation mode is
// refused, at its mode attribute when the file sets one.
func TestCheckServable(t *testing.T) {
	t.Parallel()
	agents := []*config.Agent{{Name: "alice"}, {Name: "bob"}}
	if d := agent.CheckServable("d.hcl", &config.Deployment{Mode: effects.Testing, Agents: agents}); d != nil {
		t.Errorf("testing mode refused: %v", d)
	}
	if d := agent.CheckServable("d.hcl", &config.Deployment{Mode: effects.Simulation}); d != nil {
		t.Errorf("a simulation without agents refused: %v", d)
	}
	d := agent.CheckServable("d.hcl", &config.Deployment{Mode: effects.Simulation, Agents: agents})
	if d == nil || d.Subject != nil || !strings.HasPrefix(d.Detail, "In simulation mode, the 2 agents of this deployment (alice, bob) share") ||
		!strings.HasSuffix(d.Detail, "  aura-host simulate d.hcl\n\nor serve it with its real plugins:\n\n  aura-host run d.hcl --mode production") {
		t.Fatalf("got %#v", d)
	}
	rng := hcl.Range{Filename: "d.hcl", Start: hcl.Pos{Line: 2, Column: 3}, End: hcl.Pos{Line: 2, Column: 20}}
	d = agent.CheckServable("d.hcl", &config.Deployment{Mode: effects.Simulation, Agents: agents, ModeRange: rng})
	if d == nil || d.Subject == nil || *d.Subject != rng {
		t.Errorf("subject: %#v", d)
	}
}

// TestServe: a deployment with agents is served as its group, one without
// as a plain host; either way the admin endpoint answers from the state
// directory until Shutdown, and Status names every plugin.
func TestServe(t *testing.T) {
	ctx := context.Background()
	hc := host.Config{Builtins: plugins.Lookup, InProcess: true, Logger: quietLogger(t)}
	plain := deployment(t, `
deployment "plain" {
  seed = 3
}
plugin "random" { builtin = "random" }
`).WithMode(effects.Testing)
	for _, tc := range []struct {
		dep     *config.Deployment
		group   bool
		plugins []string
	}{
		{deployment(t, groupDeployment).WithMode(effects.Testing), true, []string{"locked/journal", "open/session"}},
		{plain, false, []string{"random"}},
	} {
		s, err := agent.Serve(ctx, tc.dep, hc)
		if err != nil {
			t.Fatal(err)
		}
		if (s.Group != nil) != tc.group {
			t.Errorf("%s: group %v, want %v", tc.dep.Name, s.Group != nil, tc.group)
		}
		if _, ok := s.Host.Operation(effects.RandomBytes32); !ok {
			t.Errorf("%s: the served host has no random.bytes_32", tc.dep.Name)
		}
		var names []string
		for _, p := range s.Status().Plugins {
			names = append(names, p.Name)
		}
		for _, want := range tc.plugins {
			if !slices.Contains(names, want) {
				t.Errorf("%s: status plugins %v, want %s among them", tc.dep.Name, names, want)
			}
		}
		path, err := admin.Find(tc.dep.StateDir)
		if err != nil {
			t.Fatalf("%s: no admin endpoint: %v", tc.dep.Name, err)
		}
		if st, err := admin.Dial(path).Status(ctx); err != nil || st.Deployment != tc.dep.Name {
			t.Errorf("%s: admin status %+v, %v", tc.dep.Name, st, err)
		}
		if err := s.Shutdown(ctx); err != nil {
			t.Error(err)
		}
		if _, err := admin.Dial(path).Status(ctx); err == nil {
			t.Errorf("%s: the admin endpoint still answers after Shutdown", tc.dep.Name)
		}
	}
}

// Serving a deployment a host already serves from the same state is
// refused at once, naming that host's PID — not after a plugin waited for
// its database lock.
func TestServeRefusesADeploymentAlreadyRunning(t *testing.T) {
	dep := deployment(t, `
deployment "twice" {}
agent "a" { allow = [] }
plugin "storage" { builtin = "storage" }
`)
	dep.StateDir = t.TempDir()
	ctx := context.Background()
	hc := host.Config{Builtins: plugins.Lookup, InProcess: true}
	first, err := agent.Serve(ctx, dep, hc)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Shutdown(ctx)
	_, err = agent.Serve(ctx, dep, hc)
	var ar *agent.AlreadyRunningError
	if !errors.As(err, &ar) || ar.PID != os.Getpid() {
		t.Fatalf("second Serve: %v, want already running (pid %d)", err, os.Getpid())
	}
	if !strings.Contains(err.Error(), "already running (pid") {
		t.Fatalf("message: %v", err)
	}
}

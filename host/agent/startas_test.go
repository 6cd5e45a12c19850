package agent_test

import (
	"context"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/agent"
	"github.com/aurahost/aura-host/plugins"
)

// TestStartAs: a deployment with agents starts the one named, its calls
// with its own host; one without starts a plain host, and no agent
// can be named in it.
func TestStartAs(t *testing.T) {
	ctx := context.Background()
	hc := host.Config{Builtins: plugins.Lookup, InProcess: true, Logger: quietLogger(t)}
	dep := deployment(t, groupDeployment).WithMode(effects.Testing)
	if _, _, err := agent.StartAs(ctx, dep, "", hc); effects.AsError(err).Code != effects.CodeInvalidArgs {
		t.Errorf("two agents, none named: %v", err)
	}
	h, stop, err := agent.StartAs(ctx, dep, "locked", hc)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := h.Registry().Lookup(effects.RandomBytes32); !ok {
		t.Error("the agent's host serves no random_bytes_32")
	}
	if h.Authority() == (effects.AuthorityID{}) {
		t.Error("the agent's host has no authority")
	}
	if err := stop(ctx); err != nil {
		t.Error(err)
	}

	plain := deployment(t, `
deployment "plain" {
  seed = 3
}
plugin "random" { builtin = "random" }
`).WithMode(effects.Testing)
	if _, _, err := agent.StartAs(ctx, plain, "x", hc); effects.AsError(err).Code != effects.CodeInvalidArgs {
		t.Errorf("an agent named in a deployment without: %v", err)
	}
	h, stop, err = agent.StartAs(ctx, plain, "", hc)
	if err != nil {
		t.Fatal(err)
	}
	defer stop(ctx)
	if v, err := h.Invoke(ctx, &effects.Call{Op: effects.RandomBytes32}); err != nil || v.Len() != 32 {
		t.Errorf("plain host call: %v, %v", v, err)
	}
}

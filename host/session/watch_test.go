package session_test

import (
	"context"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/internal/hosttest"
	"github.com/aurahost/aura-host/host/session"
)

// Config.Watch runs while the session does: its context ends with the
// session, Run waits for it, and what it reads then is the session's
// last request — the same count of host calls the outcome reports.
func TestWatchSeesTheSessionToItsEnd(t *testing.T) {
	dep := hosttest.Deployment(t, "deployment \"d\" {\n  seed = 7\n}\n")
	proto, prog, _, diags := session.Compile([]byte(tracedProtocol), "traced.hcl", "")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	var last session.Progress
	watched := false
	out, err := session.Run(context.Background(), session.Config{Deployment: dep, File: "traced.hcl", Protocol: proto, Program: prog,
		Watch: func(ctx context.Context, progress func() session.Progress) {
			<-ctx.Done()
			last, watched = progress(), true
		}})
	if err != nil {
		t.Fatal(err)
	}
	if !watched {
		t.Fatal("Run returned before Watch did")
	}
	if last.Calls != out.HostCalls || last.Calls == 0 || last.Budget != out.Budget || last.Step == 0 || last.Step > out.Steps {
		t.Errorf("watched %+v; the outcome has %d host calls, %d steps of %d", last, out.HostCalls, out.Steps, out.Budget)
	}
	if last.Role != "A" || last.Last != string(effects.TraceSpanEnd) {
		t.Errorf("last request %s by %s, want %s by A", last.Last, last.Role, effects.TraceSpanEnd)
	}
}

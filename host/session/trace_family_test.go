package session_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/internal/hosttest"
	"github.com/aurahost/aura-host/host/session"
	"github.com/aurahost/aura-host/vm/policy"
	"github.com/aurahost/aura-host/vm/trace"
)

const tracedProtocol = `
protocol "traced" {
  roles = ["A", "B"]

  invoke "A" "trace.trace_span" {
    args   = { name = "handshake" }
    result = "span"
  }
  invoke "A" "trace.trace_event" {
    args   = { name = "hello.sent", attributes = { round = 1 } }
    result = "ev"
  }
  send "A" "B" "Hello" {}
  invoke "B" "trace.trace_event" {
    args   = { name = "hello.received" }
    result = "ev"
  }
  send "B" "A" "Ack" {}
  invoke "A" "trace.trace_span_end" {
    args   = { span = "$span" }
    result = "ended"
  }
}
`

// A protocol's trace events and spans land in the recorded run's trace,
// with the same span IDs in every run of the same seed, and the recorded
// trace replays. The trace family is the host's own: this deployment has
// no plugin at all.
func TestTraceEventsLandInTheRecordedTraceAndReplay(t *testing.T) {
	dep := hosttest.Deployment(t, "deployment \"d\" {\n  seed = 7\n}\n")
	proto, prog, _, diags := session.Compile([]byte(tracedProtocol), "traced.hcl", "")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	run := func() *session.Outcome {
		out, err := session.Run(context.Background(), session.Config{Deployment: dep, File: "traced.hcl", Protocol: proto, Program: prog, Granularity: policy.Full})
		if err != nil {
			t.Fatal(err)
		}
		if out.Faulted != nil {
			t.Fatalf("the session faulted: %v", out.Faulted)
		}
		return out
	}
	first := run()
	byOp := map[string][]trace.Entry{}
	for _, e := range first.Trace.Entries {
		byOp[e.Operation] = append(byOp[e.Operation], e)
	}
	if len(byOp[string(effects.TraceEvent)]) != 2 || len(byOp[string(effects.TraceSpan)]) != 1 || len(byOp[string(effects.TraceSpanEnd)]) != 1 {
		t.Fatalf("trace operations in the trace: %v", byOp)
	}
	ev := byOp[string(effects.TraceEvent)][0]
	if attrs, _ := ev.Inputs.Get("attributes"); attrs.String() != "{round: 1}" {
		t.Fatalf("the event's inputs %v lack its attributes", ev.Inputs)
	}
	span := byOp[string(effects.TraceSpan)][0]
	sid := effects.DeriveSessionID("traced", 7)
	if want := host.SpanID(sid, "A", "handshake", 0); !span.Outputs.Equal(effects.String(want)) {
		t.Fatalf("span ID %v, want %s (derived, not random)", span.Outputs, want)
	}
	end := byOp[string(effects.TraceSpanEnd)][0]
	if n, _ := end.Outputs.Get("events"); !n.Equal(effects.Uint(2)) {
		t.Fatalf("span end %v: want the 2 events recorded while it was open", end.Outputs)
	}
	if second := run(); second.Trace.Hash() != first.Trace.Hash() {
		t.Fatal("two runs of the same seed traced differently")
	}
	path := filepath.Join(t.TempDir(), "traced.jsonl")
	if err := first.Record(path); err != nil {
		t.Fatal(err)
	}
	recorded, err := session.ReadTraceFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if r := session.ReplayTrace(context.Background(), recorded); r.Status != session.Replayed {
		t.Fatalf("replay: status %v, fault %v, err %v", r.Status, r.Fault, r.Err)
	}
}

package session_test

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/aurahost/aura-host/host/internal/hosttest"
	"github.com/aurahost/aura-host/host/session"
	"github.com/aurahost/aura-host/host/tracing"
)

const twoRoleProtocol = `
protocol "spans" {
  roles = ["A", "B"]

  invoke "A" "trace.trace_event" {
    args   = { name = "a.first" }
    result = "x"
  }
  send "A" "B" "Hello" {}
  invoke "B" "trace.trace_event" {
    args   = { name = "b.got_hello" }
    result = "y"
  }
  send "B" "A" "Ack" {}
  invoke "A" "OPERATION" {
    args   = { name = "a.last" }
    result = "z"
  }
}
`

func attr(s tracetest.SpanStub, key attribute.Key) string {
	for _, kv := range s.Attributes {
		if kv.Key == key {
			return kv.Value.String()
		}
	}
	return ""
}

// runTraced runs the two-role protocol (its last invoke being op) on a
// plain host with an in-memory exporter and returns the spans.
func runTraced(t *testing.T, op string) (*session.Outcome, tracetest.SpanStubs) {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	dep := hosttest.Deployment(t, "deployment \"d\" {\n  seed = 3\n}\n")
	src := []byte(strings.ReplaceAll(twoRoleProtocol, "OPERATION", op))
	proto, prog, _, diags := session.Compile(src, "spans.hcl", "")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	out, err := session.Run(context.Background(), session.Config{Deployment: dep, File: "spans.hcl", Protocol: proto, Program: prog, TracerProvider: tp})
	if err != nil {
		t.Fatal(err)
	}
	return out, exp.GetSpans()
}

// TestSessionSpansNestRolesAndTheirCalls: a traced session is one span,
// each role a child of it, and each role's routed calls children of the
// role's span, all in one trace.
func TestSessionSpansNestRolesAndTheirCalls(t *testing.T) {
	out, spans := runTraced(t, "trace.trace_event")
	if out.Faulted != nil {
		t.Fatalf("the session faulted: %v", out.Faulted)
	}
	var sessionSpan tracetest.SpanStub
	roles := map[string]tracetest.SpanStub{}
	var calls []tracetest.SpanStub
	for _, s := range spans {
		switch {
		case s.Name == "session spans":
			sessionSpan = s
		case attr(s, tracing.AttrRole) != "":
			roles[attr(s, tracing.AttrRole)] = s
		case attr(s, tracing.AttrOp) != "":
			calls = append(calls, s)
		}
	}
	if !sessionSpan.SpanContext.IsValid() || len(roles) != 2 || len(calls) != 3 {
		t.Fatalf("want a session span, 2 role spans and 3 call spans; got %v", spans.Snapshots())
	}
	if sessionSpan.Parent.IsValid() {
		t.Errorf("the session span has a parent %v", sessionSpan.Parent)
	}
	if attr(sessionSpan, tracing.AttrProtocol) != "spans" || attr(sessionSpan, tracing.AttrStatus) != "done" {
		t.Errorf("session span attributes %v", sessionSpan.Attributes)
	}
	for name, r := range roles {
		if r.Parent.SpanID() != sessionSpan.SpanContext.SpanID() {
			t.Errorf("role %s: parent %v, want the session span", name, r.Parent.SpanID())
		}
		if attr(r, tracing.AttrStatus) != "done" {
			t.Errorf("role %s: status %q, want done", name, attr(r, tracing.AttrStatus))
		}
	}
	perRole := map[string]int{}
	for _, c := range calls {
		if c.SpanContext.TraceID() != sessionSpan.SpanContext.TraceID() {
			t.Errorf("call %s is in another trace", c.Name)
		}
		for name, r := range roles {
			if c.Parent.SpanID() == r.SpanContext.SpanID() {
				perRole[name]++
			}
		}
		if attr(c, tracing.AttrCode) != "ok" || attr(c, tracing.AttrSession) == "" {
			t.Errorf("call %s: attributes %v", c.Name, c.Attributes)
		}
	}
	if perRole["A"] != 2 || perRole["B"] != 1 {
		t.Errorf("calls per role %v, want A's two under A's span and B's one under B's", perRole)
	}
}

// TestFaultedSessionSpansSayWhere: the failing call carries its code, the
// faulted role and the session are error spans, the other role stopped.
func TestFaultedSessionSpansSayWhere(t *testing.T) {
	out, spans := runTraced(t, "nobody.serves_this")
	if out.Faulted == nil {
		t.Fatal("the session did not fault")
	}
	found := map[string]tracetest.SpanStub{}
	for _, s := range spans {
		found[s.Name] = s
	}
	for name, want := range map[string]struct {
		attr   attribute.Key
		value  string
		status codes.Code
	}{
		"nobody.serves_this": {tracing.AttrCode, "unknown_op", codes.Error},
		"role A":             {tracing.AttrStatus, "faulted", codes.Error},
		"role B":             {tracing.AttrStatus, "stopped", codes.Error},
		"session spans":      {tracing.AttrStatus, "faulted", codes.Error},
	} {
		s, ok := found[name]
		if !ok {
			t.Errorf("no span %q in %v", name, spans.Snapshots())
			continue
		}
		if got := attr(s, want.attr); got != want.value || s.Status.Code != want.status {
			t.Errorf("%s: %s = %q, status %v; want %q, %v", name, want.attr, got, s.Status.Code, want.value, want.status)
		}
	}
}

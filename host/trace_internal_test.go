package host

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/vm"
)

func traceCall(op effects.OpID, session effects.SessionID, args map[string]effects.Value) *effects.Call {
	return &effects.Call{Op: op, Session: session, Args: effects.Map(args)}
}

// The trace family's refusals, and what a caller cannot do to another
// session's spans.
func TestTraceFamilyBoundsAndSessions(t *testing.T) {
	t.Parallel()
	s1, s2 := effects.DeriveSessionID("one", 1), effects.DeriveSessionID("two", 1)
	ctx := vm.WithCaller(context.Background(), vm.Caller{Role: "A"})
	tests := []struct {
		name string
		call *effects.Call
		code effects.Code
		want string
	}{
		{"empty name", traceCall(effects.TraceEvent, s1, map[string]effects.Value{"name": effects.String("")}), effects.CodeInvalidArgs, "1 to 128 bytes"},
		{"long name", traceCall(effects.TraceSpan, s1, map[string]effects.Value{"name": effects.String(strings.Repeat("x", 129))}), effects.CodeInvalidArgs, "1 to 128 bytes"},
		{"huge attributes", traceCall(effects.TraceEvent, s1, map[string]effects.Value{"name": effects.String("e"),
			"attributes": effects.Map(map[string]effects.Value{"blob": effects.Bytes(make([]byte, MaxTraceAttributes))})}), effects.CodeInvalidArgs, "more than 65536"},
		{"a span never opened", traceCall(effects.TraceSpanEnd, s1, map[string]effects.Value{"span": effects.String("span-0000000000000000")}), effects.CodeNotFound, "not open in this session"},
	}
	tl := newTraceLog(hclog.NewNullLogger())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tl.Invoke(ctx, tt.call)
			var ee *effects.Error
			if !errors.As(err, &ee) || ee.Code != tt.code || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("%v, want %s saying %q", err, tt.code, tt.want)
			}
		})
	}
	id, err := tl.Invoke(ctx, traceCall(effects.TraceSpan, s1, map[string]effects.Value{"name": effects.String("s")}))
	if err != nil {
		t.Fatal(err)
	}
	// Another session cannot end it, however it learned the ID.
	if _, err := tl.Invoke(ctx, traceCall(effects.TraceSpanEnd, s2, map[string]effects.Value{"span": id})); !errors.Is(err, effects.ErrNotFound) {
		t.Fatalf("ending another session's span: %v, want not_found", err)
	}
	if _, err := tl.Invoke(ctx, traceCall(effects.TraceSpanEnd, s1, map[string]effects.Value{"span": id})); err != nil {
		t.Fatal(err)
	}
	if _, err := tl.Invoke(ctx, traceCall(effects.TraceSpanEnd, s1, map[string]effects.Value{"span": id})); !errors.Is(err, effects.ErrNotFound) {
		t.Fatalf("ending a span twice: %v, want not_found", err)
	}
	// A session may not keep more than MaxOpenSpans open.
	for i := range MaxOpenSpans {
		if _, err := tl.Invoke(ctx, traceCall(effects.TraceSpan, s2, map[string]effects.Value{"name": effects.String("s")})); err != nil {
			t.Fatalf("span %d: %v", i, err)
		}
	}
	if _, err := tl.Invoke(ctx, traceCall(effects.TraceSpan, s2, map[string]effects.Value{"name": effects.String("s")})); !errors.Is(err, effects.ErrExhausted) {
		t.Fatalf("span %d: %v, want exhausted", MaxOpenSpans+1, err)
	}
	// The span state of at most maxTraceSessions sessions is kept.
	for i := range maxTraceSessions + 10 {
		s := effects.DeriveSessionID("many", uint64(i))
		if _, err := tl.Invoke(ctx, traceCall(effects.TraceEvent, s, map[string]effects.Value{"name": effects.String("e")})); err != nil {
			t.Fatal(err)
		}
	}
	tl.mu.Lock()
	n := len(tl.sessions)
	tl.mu.Unlock()
	if n > maxTraceSessions {
		t.Fatalf("%d sessions kept, bound %d", n, maxTraceSessions)
	}
	if c := tl.counts(); c.Spans != MaxOpenSpans+1 || c.Events != maxTraceSessions+10 {
		t.Fatalf("counts %+v", c)
	}
}

func TestSpanIDsAreDerived(t *testing.T) {
	t.Parallel()
	s := effects.DeriveSessionID("p", 1)
	a, b := SpanID(s, "A", "x", 0), SpanID(s, "A", "x", 0)
	if a != b || len(a) != len("span-")+16 {
		t.Fatalf("SpanID: %q, %q", a, b)
	}
	for _, other := range []string{SpanID(s, "B", "x", 0), SpanID(s, "A", "y", 0), SpanID(s, "A", "x", 1), SpanID(effects.DeriveSessionID("p", 2), "A", "x", 0), SpanID(s, "Ax", "", 0)} {
		if other == a {
			t.Fatalf("two different spans share the ID %s", a)
		}
	}
}

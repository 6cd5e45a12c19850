package sdk

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/trace"

	"github.com/aurahost/aura-host/effects"
	pb "github.com/aurahost/aura-host/sdk/internal/proto/aura/plugin/v1"
)

const (
	goodParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	goodState  = "aura=1,other=x"
)

func TestTraceContextRoundTripsThroughTheCall(t *testing.T) {
	traceID, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	spanID, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	state, err := trace.ParseTraceState(goodState)
	if err != nil {
		t.Fatal(err)
	}
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: traceID, SpanID: spanID, TraceFlags: trace.FlagsSampled, TraceState: state})
	pc := &pb.Call{}
	injectTrace(trace.ContextWithSpanContext(context.Background(), sc), pc)
	if pc.Traceparent != goodParent || pc.Tracestate != goodState {
		t.Fatalf("injected %q %q, want %q %q", pc.Traceparent, pc.Tracestate, goodParent, goodState)
	}
	got := trace.SpanContextFromContext(extractTrace(context.Background(), pc.GetTraceparent(), pc.GetTracestate()))
	if !got.IsRemote() || !got.Equal(sc.WithRemote(true)) {
		t.Fatalf("extracted %+v, want %+v remote", got, sc)
	}

	untraced := &pb.Call{}
	injectTrace(context.Background(), untraced)
	if untraced.Traceparent != "" || untraced.Tracestate != "" {
		t.Fatalf("a call without a span carried %q %q", untraced.Traceparent, untraced.Tracestate)
	}
}

// TestHostileTraceContextIsIgnored: the strings come from the host over the
// wire; a plugin must neither fail the call nor spend on oversized or
// malformed values.
func TestHostileTraceContextIsIgnored(t *testing.T) {
	// A future version may carry extra fields, which a W3C parser accepts:
	// only the limit stops a megabyte of them.
	future := "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-"
	atLimit := future + strings.Repeat("f", MaxTraceparentBytes-len(future))
	// Three well-formed members of 250 characters: valid, and over the limit.
	bigState := "a=" + strings.Repeat("x", 250) + ",b=" + strings.Repeat("y", 250) + ",c=" + strings.Repeat("z", 250)
	for _, c := range []struct {
		name, parent, state string
		wantValid           bool
		wantState           string
	}{
		{"future version at the limit", atLimit, goodState, true, goodState},
		{"future version one past the limit", atLimit + "f", goodState, false, ""},
		{"future version with a megabyte of fields", future + strings.Repeat("ff-", 1<<20/3), goodState, false, ""},
		{"malformed traceparent", "00-zz-yy-01", goodState, false, ""},
		{"all-zero trace id", "00-00000000000000000000000000000000-00f067aa0ba902b7-01", "", false, ""},
		{"oversized tracestate dropped, parent kept", goodParent, bigState, true, ""},
		{"tracestate of 10,000 members", goodParent, strings.Repeat("k=v,", 10000), true, ""},
		{"empty", "", "", false, ""},
		{"valid", goodParent, goodState, true, goodState},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := trace.SpanContextFromContext(extractTrace(context.Background(), c.parent, c.state))
			if got.IsValid() != c.wantValid {
				t.Fatalf("valid = %v, want %v (%+v)", got.IsValid(), c.wantValid, got)
			}
			if s := got.TraceState().String(); s != c.wantState {
				t.Fatalf("tracestate = %q, want %q", s, c.wantState)
			}
		})
	}
}

// TestHostIgnoresTraceContextFromPlugins: a callback a plugin makes to the
// host (the Host service) reaches the router with no span context from the
// plugin, whatever the call carries.
func TestHostIgnoresTraceContextFromPlugins(t *testing.T) {
	var seen trace.SpanContext
	h := &hostServer{handler: effects.HandlerFunc(func(ctx context.Context, _ *effects.Call) (effects.Value, error) {
		seen = trace.SpanContextFromContext(ctx)
		return effects.Null(), nil
	})}
	res, err := h.Invoke(context.Background(), &pb.Call{Op: "test.echo", Traceparent: goodParent, Tracestate: goodState})
	if err != nil || res.GetError() != nil {
		t.Fatalf("callback: %v, %v", res, err)
	}
	if seen.IsValid() {
		t.Fatalf("the host's handler got the plugin's trace context %v", seen)
	}
}

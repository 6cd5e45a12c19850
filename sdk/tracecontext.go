package sdk

import (
	"context"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	pb "github.com/aurahost/aura-host/sdk/internal/proto/aura/plugin/v1"
)

// Limits on the W3C trace context a call carries (Call.traceparent and
// Call.tracestate). A version-00 traceparent is 55 bytes; the W3C
// recommendation lets a vendor drop a tracestate longer than 512
// characters. A longer value is ignored, not an error: a call never fails
// over telemetry.
const (
	MaxTraceparentBytes = 256
	MaxTracestateBytes  = 512
)

// traceContext is the W3C propagator: the wire carries the header values
// "traceparent" and "tracestate", which any language's tracing library
// reads.
var traceContext propagation.TraceContext

// injectTrace writes the span context ctx carries (the host's span of the
// routed call) into the call. It costs one context lookup when ctx holds
// no span: a host that does not trace sends empty strings.
func injectTrace(ctx context.Context, pc *pb.Call) {
	pc.Traceparent, pc.Tracestate = traceHeaders(ctx)
}

// traceHeaders is the traceparent and tracestate of the span context ctx
// carries; empty when it carries none.
func traceHeaders(ctx context.Context) (parent, state string) {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return "", ""
	}
	var f traceFields
	traceContext.Inject(ctx, &f)
	return f.parent, f.state
}

// extractTrace returns ctx with the call's trace context as its remote
// parent span, so that a plugin's own spans (otel's tracer.Start(ctx, ...)
// in a handler) join the host's trace. A traceparent over its limit, or a
// malformed one, leaves ctx as it is; a tracestate over its limit is
// dropped and the traceparent kept.
func extractTrace(ctx context.Context, parent, state string) context.Context {
	f := traceFields{parent: parent, state: state}
	if f.parent == "" || len(f.parent) > MaxTraceparentBytes {
		return ctx
	}
	if len(f.state) > MaxTracestateBytes {
		f.state = ""
	}
	return traceContext.Extract(ctx, &f)
}

// traceFields is a propagation.TextMapCarrier over a call's two fields.
type traceFields struct{ parent, state string }

const (
	traceparentHeader = "traceparent"
	tracestateHeader  = "tracestate"
)

func (f *traceFields) Get(key string) string {
	switch key {
	case traceparentHeader:
		return f.parent
	case tracestateHeader:
		return f.state
	}
	return ""
}

func (f *traceFields) Set(key, value string) {
	switch key {
	case traceparentHeader:
		f.parent = value
	case tracestateHeader:
		f.state = value
	}
}

func (f *traceFields) Keys() []string { return []string{traceparentHeader, tracestateHeader} }

package tracing

import (
	"context"
	"errors"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/aurahost/aura-host/effects"
)

// ScopeName is the instrumentation scope of every span the host makes.
const ScopeName = "github.com/aurahost/aura-host"

// The attributes of the host's spans.
const (
	AttrOp        = attribute.Key("aura.op")        // a routed call's operation, e.g. crypto.ed25519_sign
	AttrPlugin    = attribute.Key("aura.plugin")    // the plugin serving it ("" when none does)
	AttrCode      = attribute.Key("aura.code")      // "ok", or the error code (denied, timeout, ...)
	AttrRetryable = attribute.Key("aura.retryable") // on an error: whether the caller may retry
	AttrAuthority = attribute.Key("aura.authority") // the authority the call or session acts for
	AttrSession   = attribute.Key("aura.session")   // the protocol session (session:HEX)
	AttrProtocol  = attribute.Key("aura.protocol")  // a session's protocol name
	AttrRole      = attribute.Key("aura.role")      // a role of a session
	AttrStatus    = attribute.Key("aura.status")    // a session's or role's end: done, faulted, stopped
)

// CodeOK is AttrCode of a call that succeeded.
const CodeOK = "ok"

// Calls makes the span of each routed call. A nil *Calls is tracing off;
// the router checks for nil before anything else.
type Calls struct {
	tracer trace.Tracer
}

// NewCalls makes routed-call spans with tp's tracer.
func NewCalls(tp trace.TracerProvider) *Calls {
	return &Calls{tracer: tp.Tracer(ScopeName)}
}

// Start opens the span of call, served by plugin and acting for authority
// (the call's, or the router's when the call names none): a child of the span ctx
// carries (a protocol role's, a caller's), or a new trace's root. The
// returned context carries it, so the SDK sends it to the plugin as the
// call's trace context.
func (c *Calls) Start(ctx context.Context, call *effects.Call, plugin string, authority effects.AuthorityID) (context.Context, trace.Span) {
	op := clip(string(call.Op))
	attrs := make([]attribute.KeyValue, 0, 4)
	attrs = append(attrs, AttrOp.String(op), AttrPlugin.String(clip(plugin)), AttrAuthority.String(authority.String()))
	if call.Session != (effects.SessionID{}) {
		attrs = append(attrs, AttrSession.String(call.Session.String()))
	}
	return c.tracer.Start(ctx, op, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
}

// MaxNameBytes bounds an operation or plugin name in a span. An operation
// ID has no length limit of its own, and a call for an operation nobody
// serves — from a plugin's callback, the admin endpoint, a protocol —
// still gets a span: without the bound, one call could send a collector a
// megabyte-long span name.
const MaxNameBytes = 128

// clip cuts s to MaxNameBytes, marking the cut with "...".
func clip(s string) string {
	if len(s) <= MaxNameBytes {
		return s
	}
	return s[:MaxNameBytes-3] + "..."
}

// End closes a call's span with its outcome: AttrCode "ok", or the error's
// code (a non-effects error counts as internal) with the span's status an
// error whose description is the code. The error's message is not
// recorded: it may quote the call's arguments.
func End(span trace.Span, err error) {
	if err == nil {
		span.SetAttributes(AttrCode.String(CodeOK))
		span.End()
		return
	}
	code, retryable := effects.CodeInternal, false
	var e *effects.Error
	if errors.As(err, &e) {
		code, retryable = e.Code, e.Retryable
	}
	span.SetAttributes(AttrCode.String(string(code)), AttrRetryable.Bool(retryable))
	span.SetStatus(codes.Error, string(code))
	span.End()
}

package tracing

import (
	"context"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/aurahost/aura-host/effects"
)

// Session is the span of one protocol session and one span per role in it,
// children of the session's. The roles of a session run in one machine,
// so each role's span lasts the session; what a role does shows as its
// routed calls, children of its span (RoleContext). A nil *Session is
// tracing off: its methods do nothing.
type Session struct {
	span  trace.Span
	roles map[string]trace.Span
}

// StartSession opens the spans of a session of protocol with roles, acting
// for authority, under the span ctx carries. It returns nil when tp is nil.
func StartSession(ctx context.Context, tp trace.TracerProvider, protocol string, session effects.SessionID,
	authority effects.AuthorityID, roles []string) *Session {
	if tp == nil {
		return nil
	}
	tracer := tp.Tracer(ScopeName)
	ctx, span := tracer.Start(ctx, "session "+protocol, trace.WithAttributes(
		AttrProtocol.String(protocol), AttrSession.String(session.String()), AttrAuthority.String(authority.String())))
	s := &Session{span: span, roles: make(map[string]trace.Span, len(roles))}
	for _, r := range roles {
		_, rspan := tracer.Start(ctx, "role "+r, trace.WithAttributes(
			AttrProtocol.String(protocol), AttrSession.String(session.String()), AttrRole.String(r)))
		s.roles[r] = rspan
	}
	return s
}

// RoleContext returns ctx with role's span as the parent of what is
// started from it (the routed calls the role makes). ctx keeps its
// deadline and values; only the span changes. A role the session does
// not know leaves ctx as it is.
func (s *Session) RoleContext(ctx context.Context, role string) context.Context {
	if s == nil {
		return ctx
	}
	span, ok := s.roles[role]
	if !ok {
		return ctx
	}
	return trace.ContextWithSpan(ctx, span)
}

// End closes every role's span with its status (roleStatus: done, faulted,
// stopped), then the session's with status. A status other than "done"
// marks the span an error.
func (s *Session) End(status string, roleStatus func(role string) string) {
	if s == nil {
		return
	}
	for role, span := range s.roles {
		endWithStatus(span, roleStatus(role))
	}
	endWithStatus(s.span, status)
}

func endWithStatus(span trace.Span, status string) {
	span.SetAttributes(AttrStatus.String(status))
	if status != "done" {
		span.SetStatus(codes.Error, status)
	}
	span.End()
}

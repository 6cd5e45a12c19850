// Package tracing is the host's OpenTelemetry tracing: the tracer provider
// a deployment's telemetry { tracing { ... } } block chooses (Start: OTLP
// over gRPC to a collector, or JSON lines on standard output, through a
// batch span processor flushed on Shutdown), and the spans the runtime
// makes — one per routed call (Calls, made by host.Router), one per
// protocol session and one per role in it (Session, made by host/session),
// nested so that a role's effect call is a child of the role's span. The
// span context reaches plugins in each call as W3C trace context (the SDK
// injects and extracts it, see sdk/PROTOCOL.md).
//
// It imports effects and config of the project, and nothing that imports
// host: the router and the session runner call it.
//
// Invariants a newcomer must not break:
//   - A span carries identifiers and outcomes only — operation, plugin,
//     authority, session, protocol, role, error code — never argument or
//     result values, error messages (they may quote arguments) or
//     configuration: spans leave the host for a collector.
//   - Tracing off costs the router one nil check per call and nothing
//     else (BenchmarkRoutedCallTracing measures both).
package tracing

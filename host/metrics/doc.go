// Package metrics exports what a served deployment does as Prometheus
// metrics (prometheus/client_golang), on GET /metrics at the address of
// the deployment's telemetry block:
//
//	telemetry {
//	  prometheus = "127.0.0.1:9464"
//	}
//
// A Metrics owns its own prometheus.Registry (never the global default,
// so two hosts in one process never share or clash). Each agent's host is
// added with AddHost: a Router observer counts its calls, errors and
// latencies and its guard denials as they happen; its plugins' state,
// restarts, last exit and circuit, and its flow budgets' headroom, are
// read from the host when a scrape asks. Protocol sessions are counted by
// whoever runs them (SessionEnded). Endpoint serves the registry over
// HTTP. Families lists every family and its labels.
//
// Invariant: every label value comes from a bounded set the host
// controls — agent and plugin names from the deployment file, operation
// IDs only once the registry serves them (any other op counts as
// "unknown"), error codes of the effects vocabulary ("other" otherwise),
// the guard names, plugin states, exit reasons reduced to a fixed form
// (ExitReason), session outcomes. No caller-supplied string becomes a
// label, so no caller can grow the number of series.
//
// It imports host (Router, Host, the plugin status), host/guard (denials,
// flow budgets), config (the telemetry block) and effects; nothing under
// host imports it but host/agent, which serves it, and multihost.
package metrics

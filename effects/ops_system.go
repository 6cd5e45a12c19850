package effects

// Operations of the system family (AURA-SPEC §3, the console/system row:
// the console family keeps log_*). No plugin serves them: the agent
// runtime (host/agent) registers them in process, because they read what
// only the runtime sees — its plugins' and services' health, the calls
// its router routed, its guard chain — and change its settings.
const (
	// SystemHealthCheck returns the agent's health: overall state and
	// reasons, each plugin's state, each hosted service's health.
	SystemHealthCheck OpID = "system.health_check"
	// SystemGetMetrics returns the agent's counters: calls and errors,
	// latency, guard denials, flow-budget pressure, local health.
	SystemGetMetrics OpID = "system.get_metrics"
	// SystemGetConfig returns the agent's effective settings by path
	// ("agent.flow_budget_limit", "service.NAME.FIELD"), or one of them.
	SystemGetConfig OpID = "system.get_config"
	// SystemSetConfig changes one settable setting, checked against the
	// deployment's schema, journals system.config_set and applies it.
	SystemSetConfig OpID = "system.set_config"
)

// PredicateConfigSet is the predicate of the journal fact that records a
// setting changed by SystemSetConfig.
const PredicateConfigSet = "system.config_set"

// SystemOps are the declarations of the system family, which the agent
// runtime registers.
func SystemOps() []OpSpec {
	return []OpSpec{
		{
			ID: SystemHealthCheck,
			Doc: "Returns the agent's health: {state: healthy|degraded|unhealthy, reasons: [string], plugins: {NAME: state}, " +
				"services: {NAME: {state, reason}}}. Degraded when a plugin or service is degraded or not running; " +
				"unhealthy when one is unhealthy or failed.",
			Result:      KindMap,
			Idempotent:  true,
			Determinism: ReadsWorld,
		},
		{
			ID: SystemGetMetrics,
			Doc: "Returns the agent's counters since it started: calls routed per operation, errors per code, a latency " +
				"summary (count, mean, max, µs), guard denials, flow-budget pressure (percent of the fullest budget " +
				"sent on) and the local health observer's values when one runs.",
			Result:      KindMap,
			Idempotent:  true,
			Determinism: ReadsWorld,
		},
		{
			ID: SystemGetConfig,
			Doc: "Returns the agent's effective settings as a map of path to value (\"agent.flow_budget_limit\", " +
				"\"service.NAME.FIELD\"), or with key only that setting's value (not_found names the paths there are).",
			Params: []Param{
				{Name: "key", Kind: KindString, Optional: true, Doc: "one setting's path; absent: every setting"},
			},
			Result:      KindAny,
			Idempotent:  true,
			Determinism: ReadsWorld,
		},
		{
			ID: SystemSetConfig,
			Doc: "Sets one settable setting (see get_config) to value, checked against the deployment's schema: a key " +
				"that is not settable, or a value of the wrong kind or range, is invalid_args naming the key, the value " +
				"and what was expected. Journals a " + PredicateConfigSet + " fact, then applies it. Guarded: the agent " +
				"needs system.set_config in its allow list. Returns {key, value, previous}.",
			Params: []Param{
				{Name: "key", Kind: KindString, Doc: "the setting's path, e.g. \"agent.flow_budget_limit\""},
				{Name: "value", Kind: KindAny, Doc: "the new value, of the kind the setting's schema declares"},
			},
			Result:      KindMap,
			Determinism: WritesWorld,
		},
	}
}

// Operations of the trace family (AURA-SPEC §3): a protocol marks its run
// with events and spans through invoke. They are answered in process by
// the host, deterministically (a span's ID derives from the session, the
// span's name and its sequence number in the session, never from
// randomness or time), and each request and outcome lands in the run's
// trace like every other effect.
const (
	// TraceEvent records a named event with attributes.
	TraceEvent OpID = "trace.trace_event"
	// TraceSpan opens a named span and returns its ID.
	TraceSpan OpID = "trace.trace_span"
	// TraceSpanEnd closes a span opened by TraceSpan.
	TraceSpanEnd OpID = "trace.trace_span_end"
)

// TraceOps are the declarations of the trace family.
func TraceOps() []OpSpec {
	return []OpSpec{
		{
			ID:  TraceEvent,
			Doc: "Records an event named name with attributes in the run's trace; returns {name, seq}: its sequence number in the session.",
			Params: []Param{
				{Name: "name", Kind: KindString, Doc: "the event's name: 1-128 bytes"},
				{Name: "attributes", Kind: KindMap, Optional: true, Doc: "what the event carries (at most 64 KiB encoded)"},
			},
			Result:      KindMap,
			Determinism: WritesWorld,
		},
		{
			ID: TraceSpan,
			Doc: "Opens a span named name and returns its ID: \"span-\" and 16 hex digits derived from the session, the " +
				"name and the span's sequence number in the session (the same run gives the same IDs).",
			Params: []Param{
				{Name: "name", Kind: KindString, Doc: "the span's name: 1-128 bytes"},
				{Name: "attributes", Kind: KindMap, Optional: true, Doc: "what the span carries (at most 64 KiB encoded)"},
			},
			Result:      KindString,
			Determinism: WritesWorld,
		},
		{
			ID:          TraceSpanEnd,
			Doc:         "Closes a span trace_span opened in this session; returns {span, name, events}: the events recorded while it was open. A span not open in the session is not_found.",
			Params:      []Param{{Name: "span", Kind: KindString, Doc: "the ID trace_span returned"}},
			Result:      KindMap,
			Determinism: WritesWorld,
		},
	}
}

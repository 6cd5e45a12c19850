package metrics

import "github.com/prometheus/client_golang/prometheus"

// Family names. Every family the host exports is here, with the prefix
// aura_host_ and the unit or _total suffix Prometheus' naming rules ask
// for; Families describes them.
const (
	PluginState        = "aura_host_plugin_state"
	PluginRestarts     = "aura_host_plugin_restarts_total"
	PluginLastExit     = "aura_host_plugin_last_exit_info"
	PluginCircuitOpen  = "aura_host_plugin_circuit_open"
	Calls              = "aura_host_calls_total"
	CallErrors         = "aura_host_call_errors_total"
	CallDuration       = "aura_host_call_duration_seconds"
	GuardDenials       = "aura_host_guard_denials_total"
	FlowBudgetHeadroom = "aura_host_flow_budget_headroom_ratio"
	FlowBudgetsWatched = "aura_host_flow_budgets_watched"
	ProtocolSessions   = "aura_host_protocol_sessions_total"
)

// Family is one metric family the host exports.
type Family struct {
	Name   string
	Type   string // "gauge", "counter" or "histogram"
	Help   string
	Labels []string
}

// Families is every family the host exports, in the order of the
// constants above. A Grafana dashboard's queries may name these (and a
// histogram's _bucket, _sum and _count series), and the Go runtime's
// go_* and process_* families.
func Families() []Family {
	return []Family{
		{PluginState, "gauge", "1 for the state each plugin is in, 0 for the others.", []string{"agent", "plugin", "state"}},
		{PluginRestarts, "counter", "Restarts of each plugin's process since the host started.", []string{"agent", "plugin"}},
		{PluginLastExit, "gauge", "1, labelled with why each plugin's last process ended (killed by signal N, exited with status N, call stream broke, unresponsive, restart failed, lazy start failed, exited, other).", []string{"agent", "plugin", "reason"}},
		{PluginCircuitOpen, "gauge", "1 while each plugin's circuit breaker is open (calls fail fast), else 0.", []string{"agent", "plugin"}},
		{Calls, "counter", "Calls routed, by the plugin serving the operation and the operation (unknown: an operation no plugin serves).", []string{"agent", "plugin", "op"}},
		{CallErrors, "counter", "Routed calls that failed, by operation and error code.", []string{"agent", "plugin", "op", "code"}},
		{CallDuration, "histogram", "Time to route a call and get its answer, guard chain included.", []string{"agent", "plugin", "op"}},
		{GuardDenials, "counter", "Calls the guard chain refused, by the guard that refused them.", []string{"agent", "guard"}},
		{FlowBudgetHeadroom, "gauge", "The smallest headroom left, as a fraction of its limit, among the flow budgets the agent has sent on (1 when it has sent on none).", []string{"agent"}},
		{FlowBudgetsWatched, "gauge", "How many flow budgets the headroom is taken over (the most recent ones the agent sent on, at most 1024).", []string{"agent"}},
		{ProtocolSessions, "counter", "Protocol sessions this host ran to their end, by outcome.", []string{"outcome"}},
	}
}

// DurationBuckets are the call-duration histogram's upper bounds, in
// seconds: an in-process operation answers in tens of microseconds, a
// plugin over its gRPC stream in a few hundred, a send or a storage
// commit in milliseconds, and a call waiting on a restarting plugin or a
// peer up to its deadline (seconds).
var DurationBuckets = []float64{
	25e-6, 50e-6, 100e-6, 250e-6, 500e-6,
	1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 50e-3, 100e-3, 250e-3, 500e-3,
	1, 2.5, 5, 10,
}

func family(name string) Family {
	for _, f := range Families() {
		if f.Name == name {
			return f
		}
	}
	panic("metrics: no family " + name)
}

func desc(name string) *prometheus.Desc {
	f := family(name)
	return prometheus.NewDesc(f.Name, f.Help, f.Labels, nil)
}

func counterVec(name string) *prometheus.CounterVec {
	f := family(name)
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: f.Name, Help: f.Help}, f.Labels)
}

package metrics

import (
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/guard"
)

// Session outcomes, the values of the outcome label.
const (
	OutcomeCompleted = "completed" // every local role finished
	OutcomeFailed    = "failed"    // the session faulted or timed out here
)

// Metrics is the registry of one served deployment: its agents' hosts
// (AddHost) and its protocol sessions (SessionEnded). Its methods are
// safe for concurrent use.
type Metrics struct {
	registry *prometheus.Registry

	calls    *prometheus.CounterVec
	errors   *prometheus.CounterVec
	duration *prometheus.HistogramVec
	denials  *prometheus.CounterVec
	sessions *prometheus.CounterVec

	mu    sync.Mutex
	hosts []*hostMetrics // in the order added
}

// New returns a Metrics with its own registry, holding the host's
// families and the Go runtime's and the process's (go_*, process_*).
func New() *Metrics {
	f := family(CallDuration)
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		calls:    counterVec(Calls),
		errors:   counterVec(CallErrors),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: f.Name, Help: f.Help, Buckets: DurationBuckets}, f.Labels),
		denials:  counterVec(GuardDenials),
		sessions: counterVec(ProtocolSessions),
	}
	// Sessions are few and their outcomes known: both series exist from
	// the start, so a rate over them needs no first failure.
	m.sessions.WithLabelValues(OutcomeCompleted)
	m.sessions.WithLabelValues(OutcomeFailed)
	m.registry.MustRegister(m.calls, m.errors, m.duration, m.denials, m.sessions, pulled{m},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry is the registry the endpoint serves, for a program that
// serves it itself or adds its own collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

// Handler serves the registry in the Prometheus text (or protobuf)
// exposition format: at most maxScrapes at once (more are answered 503),
// each within scrapeTimeout.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{
		MaxRequestsInFlight: maxScrapes,
		Timeout:             scrapeTimeout,
		ErrorHandling:       promhttp.ContinueOnError,
	})
}

// SessionEnded counts a protocol session that ran to its end here:
// OutcomeCompleted, or OutcomeFailed. Any other outcome is a programming
// error and panics.
func (m *Metrics) SessionEnded(outcome string) {
	if outcome != OutcomeCompleted && outcome != OutcomeFailed {
		panic("metrics: unknown session outcome " + outcome)
	}
	m.sessions.WithLabelValues(outcome).Inc()
}

// AddHost exports h's plugins, calls and guard chain, labelled agent
// (its agent's name; "" for a plain host). Its calls count from now on.
// Adding two hosts under one agent name is a programming error and
// panics.
func (m *Metrics) AddHost(agent string, h *host.Host) {
	m.mu.Lock()
	for _, o := range m.hosts {
		if o.agent == agent {
			m.mu.Unlock()
			panic("metrics: agent " + agent + " added twice")
		}
	}
	hm := &hostMetrics{m: m, agent: agent, host: h, registry: h.Registry(), budgets: newBudgetKeys(maxBudgetKeys)}
	hm.unknown = opMetrics{calls: m.calls.WithLabelValues(agent, "", UnknownOp), latency: m.duration.WithLabelValues(agent, "", UnknownOp)}
	if h.Router().FlowBudgets() != nil { // a guarded agent: every guard's series from the start
		for _, g := range guardNames {
			m.denials.WithLabelValues(agent, g)
		}
	}
	m.hosts = append(m.hosts, hm)
	m.mu.Unlock()
	h.Router().Observe(hm.observe)
}

func (m *Metrics) hostsNow() []*hostMetrics {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*hostMetrics(nil), m.hosts...)
}

// UnknownOp is the op label of calls to an operation no plugin of the
// deployment serves: the name the caller sent is not a label value.
const UnknownOp = "unknown"

// otherLabel stands for a value outside a label's known set.
const otherLabel = "other"

var guardNames = []string{guard.GuardCapability, guard.GuardFlowBudget, guard.GuardJournalCoupling, guard.GuardLeakage}

// knownCodes are the effects vocabulary's error codes: the code label's
// values. A plugin answering with any other code counts as "other".
var knownCodes = map[effects.Code]bool{
	effects.CodeUnknownOp: true, effects.CodeInvalidArgs: true, effects.CodeDenied: true,
	effects.CodeUnavailable: true, effects.CodeTimeout: true, effects.CodeCancelled: true,
	effects.CodeNotFound: true, effects.CodeConflict: true, effects.CodeExhausted: true,
	effects.CodeInvalidConfig: true, effects.CodeInternal: true, effects.CodeInvalidSignature: true,
	effects.CodeUnknownDevice: true,
}

// hostMetrics is one host's share: its Router observer's cache of bound
// series per operation, and the budgets it sent on.
type hostMetrics struct {
	m        *Metrics
	agent    string
	host     *host.Host
	registry *effects.Registry

	ops     sync.Map // effects.OpID → *opMetrics, registered operations only
	unknown opMetrics
	budgets *budgetKeys
}

// opMetrics are an operation's series, bound once so that a call costs
// a few atomic adds and no label hashing.
type opMetrics struct {
	plugin  string
	calls   prometheus.Counter
	latency prometheus.Observer
	errors  sync.Map // effects.Code → prometheus.Counter, bound on the first error of each code
}

// observe is the Router observer: it runs on every call's goroutine.
func (hm *hostMetrics) observe(call *effects.Call, _ effects.Value, err error, elapsed time.Duration) {
	om := hm.op(call.Op)
	om.calls.Inc()
	om.latency.Observe(elapsed.Seconds())
	if err != nil {
		op := string(call.Op)
		if om == &hm.unknown {
			op = UnknownOp
		}
		code := effects.AsError(err).Code
		if !knownCodes[code] {
			code = otherLabel
		}
		c, ok := om.errors.Load(code)
		if !ok { // bounded: the known codes and "other"
			c, _ = om.errors.LoadOrStore(code, hm.m.errors.WithLabelValues(hm.agent, om.plugin, op, string(code)))
		}
		c.(prometheus.Counter).Inc()
		var d *guard.Denial
		if errors.As(err, &d) {
			g := d.Guard
			if !isGuard(g) {
				g = otherLabel
			}
			hm.m.denials.WithLabelValues(hm.agent, g).Inc()
		}
		return
	}
	if call.Op == effects.NetworkSendEnvelope {
		if env, e := guard.EnvelopeFromValue(call.Arg("envelope")); e == nil {
			hm.budgets.add(guard.BudgetKey{Context: env.Context, Peer: env.Destination})
		}
	}
}

// op is the operation's bound series; an operation the registry does not
// serve shares the unknown ones and is never cached, so no caller can
// grow the cache or the series.
func (hm *hostMetrics) op(op effects.OpID) *opMetrics {
	if v, ok := hm.ops.Load(op); ok {
		return v.(*opMetrics)
	}
	entry, ok := hm.registry.Lookup(op)
	if !ok {
		return &hm.unknown
	}
	om := &opMetrics{plugin: entry.Provider,
		calls:   hm.m.calls.WithLabelValues(hm.agent, entry.Provider, string(op)),
		latency: hm.m.duration.WithLabelValues(hm.agent, entry.Provider, string(op))}
	v, _ := hm.ops.LoadOrStore(op, om)
	return v.(*opMetrics)
}

func isGuard(g string) bool {
	for _, n := range guardNames {
		if n == g {
			return true
		}
	}
	return false
}

// RunOutcome is the outcome of a session that ended with the fault text
// fault: OutcomeCompleted when it is empty, else OutcomeFailed.
func RunOutcome(fault string) string {
	if fault == "" {
		return OutcomeCompleted
	}
	return OutcomeFailed
}

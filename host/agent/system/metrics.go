package system

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/guard"
)

// Bounds of the metrics, so that no caller can grow them: calls to an
// operation the registry does not serve count under "unknown", error
// codes beyond maxCodes under "other", and only the maxBudgetKeys budgets
// sent on last are watched for pressure.
const (
	maxCodes      = 64
	maxBudgetKeys = 1024
)

// metrics counts what the agent's router routed. A Router observer feeds
// it on every call's goroutine, so it only takes a lock and adds; there
// is one per agent, no global state.
type metrics struct {
	registry *effects.Registry

	mu       sync.Mutex
	calls    map[effects.OpID]uint64
	errors   map[effects.Code]uint64
	denials  map[string]uint64 // by guard
	count    uint64
	totalUS  uint64
	maxUS    uint64
	keys     map[guard.BudgetKey]bool // budgets sent on, for pressure
	keyOrder []guard.BudgetKey
}

func newMetrics(registry *effects.Registry) *metrics {
	return &metrics{registry: registry, calls: map[effects.OpID]uint64{}, errors: map[effects.Code]uint64{},
		denials: map[string]uint64{}, keys: map[guard.BudgetKey]bool{}}
}

// Observe is the Router observer (host.Router.Observe) that keeps the
// family's counters: install it before the agent's first call.
func (f *Family) Observe(call *effects.Call, result effects.Value, err error, elapsed time.Duration) {
	f.metrics.observe(call, result, err, elapsed)
}

func (m *metrics) observe(call *effects.Call, _ effects.Value, err error, elapsed time.Duration) {
	op := call.Op
	if !m.registry.Has(op) {
		op = "unknown"
	}
	us := uint64(max(elapsed.Microseconds(), 0))
	var key guard.BudgetKey
	sent := false
	if err == nil && call.Op == effects.NetworkSendEnvelope {
		if env, e := guard.EnvelopeFromValue(call.Arg("envelope")); e == nil {
			key, sent = guard.BudgetKey{Context: env.Context, Peer: env.Destination}, true
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls[op]++
	m.count++
	m.totalUS += us
	m.maxUS = max(m.maxUS, us)
	if err != nil {
		code := effects.AsError(err).Code
		if _, ok := m.errors[code]; !ok && len(m.errors) >= maxCodes {
			code = "other"
		}
		m.errors[code]++
		var d *guard.Denial
		if errors.As(err, &d) {
			m.denials[d.Guard]++
		}
	}
	if sent && !m.keys[key] {
		if len(m.keyOrder) >= maxBudgetKeys {
			delete(m.keys, m.keyOrder[0])
			m.keyOrder = m.keyOrder[1:]
		}
		m.keys[key] = true
		m.keyOrder = append(m.keyOrder, key)
	}
}

// sentOn is the budgets the agent sent on (the last maxBudgetKeys), those
// of ctxID only unless it is zero.
func (m *metrics) sentOn(ctxID effects.ContextID) []guard.BudgetKey {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []guard.BudgetKey
	for _, k := range m.keyOrder {
		if ctxID.IsZero() || k.Context == ctxID {
			out = append(out, k)
		}
	}
	return out
}

func (m *metrics) value() effects.Value {
	m.mu.Lock()
	defer m.mu.Unlock()
	calls := make(map[string]effects.Value, len(m.calls))
	for op, n := range m.calls {
		calls[string(op)] = effects.Uint(n)
	}
	errs := make(map[string]effects.Value, len(m.errors))
	for c, n := range m.errors {
		errs[string(c)] = effects.Uint(n)
	}
	den := make(map[string]effects.Value, len(m.denials))
	for g, n := range m.denials {
		den[g] = effects.Uint(n)
	}
	mean := uint64(0)
	if m.count > 0 {
		mean = m.totalUS / m.count
	}
	return effects.Map(map[string]effects.Value{
		"calls":         effects.Map(calls),
		"errors":        effects.Map(errs),
		"guard_denials": effects.Map(den),
		"latency": effects.Map(map[string]effects.Value{"count": effects.Uint(m.count),
			"mean_us": effects.Uint(mean), "max_us": effects.Uint(m.maxUS)}),
	})
}

// metricsValue is system.get_metrics: the counters, the pressure of the
// budgets sent on, the host's trace counts and the local health.
func (f *Family) metricsValue(ctx context.Context) (effects.Value, error) {
	fields := map[string]effects.Value{}
	for _, kv := range f.metrics.value().Fields() {
		fields[kv.Key] = kv.Value
	}
	h := f.agent.Host()
	p, err := BudgetPressure(ctx, h.Router().FlowBudgets(), f.metrics.sentOn(effects.ContextID{}))
	if err != nil {
		return effects.Value{}, err
	}
	fields["flow_budget_pressure"] = effects.Int(int64(p))
	tc := h.TraceCounts()
	fields["trace"] = effects.Map(map[string]effects.Value{"events": effects.Uint(tc.Events), "spans": effects.Uint(tc.Spans)})
	if snap, ok := f.agent.LocalHealth(); ok {
		fields["local_health"] = snap.Value()
	}
	return effects.Map(fields), nil
}

// BudgetPressure is the spent share, in percent (0-100), of the fullest
// flow budget among keys: 0 when none is stored. A stored budget with no
// limit has no headroom: 100.
func BudgetPressure(ctx context.Context, budgets *guard.FlowBudgetManager, keys []guard.BudgetKey) (int, error) {
	if budgets == nil {
		return 0, nil
	}
	worst := 0
	for _, k := range keys {
		b, ok, err := budgets.Get(ctx, k)
		if err != nil {
			return 0, err
		}
		if !ok {
			continue
		}
		p := 100
		if b.Limit > 0 {
			p = int(min(b.Spent, b.Limit) * 100 / b.Limit)
		}
		worst = max(worst, p)
	}
	return worst, nil
}

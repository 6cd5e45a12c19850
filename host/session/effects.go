package session

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/tracing"
	"github.com/aurahost/aura-host/vm"
)

// Effects is the vm.Effects of a hosted session: a RegistryEffects over
// the deployment's router (every invoke goes through the real plugins,
// seeded answers for everything else), plus the decide rules, and
// counters a progress reporter reads.
type Effects struct {
	inner *vm.RegistryEffects
	rules []Rule
	spans *tracing.Session // nil: not traced

	calls    atomic.Uint64
	mu       sync.Mutex
	last     vm.Caller // the latest request, for progress
	lastWhat string
}

var (
	_ vm.Effects           = (*Effects)(nil)
	_ vm.HandlerIdentifier = (*Effects)(nil)
)

// NewEffects wraps inner with the decide rules.
func NewEffects(inner *vm.RegistryEffects, rules []Rule) *Effects {
	return &Effects{inner: inner, rules: rules}
}

// Calls is how many requests the machine has made of the host.
func (h *Effects) Calls() uint64 { return h.calls.Load() }

func (h *Effects) note(c vm.Caller, what string) {
	h.calls.Add(1)
	h.mu.Lock()
	h.last, h.lastWhat = c, what
	h.mu.Unlock()
}

// Decide applies the first decide rule naming the role whose label the
// choice offers, and otherwise lets the seed choose.
func (h *Effects) Decide(ctx context.Context, req *vm.DecisionRequest) (string, error) {
	h.note(req.Caller, "decide")
	if label, ok := Pick(h.rules, req); ok {
		return label, nil
	}
	return h.inner.Decide(ctx, req)
}

// Payload answers a host() payload from the seed.
func (h *Effects) Payload(ctx context.Context, req *vm.PayloadRequest) (effects.Value, error) {
	h.note(req.Caller, "payload")
	return h.inner.Payload(ctx, req)
}

// Invoke routes an effect call to the deployment's router, under the
// calling role's span when the session is traced.
func (h *Effects) Invoke(ctx context.Context, call *effects.Call) (effects.Value, error) {
	if c, ok := vm.CallerFrom(ctx); ok {
		h.note(c, string(call.Op))
		ctx = h.spans.RoleContext(ctx, c.Role)
	}
	return h.inner.Invoke(ctx, call)
}

// Acquire takes a guard.
func (h *Effects) Acquire(ctx context.Context, req *vm.GuardRequest) (bool, error) {
	h.note(req.Caller, "acquire "+req.Guard)
	return h.inner.Acquire(ctx, req)
}

// Release gives a guard back.
func (h *Effects) Release(ctx context.Context, req *vm.GuardRequest) error {
	h.note(req.Caller, "release "+req.Guard)
	return h.inner.Release(ctx, req)
}

// Now answers the time from the seed (or, for an agent's session, its
// clock effect, a routed call under the role's span).
func (h *Effects) Now(ctx context.Context, req *vm.ClockRequest) (int64, error) {
	h.note(req.Caller, "now")
	return h.inner.Now(h.spans.RoleContext(ctx, req.Caller.Role), req)
}

// Random answers random bytes from the seed.
func (h *Effects) Random(ctx context.Context, req *vm.RandomRequest) ([]byte, error) {
	h.note(req.Caller, "random")
	return h.inner.Random(ctx, req)
}

// HandlerIdentity names the plugin serving op, for the trace.
func (h *Effects) HandlerIdentity(op effects.OpID) string { return h.inner.HandlerIdentity(op) }

// Progress is how far a running session has come, as its requests of
// the host show it.
type Progress struct {
	// Step is the machine's step at its latest request; Budget the
	// session's step budget.
	Step, Budget uint64
	// Calls is how many requests the machine has made of the host.
	Calls uint64
	// Role made the latest request, Last names it: an operation ID,
	// "decide", "payload", "acquire GUARD", ...
	Role, Last string
}

// Progress reads how far the session has come; budget is its step budget.
func (h *Effects) Progress(budget uint64) Progress {
	h.mu.Lock()
	c, what := h.last, h.lastWhat
	h.mu.Unlock()
	return Progress{Step: c.Step, Budget: budget, Calls: h.calls.Load(), Role: c.Role, Last: what}
}

// ReportProgress logs, every interval until ctx ends, how far the session
// has come: a long run is visibly alive, and a stuck effect call is
// named. It returns when ctx ends.
func (h *Effects) ReportProgress(ctx context.Context, interval time.Duration, budget uint64, logger hclog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	started := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			p := h.Progress(budget)
			logger.Info("session running", "elapsed", time.Since(started).Round(time.Second), "step", p.Step, "budget", budget,
				"host_calls", p.Calls, "last_role", p.Role, "last_call", p.Last)
		}
	}
}

package host

import (
	"context"
	"crypto/rand"
	"errors"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/tracing"
	"github.com/aurahost/aura-host/vm"
)

// VMEffects is the VM's effect boundary for a session run by an agent:
// invokes go through the agent's router (as RegistryEffects does when given
// it), and time comes from the agent's clock effect — virtual time in
// simulation — rather than the RegistryEffects's counter. Decisions and
// host() payloads stay seeded by the RegistryEffects; so does randomness
// in testing and simulation, where a seed must give the same run. In
// production a protocol's random bytes (its challenges, ceremony
// contexts, messages to sign) come from crypto/rand: seeded ones would be
// the same in every run of the same name, so a recorded approval of one
// challenge would answer the next.
type VMEffects struct {
	*vm.RegistryEffects
	router     *Router
	production bool
	spans      *tracing.Session // nil: the session is not traced
}

// NewVMEffects is the VM's effect boundary for sessions an agent runs over
// r in mode.
func NewVMEffects(r *Router, mode effects.Mode, cfg vm.RegistryEffectsConfig) *VMEffects {
	cfg.Handler = r
	return &VMEffects{RegistryEffects: vm.NewRegistryEffects(cfg), router: r, production: mode == effects.Production}
}

// TraceSession puts each role's routed calls under its span of s (from
// tracing.StartSession; nil: not traced). Call it before the session runs.
func (h *VMEffects) TraceSession(s *tracing.Session) { h.spans = s }

// IdempotentRetries is how many times the VM's effect boundary makes an
// idempotent call again after it failed retryable unavailable (a storage
// write a failing disk refused, a plugin that restarted under it), before
// the failure is the step's: the effect is safe to repeat, and a transient
// failure of one call need not fail the whole protocol run. Before each
// retry the role waits on the agent's clock (clock.sleep_ms: virtual time
// in simulation, where a role's machine may sleep), RetryBackoff doubled
// each time up to MaxRetryBackoff — 2.6 s in all — so that the retries
// outlast a passing failure rather than draw against it back to back; a
// deployment without a clock retries at once. A failure that persists
// still fails the role, visibly, with the last attempt's error. The step
// records only the call's final answer, so a replay (which calls no
// handler) is unchanged; in simulation each attempt's failure is a seeded
// draw and each wait virtual time, so a seed retries the same way every
// time.
const IdempotentRetries = 8

// RetryBackoff is the wait before the first retry of an idempotent call;
// MaxRetryBackoff caps the doubling.
const (
	RetryBackoff    = 10 * time.Millisecond
	MaxRetryBackoff = 640 * time.Millisecond
)

// Invoke routes an effect call through the agent's router, under the
// calling role's span when the session is traced, and retries an
// idempotent call that failed retryable unavailable (IdempotentRetries).
// An untraced session does not look for the caller: every VM effect call
// pays this method.
func (h *VMEffects) Invoke(ctx context.Context, call *effects.Call) (effects.Value, error) {
	if h.spans != nil {
		if c, ok := vm.CallerFrom(ctx); ok {
			ctx = h.spans.RoleContext(ctx, c.Role)
		}
	}
	v, err := h.RegistryEffects.Invoke(ctx, call)
	wait := RetryBackoff
	for range IdempotentRetries {
		if !h.worthRetrying(ctx, call.Op, err) {
			break
		}
		if h.backOff(ctx, call, wait) != nil {
			break // the caller gave up while it waited: the failure stands
		}
		wait = min(2*wait, MaxRetryBackoff)
		v, err = h.RegistryEffects.Invoke(ctx, call)
	}
	return v, err
}

// backOff waits d on the agent's clock before a retry of call, acting for
// the same authority, context and session; at once when the deployment
// serves no clock.
func (h *VMEffects) backOff(ctx context.Context, call *effects.Call, d time.Duration) error {
	if !h.router.Registry().Has(effects.ClockSleepMS) {
		return nil
	}
	sleep := &effects.Call{Op: effects.ClockSleepMS, Authority: call.Authority, Context: call.Context, Session: call.Session,
		Args: effects.Map(map[string]effects.Value{"ms": effects.Int(d.Milliseconds())})}
	_, err := h.RegistryEffects.Invoke(ctx, sleep)
	return err
}

// worthRetrying says whether a call of op that ended with err may be made
// again: it failed retryable unavailable, the operation is idempotent, and
// the caller has not given up.
func (h *VMEffects) worthRetrying(ctx context.Context, op effects.OpID, err error) bool {
	if err == nil || ctx.Err() != nil {
		return false
	}
	var e *effects.Error
	if !errors.As(err, &e) || e.Code != effects.CodeUnavailable || !e.Retryable {
		return false
	}
	entry, ok := h.router.Registry().Lookup(op)
	return ok && entry.Spec.Idempotent
}

// Acquire asks the session's own effects for a guard (RegistryEffects:
// one role of the session at a time) and records the answer in the
// router's SessionGuards — a hold, or a wait — for the guard-contention
// signal of the agent's other sessions.
func (h *VMEffects) Acquire(ctx context.Context, req *vm.GuardRequest) (bool, error) {
	ok, err := h.RegistryEffects.Acquire(ctx, req)
	if err != nil {
		return false, err
	}
	who := GuardHolder{Session: req.Session, Role: req.Role}
	if ok {
		h.router.SessionGuards().Acquired(who, req.Guard)
	} else {
		h.router.SessionGuards().Waiting(who, req.Guard)
	}
	return ok, nil
}

// Release gives a guard back to the session's effects and records it.
func (h *VMEffects) Release(ctx context.Context, req *vm.GuardRequest) error {
	if err := h.RegistryEffects.Release(ctx, req); err != nil {
		return err
	}
	h.router.SessionGuards().Released(GuardHolder{Session: req.Session, Role: req.Role}, req.Guard)
	return nil
}

// Random is crypto/rand's bytes in production, the seeded stream in the
// deterministic modes.
func (h *VMEffects) Random(ctx context.Context, req *vm.RandomRequest) ([]byte, error) {
	if !h.production {
		return h.RegistryEffects.Random(ctx, req)
	}
	if req.Bytes < 0 || req.Bytes > maxRandomBytes {
		return nil, effects.Errorf(effects.CodeInvalidArgs, "random: %d bytes asked, at most %d", req.Bytes, maxRandomBytes)
	}
	b := make([]byte, req.Bytes)
	if _, err := rand.Read(b); err != nil {
		return nil, effects.Errorf(effects.CodeInternal, "random: %v", err)
	}
	return b, nil
}

// maxRandomBytes bounds one random step.
const maxRandomBytes = 1 << 20

// Now reads the clock effect (clock.physical_time) when the deployment
// serves it, else falls back to the seeded counter.
func (h *VMEffects) Now(ctx context.Context, req *vm.ClockRequest) (int64, error) {
	if !h.router.Registry().Has(effects.ClockPhysicalTime) {
		return h.RegistryEffects.Now(ctx, req)
	}
	v, err := h.router.Invoke(h.spans.RoleContext(ctx, req.Caller.Role), &effects.Call{Op: effects.ClockPhysicalTime, Args: effects.Map(nil)})
	if err != nil {
		return 0, err
	}
	ms, _ := v.Get("ms")
	t, ok := ms.AsInt()
	if !ok {
		return 0, effects.Errorf(effects.CodeInternal, "clock.physical_time returned %v, not {ms: int}", v)
	}
	return t, nil
}

// ProgramRoles are the names of prog's roles, in order: the role spans of
// its sessions (tracing.StartSession).
func ProgramRoles(prog *vm.Program) []string {
	roles := make([]string, len(prog.Roles))
	for i, rc := range prog.Roles {
		roles[i] = rc.Role
	}
	return roles
}

// SessionStatus is how a session ended, from vm.RunSession's error, as its
// spans' Session.End takes it: done; faulted (the faulting role faulted,
// the others stopped); or error (the session could not run).
func SessionStatus(err error) (status string, roleStatus func(role string) string) {
	if err == nil {
		return "done", func(string) string { return "done" }
	}
	var fault *vm.Fault
	if !errors.As(err, &fault) {
		return "error", func(string) string { return "error" }
	}
	return "faulted", func(role string) string {
		if role == fault.Role {
			return "faulted"
		}
		return "stopped"
	}
}

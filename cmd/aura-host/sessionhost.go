package main

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/vm"
)

// decideRule is one --decide ROLE=LABEL: the label a role (or every role a
// pattern matches, "Guardian[*]") picks at a choice the protocol leaves
// to the host, whenever that choice offers the label.
type decideRule struct {
	pattern, label string
}

// parseDecideRules reads the --decide flags and checks them against the
// compiled protocols (one for ` + "`protocol run`" + `, one per run block for
// ` + "`simulate`" + `), so that a misspelt role or label is an error rather than a
// silently seeded choice. A rule is good if some role of some protocol it
// matches may be asked to choose its label.
func parseDecideRules(flags []string, progs ...*vm.Program) ([]decideRule, error) {
	var protocols, roles []string
	for _, prog := range progs {
		if !slices.Contains(protocols, prog.Protocol.Name) {
			protocols = append(protocols, prog.Protocol.Name)
		}
		for _, r := range prog.Protocol.Roles {
			if !slices.Contains(roles, r) {
				roles = append(roles, r)
			}
		}
	}
	var rules []decideRule
	for _, f := range flags {
		pattern, label, ok := strings.Cut(f, "=")
		if !ok || pattern == "" || label == "" {
			return nil, fmt.Errorf("--decide %q: want ROLE=LABEL, e.g. --decide 'Guardian[*]=Approve'", f)
		}
		if _, err := path.Match(pattern, ""); err != nil {
			return nil, fmt.Errorf("--decide %q: bad role pattern: %w", f, err)
		}
		r := decideRule{pattern, label}
		var matched []string
		var offered []string
		found := false
		for _, prog := range progs {
			for _, rc := range prog.Roles {
				if !r.matches(rc.Role) {
					continue
				}
				matched = append(matched, rc.Role)
				for _, l := range rc.HostDecidedLabels() {
					if l == label {
						found = true
					}
					if !slices.Contains(offered, l) {
						offered = append(offered, l)
					}
				}
			}
		}
		switch {
		case len(matched) == 0:
			return nil, fmt.Errorf("--decide %q: no role of %s is %s; the roles are %s", f, strings.Join(protocols, " or "), pattern, strings.Join(roles, ", "))
		case len(offered) == 0:
			return nil, fmt.Errorf("--decide %q: %s makes no choice left to the host (its choices, if any, have a decide rule)", f, pattern)
		case !found:
			return nil, fmt.Errorf("--decide %q: %s never chooses %s; the host decides among %s", f, pattern, label, strings.Join(offered, ", "))
		}
		rules = append(rules, r)
	}
	return rules, nil
}

// pick returns the label of the first rule that names the role and whose
// label the choice offers.
func pick(rules []decideRule, req *vm.DecisionRequest) (string, bool) {
	for _, r := range rules {
		if r.matches(req.Role) && slices.Contains(req.Labels, r.label) {
			return r.label, true
		}
	}
	return "", false
}

// matches reports whether the rule names role: exactly, or "Family[*]"
// for every member, or a shell pattern.
func (r decideRule) matches(role string) bool {
	if r.pattern == role {
		return true
	}
	if fam, ok := strings.CutSuffix(r.pattern, "[*]"); ok {
		return strings.HasPrefix(role, fam+"[") && strings.HasSuffix(role, "]")
	}
	ok, _ := path.Match(r.pattern, role)
	return ok
}

// sessionHost is the vm.Effects of `protocol run`: a RegistryEffects over the
// deployment's router (every invoke goes through the real plugins, seeded
// answers for everything else), plus the --decide rules, and counters the
// progress reporter reads.
type sessionHost struct {
	inner *vm.RegistryEffects
	rules []decideRule

	calls    atomic.Uint64
	mu       sync.Mutex
	last     vm.Caller // the latest request, for progress
	lastWhat string
}

var (
	_ vm.Effects           = (*sessionHost)(nil)
	_ vm.HandlerIdentifier = (*sessionHost)(nil)
)

func (h *sessionHost) note(c vm.Caller, what string) {
	h.calls.Add(1)
	h.mu.Lock()
	h.last, h.lastWhat = c, what
	h.mu.Unlock()
}

// Decide applies the first --decide rule naming the role whose label the
// choice offers, and otherwise lets the seed choose.
func (h *sessionHost) Decide(ctx context.Context, req *vm.DecisionRequest) (string, error) {
	h.note(req.Caller, "decide")
	if label, ok := pick(h.rules, req); ok {
		return label, nil
	}
	return h.inner.Decide(ctx, req)
}

func (h *sessionHost) Payload(ctx context.Context, req *vm.PayloadRequest) (effects.Value, error) {
	h.note(req.Caller, "payload")
	return h.inner.Payload(ctx, req)
}

func (h *sessionHost) Invoke(ctx context.Context, call *effects.Call) (effects.Value, error) {
	if c, ok := vm.CallerFrom(ctx); ok {
		h.note(c, string(call.Op))
	}
	return h.inner.Invoke(ctx, call)
}

func (h *sessionHost) Acquire(ctx context.Context, req *vm.GuardRequest) (bool, error) {
	h.note(req.Caller, "acquire "+req.Guard)
	return h.inner.Acquire(ctx, req)
}

func (h *sessionHost) Release(ctx context.Context, req *vm.GuardRequest) error {
	h.note(req.Caller, "release "+req.Guard)
	return h.inner.Release(ctx, req)
}

func (h *sessionHost) Now(ctx context.Context, req *vm.ClockRequest) (int64, error) {
	h.note(req.Caller, "now")
	return h.inner.Now(ctx, req)
}

func (h *sessionHost) Random(ctx context.Context, req *vm.RandomRequest) ([]byte, error) {
	h.note(req.Caller, "random")
	return h.inner.Random(ctx, req)
}

// HandlerIdentity names the plugin serving op, for the trace.
func (h *sessionHost) HandlerIdentity(op effects.OpID) string { return h.inner.HandlerIdentity(op) }

// reportProgress logs, every interval until stop is closed, how far the
// session has come: a long run is visibly alive, and a stuck effect call
// is named. It returns when stop is closed.
func (h *sessionHost) reportProgress(stop <-chan struct{}, interval time.Duration, budget uint64, logger hclog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	started := time.Now()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			h.mu.Lock()
			c, what := h.last, h.lastWhat
			h.mu.Unlock()
			logger.Info("session running", "elapsed", time.Since(started).Round(time.Second), "step", c.Step, "budget", budget,
				"host_calls", h.calls.Load(), "last_role", c.Role, "last_call", what)
		}
	}
}

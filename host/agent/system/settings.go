package system

import (
	"errors"
	"math"
	"slices"
	"strings"

	"github.com/hashicorp/go-hclog"

	"github.com/aurahost/aura-host/effects"
)

// Reconfigurer is a hosted service whose settings system.set_config may
// change while it runs. A service that does not implement it has
// read-only settings.
type Reconfigurer interface {
	// Reconfigure applies settings: the service's whole config block as a
	// map, by its kind's schema, with the one field set_config changed. An
	// error refuses the change and must leave the service as it was; its
	// message says what the service expects.
	Reconfigure(settings effects.Value) error
}

// Setting is one of the agent's settings as system.get_config and
// set_config see it, by path ("agent.flow_budget_limit",
// "service.NAME.FIELD").
type Setting struct {
	path  string
	field effects.ConfigField // kind and doc
	get   func() effects.Value
	// check refines the kind check (a range, a set of names): it returns
	// what is expected, or "" for a good value. Optional.
	check func(v effects.Value) string
	// set applies a checked value; nil: the setting is read-only.
	set func(v effects.Value) error
}

func (s *Setting) settable() bool { return s.set != nil }

// ServiceSetting is field f of the hosted service named service's config
// block: read from the settings it runs with (current), set through r's
// Reconfigure — read-only when r is nil — after which apply records the
// new block as the one it runs with.
func ServiceSetting(service string, f effects.ConfigField, current func() effects.Value, r Reconfigurer, apply func(effects.Value)) *Setting {
	s := &Setting{path: "service." + service + "." + f.Name, field: f,
		get: func() effects.Value { v, _ := current().Get(f.Name); return v }}
	if r == nil {
		return s
	}
	s.set = func(v effects.Value) error {
		fields := map[string]effects.Value{}
		for _, kv := range current().Fields() {
			fields[kv.Key] = kv.Value
		}
		fields[f.Name] = v
		next := effects.Map(fields)
		if err := r.Reconfigure(next); err != nil {
			return err
		}
		apply(next)
		return nil
	}
	return s
}

// coerce checks v against kind, as the deployment schema declares it,
// returning the value to store: an int for a uint field is taken when
// it is not negative (the CLI types numbers as ints), a uint for an int
// field when it fits. It returns what is expected when v does not fit.
func coerce(kind effects.Kind, v effects.Value) (effects.Value, string) {
	switch {
	case kind.Accepts(v.Kind()) && !v.IsNull():
		return v, ""
	case kind == effects.KindUint && v.Kind() == effects.KindInt:
		if i, _ := v.AsInt(); i >= 0 {
			return effects.Uint(uint64(i)), ""
		}
		return v, "a non-negative integer"
	case kind == effects.KindInt && v.Kind() == effects.KindUint:
		if u, _ := v.AsUint(); u <= math.MaxInt64 {
			return effects.Int(int64(u)), ""
		}
		return v, "an integer at most 9223372036854775807"
	}
	return v, "a value of kind " + kind.String()
}

// agentSettings are the agent's own settings.
func (f *Family) agentSettings() []*Setting {
	levels := []string{"trace", "debug", "info", "warn", "error", "off"}
	allow := make([]effects.Value, len(f.allow))
	for i, p := range f.allow {
		allow[i] = effects.String(p)
	}
	a := f.agent
	return []*Setting{
		{path: "agent.authority", field: effects.ConfigField{Kind: effects.KindString, Doc: "the authority the agent acts for"},
			get: func() effects.Value { return effects.String(a.AuthorityID().String()) }},
		{path: "agent.mode", field: effects.ConfigField{Kind: effects.KindString, Doc: "the execution mode"},
			get: func() effects.Value { return effects.String(string(a.Mode())) }},
		{path: "agent.allow", field: effects.ConfigField{Kind: effects.KindList, Doc: "the agent's capability patterns"},
			get: func() effects.Value { return effects.List(allow...) }},
		{path: "agent.flow_budget_limit", field: effects.ConfigField{Kind: effects.KindUint,
			Doc: "the limit set on a (context, peer) flow budget the agent first sends on; budgets already set keep theirs"},
			get: func() effects.Value { return effects.Uint(a.Host().Router().FlowBudgetLimit()) },
			set: func(v effects.Value) error {
				u, _ := v.AsUint()
				if !a.Host().Router().SetFlowBudgetLimit(u) {
					return errors.New("a running agent with a guard chain")
				}
				return nil
			}},
		{path: "agent.log_level", field: effects.ConfigField{Kind: effects.KindString, Doc: "the level of the agent's log"},
			get: func() effects.Value { return effects.String(f.logLevel()) },
			check: func(v effects.Value) string {
				if s, _ := v.AsString(); slices.Contains(levels, s) {
					return ""
				}
				return "one of " + strings.Join(levels, ", ")
			},
			set: func(v effects.Value) error {
				s, _ := v.AsString()
				f.logger.SetLevel(hclog.LevelFromString(s))
				f.level.Store(&s)
				return nil
			}},
	}
}

// logLevel is the level set_config last set, else the logger's.
func (f *Family) logLevel() string {
	if p := f.level.Load(); p != nil {
		return *p
	}
	return strings.ToLower(f.logger.GetLevel().String())
}

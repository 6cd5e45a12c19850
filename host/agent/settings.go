package agent

import (
	"errors"
	"fmt"
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

// setting is one of the agent's settings as system.get_config and
// set_config see it, by path ("agent.flow_budget_limit",
// "service.NAME.FIELD").
type setting struct {
	path  string
	field effects.ConfigField // kind and doc
	get   func() effects.Value
	// check refines the kind check (a range, a set of names): it returns
	// what is expected, or "" for a good value. Optional.
	check func(v effects.Value) string
	// set applies a checked value; nil: the setting is read-only.
	set func(v effects.Value) error
}

func (s *setting) settable() bool { return s.set != nil }

// ConfigKeyError is a key system.set_config cannot set: no setting has
// that path, or it is read-only.
type ConfigKeyError struct {
	Key      string
	ReadOnly bool     // a setting, but not one that changes at run time
	Settable []string // the keys that are settable, sorted
}

func (e *ConfigKeyError) Error() string {
	why := "is not a setting of this agent"
	if e.ReadOnly {
		why = "is read-only: it is fixed when the agent starts (change the deployment file and restart)"
	}
	keys := "none"
	if len(e.Settable) > 0 {
		keys = strings.Join(e.Settable, ", ")
	}
	return fmt.Sprintf("key %q %s; the settable keys are %s", e.Key, why, keys)
}

// ConfigValueError is a value system.set_config refused: the key, the
// value given and what the key's schema expects.
type ConfigValueError struct {
	Key      string
	Value    effects.Value
	Expected string
}

func (e *ConfigValueError) Error() string {
	return fmt.Sprintf("%s = %s: expected %s", e.Key, e.Value, e.Expected)
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
func (a *Agent) agentSettings() []*setting {
	levels := []string{"trace", "debug", "info", "warn", "error", "off"}
	allow := make([]effects.Value, len(a.allow))
	for i, p := range a.allow {
		allow[i] = effects.String(p)
	}
	return []*setting{
		{path: "agent.authority", field: effects.ConfigField{Kind: effects.KindString, Doc: "the authority the agent acts for"},
			get: func() effects.Value { return effects.String(a.AuthorityID().String()) }},
		{path: "agent.mode", field: effects.ConfigField{Kind: effects.KindString, Doc: "the execution mode"},
			get: func() effects.Value { return effects.String(string(a.mode)) }},
		{path: "agent.allow", field: effects.ConfigField{Kind: effects.KindList, Doc: "the agent's capability patterns"},
			get: func() effects.Value { return effects.List(allow...) }},
		{path: "agent.flow_budget_limit", field: effects.ConfigField{Kind: effects.KindUint,
			Doc: "the limit set on a (context, peer) flow budget the agent first sends on; budgets already set keep theirs"},
			get: func() effects.Value { return effects.Uint(a.Router().FlowBudgetLimit()) },
			set: func(v effects.Value) error {
				u, _ := v.AsUint()
				if !a.Router().SetFlowBudgetLimit(u) {
					return errors.New("a running agent with a guard chain")
				}
				return nil
			}},
		{path: "agent.log_level", field: effects.ConfigField{Kind: effects.KindString, Doc: "the level of the agent's log"},
			get: func() effects.Value { return effects.String(a.logLevel()) },
			check: func(v effects.Value) string {
				if s, _ := v.AsString(); slices.Contains(levels, s) {
					return ""
				}
				return "one of " + strings.Join(levels, ", ")
			},
			set: func(v effects.Value) error {
				s, _ := v.AsString()
				a.logger.SetLevel(hclog.LevelFromString(s))
				a.level.Store(&s)
				return nil
			}},
	}
}

// logLevel is the level set_config last set, else the logger's.
func (a *Agent) logLevel() string {
	if p := a.level.Load(); p != nil {
		return *p
	}
	return strings.ToLower(a.logger.GetLevel().String())
}

// serviceSetting is one field of a hosted service's config block: read
// from the settings it runs with, set through its Reconfigure (read-only
// when it has none).
func serviceSetting(name string, f effects.ConfigField, cur func() effects.Value, r Reconfigurer, apply func(effects.Value)) *setting {
	s := &setting{path: "service." + name + "." + f.Name, field: f,
		get: func() effects.Value { v, _ := cur().Get(f.Name); return v }}
	if r == nil {
		return s
	}
	s.set = func(v effects.Value) error {
		fields := map[string]effects.Value{}
		for _, kv := range cur().Fields() {
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

package system

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/aurahost/aura-host/effects"
)

// settings are every setting of the agent, sorted by path.
func (f *Family) settings() []*Setting {
	out := append(f.agentSettings(), f.agent.ServiceSettings()...)
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out
}

func settableKeys(all []*Setting) []string {
	var keys []string
	for _, s := range all {
		if s.settable() {
			keys = append(keys, s.path)
		}
	}
	return keys
}

// getConfig is system.get_config: one setting by key, or all by path.
func (f *Family) getConfig(call *effects.Call) (effects.Value, error) {
	all := f.settings()
	if key, ok := call.Arg("key").AsString(); ok {
		i := slices.IndexFunc(all, func(s *Setting) bool { return s.path == key })
		if i < 0 {
			paths := make([]string, len(all))
			for i, s := range all {
				paths[i] = s.path
			}
			return effects.Value{}, &effects.Error{Code: effects.CodeNotFound, Op: call.Op,
				Message: fmt.Sprintf("no setting %q: the settings are %s", key, strings.Join(paths, ", "))}
		}
		return all[i].get(), nil
	}
	out := make(map[string]effects.Value, len(all))
	for _, s := range all {
		out[s.path] = s.get()
	}
	return effects.Map(out), nil
}

// setConfig checks, applies and journals one setting. It applies before
// journaling, so that a fact never records a change a service refused;
// if the journal then fails, the previous value is put back. One change
// at a time.
func (f *Family) setConfig(ctx context.Context, call *effects.Call) (effects.Value, error) {
	f.configMu.Lock()
	defer f.configMu.Unlock()
	key, _ := call.Arg("key").AsString()
	raw := call.Arg("value")
	all := f.settings()
	i := slices.IndexFunc(all, func(s *Setting) bool { return s.path == key })
	if i < 0 || !all[i].settable() {
		e := &ConfigKeyError{Key: key, ReadOnly: i >= 0, Settable: settableKeys(all)}
		return effects.Value{}, &effects.Error{Code: effects.CodeInvalidArgs, Op: call.Op, Message: e.Error(), Err: e}
	}
	s := all[i]
	v, expected := coerce(s.field.Kind, raw)
	if expected == "" && s.check != nil {
		expected = s.check(v)
	}
	if expected != "" {
		return effects.Value{}, valueError(call.Op, key, raw, expected)
	}
	prev := s.get()
	if err := s.set(v); err != nil {
		return effects.Value{}, valueError(call.Op, key, raw, err.Error())
	}
	if err := f.journalConfigSet(ctx, key, v, prev); err != nil {
		if rerr := s.set(prev); rerr != nil {
			f.logger.Error("set_config: the journal failed and the previous value did not come back", "key", key, "error", rerr)
		}
		return effects.Value{}, err
	}
	f.logger.Info("setting changed", "key", key, "value", v.String(), "previous", prev.String())
	return effects.Map(map[string]effects.Value{"key": effects.String(key), "value": v, "previous": prev}), nil
}

// journalConfigSet journals the change as a system.config_set fact.
func (f *Family) journalConfigSet(ctx context.Context, key string, v, prev effects.Value) error {
	h := f.agent.Host()
	if !h.Registry().Has(effects.JournalAppendFact) {
		return &effects.Error{Code: effects.CodeUnavailable, Op: effects.SystemSetConfig,
			Message: `a setting change must be journaled, and no plugin serves journal.append_fact: add plugin "journal" { builtin = "journal" }`}
	}
	id := f.agent.AuthorityID()
	now := int64(0)
	if h.Registry().Has(effects.ClockPhysicalTime) {
		t, err := h.Invoke(ctx, &effects.Call{Op: effects.ClockPhysicalTime, Args: effects.Map(nil)})
		if err != nil {
			return err
		}
		ms, _ := t.Get("ms")
		if i, ok := ms.AsInt(); ok && i > 0 {
			now = i
		}
	}
	fact := effects.Map(map[string]effects.Value{
		"type":      effects.String("system"),
		"authority": effects.Bytes(id[:]),
		"time":      effects.Int(now),
		"predicate": effects.String(effects.PredicateConfigSet),
		"body":      effects.Map(map[string]effects.Value{"key": effects.String(key), "value": v, "previous": prev}),
	})
	_, err := h.Invoke(ctx, &effects.Call{Op: effects.JournalAppendFact, Args: effects.Map(map[string]effects.Value{"fact": fact})})
	if err != nil {
		return fmt.Errorf("journal %s: %w", effects.PredicateConfigSet, err)
	}
	return nil
}

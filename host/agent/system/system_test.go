package system_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/agent"
	"github.com/aurahost/aura-host/host/agent/system"
	"github.com/aurahost/aura-host/host/guard"
	"github.com/aurahost/aura-host/host/internal/hosttest"
	"github.com/aurahost/aura-host/host/lifecycle"
	"github.com/aurahost/aura-host/plugins"
)

func systemAgent(t *testing.T, allow string) *agent.Agent {
	t.Helper()
	dep := hosttest.Deployment(t, fmt.Sprintf(`
deployment "t" {}
agent "alice" {
  allow = [%s]
  flow_budget { limit = 10 }
}
plugin "clock"   { builtin = "clock" }
plugin "journal" { builtin = "journal" }
service "health" { builtin = "local_health_observer" }
`, allow))
	a, err := agent.NewBuilder().WithConfig(dep).WithAuthorityLabel("alice").WithBuiltins(plugins.Lookup, true).BuildTesting(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Shutdown(context.Background()) })
	return a
}

func setConfig(a *agent.Agent, key string, v effects.Value) (effects.Value, error) {
	return a.SetSetting(context.Background(), key, v)
}

func getConfig(t *testing.T, a *agent.Agent, key string) effects.Value {
	t.Helper()
	v, err := a.Invoke(context.Background(), effects.SystemGetConfig, effects.Map(map[string]effects.Value{"key": effects.String(key)}))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func configFacts(t *testing.T, a *agent.Agent) []effects.Value {
	t.Helper()
	v, err := a.Invoke(context.Background(), effects.JournalFactsByPredicate, effects.Map(map[string]effects.Value{"predicate": effects.String(effects.PredicateConfigSet)}))
	if err != nil {
		t.Fatal(err)
	}
	return v.Items()
}

// Acceptance 5: a value the schema rejects fails with a typed error at the
// value — invalid_args, naming the key, the value and what was expected —
// and changes and journals nothing.
func TestSetConfigRejectsAtTheValue(t *testing.T) {
	a := systemAgent(t, `"system.*", "local_health.*"`)
	tests := []struct {
		name     string
		key      string
		value    effects.Value
		readOnly bool     // a *ConfigKeyError for a read-only key
		unknown  bool     // a *ConfigKeyError for no such key
		expected string   // a *ConfigValueError expecting this
		mention  []string // the message also says these
	}{
		{name: "no such key", key: "agent.flow_budget", value: effects.Int(5), unknown: true,
			mention: []string{"agent.flow_budget_limit", "agent.log_level", "service.health.rtt_high_ms"}},
		{name: "read-only key", key: "agent.mode", value: effects.String("production"), readOnly: true, mention: []string{"read-only"}},
		{name: "read-only allow list", key: "agent.allow", value: effects.List(effects.String("*")), readOnly: true},
		{name: "wrong kind", key: "agent.flow_budget_limit", value: effects.String("lots"), expected: "a value of kind uint"},
		{name: "negative for a uint", key: "agent.flow_budget_limit", value: effects.Int(-5), expected: "a non-negative integer"},
		{name: "null", key: "agent.flow_budget_limit", value: effects.Null(), expected: "a value of kind uint"},
		{name: "not one of the names", key: "agent.log_level", value: effects.String("loud"), expected: "one of trace, debug, info, warn, error, off"},
		{name: "wrong kind for a service field", key: "service.health.rtt_high_ms", value: effects.Bool(true), expected: "a value of kind int"},
		{name: "the service refuses: low above high", key: "service.health.rtt_low_ms", value: effects.Int(900), expected: "each low is below its high"},
		{name: "the service refuses: fixed at start", key: "service.health.poll_interval_ms", value: effects.Int(20_000), expected: "fixed at start"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, err := a.Settings(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			_, err = setConfig(a, tt.key, tt.value)
			var ee *effects.Error
			if !errors.As(err, &ee) || ee.Code != effects.CodeInvalidArgs || ee.Op != effects.SystemSetConfig {
				t.Fatalf("set_config %s = %v: %v, want invalid_args", tt.key, tt.value, err)
			}
			if !strings.Contains(err.Error(), tt.key) {
				t.Errorf("%q does not name the key %s", err, tt.key)
			}
			var ke *system.ConfigKeyError
			var ve *system.ConfigValueError
			switch {
			case tt.unknown || tt.readOnly:
				if !errors.As(err, &ke) || ke.Key != tt.key || ke.ReadOnly != tt.readOnly || len(ke.Settable) == 0 {
					t.Fatalf("%v: want a *ConfigKeyError for %s (read-only %v) listing the settable keys", err, tt.key, tt.readOnly)
				}
			default:
				if !errors.As(err, &ve) || ve.Key != tt.key || !ve.Value.Equal(tt.value) || !strings.Contains(ve.Expected, tt.expected) {
					t.Fatalf("%v: want a *ConfigValueError at %s = %v expecting %q", err, tt.key, tt.value, tt.expected)
				}
				if !strings.Contains(err.Error(), tt.value.String()) {
					t.Errorf("%q does not show the value %v", err, tt.value)
				}
			}
			for _, m := range tt.mention {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("%q does not mention %q", err, m)
				}
			}
			after, _ := a.Invoke(context.Background(), effects.SystemGetConfig, effects.Map(nil))
			if !after.Equal(before) {
				t.Fatalf("a refused set_config changed the settings:\n%v\n%v", before, after)
			}
			if facts := configFacts(t, a); len(facts) != 0 {
				t.Fatalf("a refused set_config journaled %v", facts)
			}
		})
	}
}

func TestSetConfigAppliesAndJournals(t *testing.T) {
	a := systemAgent(t, `"system.*"`)
	if got := getConfig(t, a, "agent.flow_budget_limit"); !got.Equal(effects.Uint(10)) {
		t.Fatalf("flow_budget_limit = %v, want the deployment's 10", got)
	}
	out, err := setConfig(a, "agent.flow_budget_limit", effects.Int(42)) // an int, as the CLI types it
	if err != nil {
		t.Fatal(err)
	}
	if prev, _ := out.Get("previous"); !prev.Equal(effects.Uint(10)) {
		t.Fatalf("set_config returned %v, want previous 10", out)
	}
	if got := a.Router().FlowBudgetLimit(); got != 42 {
		t.Fatalf("the guard chain's limit is %d after set_config, want 42", got)
	}
	if _, err := setConfig(a, "service.health.rtt_high_ms", effects.Int(1500)); err != nil {
		t.Fatal(err)
	}
	if got := getConfig(t, a, "service.health.rtt_high_ms"); !got.Equal(effects.Int(1500)) {
		t.Fatalf("rtt_high_ms = %v after set_config, want 1500", got)
	}
	// The observer applies a new threshold: 90 % fill no longer degrades
	// it once queue_high_pct is 95 (it would at the default 80).
	if _, err := setConfig(a, "service.health.queue_high_pct", effects.Int(95)); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := a.Invoke(context.Background(), effects.LocalHealthObserveQueue, effects.Map(map[string]effects.Value{"fill_ppm": effects.Int(900_000)})); err != nil {
			t.Fatal(err)
		}
	}
	if h := a.Services()[0].Health; h.State != lifecycle.Healthy {
		t.Fatalf("observer %s at 90 %% fill with queue_high_pct 95, want healthy", h)
	}
	if _, err := setConfig(a, "agent.log_level", effects.String("warn")); err != nil {
		t.Fatal(err)
	}
	if got := getConfig(t, a, "agent.log_level"); !got.Equal(effects.String("warn")) {
		t.Fatalf("log_level = %v, want warn", got)
	}
	facts := configFacts(t, a)
	if len(facts) != 4 {
		t.Fatalf("%d system.config_set facts, want 4: %v", len(facts), facts)
	}
	var keys []string
	for _, f := range facts {
		body, _ := f.Get("body")
		k, _ := body.Get("key")
		s, _ := k.AsString()
		keys = append(keys, s)
		if s == "" || body.Len() != 3 {
			t.Fatalf("fact body %v: want key, value, previous", body)
		}
	}
	for _, want := range []string{"agent.flow_budget_limit", "service.health.rtt_high_ms", "agent.log_level"} {
		if !strings.Contains(strings.Join(keys, " "), want) {
			t.Fatalf("journaled keys %v lack %s", keys, want)
		}
	}
	_, err = a.Invoke(context.Background(), effects.SystemGetConfig, effects.Map(map[string]effects.Value{"key": effects.String("agent.nope")}))
	if !errors.Is(err, effects.ErrNotFound) || !strings.Contains(err.Error(), "agent.flow_budget_limit") {
		t.Fatalf("get_config of no setting: %v, want not_found listing the settings", err)
	}
}

// An attacker inside the agent's boundary — a plugin's callback, a
// protocol's invoke — without the capability cannot change a setting:
// the guard chain denies set_config before the handler, and nothing is
// journaled, not even the guard's own operation fact.
func TestAttackSetConfigWithoutCapabilityIsDenied(t *testing.T) {
	for _, allow := range []string{``, `"system.get_config", "system.health_check"`, `"journal.*"`} {
		t.Run("allow=["+allow+"]", func(t *testing.T) {
			a := systemAgent(t, allow)
			_, err := setConfig(a, "agent.flow_budget_limit", effects.Int(1_000_000))
			var d *guard.Denial
			if !errors.Is(err, effects.ErrDenied) || !errors.As(err, &d) || d.Guard != guard.GuardCapability {
				t.Fatalf("set_config without the capability: %v, want the capability guard's denial", err)
			}
			if got := a.Router().FlowBudgetLimit(); got != 10 {
				t.Fatalf("the limit is %d after a denied set_config, want 10", got)
			}
			if facts := configFacts(t, a); len(facts) != 0 {
				t.Fatalf("a denied set_config journaled %v", facts)
			}
			all, err := a.Invoke(context.Background(), effects.JournalGetJournal, effects.Map(nil))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(all.String(), string(effects.SystemSetConfig)) {
				t.Fatalf("a denied set_config left a fact: %v", all)
			}
			// Reading needs no capability.
			if _, err := a.Invoke(context.Background(), effects.SystemGetConfig, effects.Map(nil)); err != nil {
				t.Fatalf("get_config: %v", err)
			}
		})
	}
}

func TestHealthCheckAndMetrics(t *testing.T) {
	a := systemAgent(t, `"local_health.*"`)
	ctx := context.Background()
	check := func() effects.Value {
		v, err := a.Invoke(ctx, effects.SystemHealthCheck, effects.Map(nil))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	v := check()
	if st, _ := v.Get("state"); !st.Equal(effects.String("healthy")) {
		t.Fatalf("health_check = %v, want healthy", v)
	}
	plugins, _ := v.Get("plugins")
	if j, _ := plugins.Get("journal"); !j.Equal(effects.String("ready")) {
		t.Fatalf("plugins %v: want journal ready", plugins)
	}
	// A full inbound queue degrades the local health observer, hence the agent.
	for range 3 {
		if _, err := a.Invoke(ctx, effects.LocalHealthObserveQueue, effects.Map(map[string]effects.Value{"fill_ppm": effects.Int(1_000_000)})); err != nil {
			t.Fatal(err)
		}
	}
	v = check()
	reasons, _ := v.Get("reasons")
	if st, _ := v.Get("state"); !st.Equal(effects.String("degraded")) || !strings.Contains(reasons.String(), "service health is degraded (queue") {
		t.Fatalf("health_check = %v, want degraded by the observer's queue signal", v)
	}
	if s := a.Services()[0]; s.Health.State != lifecycle.Degraded {
		t.Fatalf("status shows %s, want the observer degraded", s.Health)
	}
	// An error, a guard denial and unknown operations are counted, the
	// latter under one key however many names a caller makes up.
	_, _ = a.Invoke(ctx, effects.LocalHealthObserveQueue, effects.Map(map[string]effects.Value{"fill_ppm": effects.Int(-1)}))
	_, _ = setConfig(a, "agent.log_level", effects.String("debug"))
	for i := range 50 {
		_, _ = a.Invoke(ctx, effects.OpID(fmt.Sprintf("made.up_%d", i)), effects.Map(nil))
	}
	m, err := a.Metrics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	calls, _ := m.Get("calls")
	if n, _ := calls.Get("unknown"); !n.Equal(effects.Uint(50)) || calls.Len() > 8 {
		t.Fatalf("calls %v: want 50 under unknown and no key per made-up name", calls)
	}
	if n, _ := calls.Get(string(effects.LocalHealthObserveQueue)); !n.Equal(effects.Uint(4)) {
		t.Fatalf("calls %v: want 4 observe_queue", calls)
	}
	errs, _ := m.Get("errors")
	denials, _ := m.Get("guard_denials")
	if n, _ := errs.Get("invalid_args"); !n.Equal(effects.Uint(1)) {
		t.Fatalf("errors %v: want one invalid_args", errs)
	}
	if n, _ := denials.Get(guard.GuardCapability); !n.Equal(effects.Uint(1)) {
		t.Fatalf("guard_denials %v: want one capability denial", denials)
	}
	lh, _ := m.Get("local_health")
	if st, _ := lh.Get("state"); !st.Equal(effects.String("degraded")) {
		t.Fatalf("local_health %v: want degraded", lh)
	}
	for _, k := range []string{"latency", "flow_budget_pressure", "trace"} {
		if _, ok := m.Get(k); !ok {
			t.Fatalf("metrics %v lack %s", m, k)
		}
	}
}

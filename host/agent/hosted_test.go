package agent_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/agent"
	"github.com/aurahost/aura-host/host/agent/builtin"
	"github.com/aurahost/aura-host/host/lifecycle"
	"github.com/aurahost/aura-host/plugins"
)

// recorder is a builtin service kind for tests: it logs its starts and
// stops, and serves one operation answering its configured greeting.
type recorder struct {
	lifecycle.Tracker
	greeting string
	log      *eventLog
	name     string
	agent    builtin.Agent
}

type eventLog struct {
	mu     sync.Mutex
	events []string
}

func (l *eventLog) add(e string) {
	l.mu.Lock()
	l.events = append(l.events, e)
	l.mu.Unlock()
}

func (r *recorder) Name() string           { return r.name }
func (r *recorder) Dependencies() []string { return nil }
func (r *recorder) Start(ctx context.Context) error {
	// From Start on, the agent's operations work: the plugins run.
	if _, err := r.agent.Invoke(ctx, "clock.physical_time", effects.Map(nil)); err != nil {
		return err
	}
	r.log.add("start " + r.name)
	r.Set(lifecycle.Healthy, "")
	return nil
}
func (r *recorder) Stop(context.Context) error {
	r.log.add("stop " + r.name)
	r.Set(lifecycle.Stopped, "")
	return nil
}
func (r *recorder) Invoke(_ context.Context, call *effects.Call) (effects.Value, error) {
	return effects.String(r.greeting + " from " + r.name), nil
}

func recorderKind(kind string, log *eventLog) builtin.ServiceKind {
	return builtin.ServiceKind{
		Kind:   kind,
		Doc:    "logs its starts and stops",
		Config: []effects.ConfigField{{Name: "greeting", Kind: effects.KindString, Default: effects.String("hello")}},
		Ops: []effects.OpSpec{{ID: effects.OpID(kind + ".greet"), Result: effects.KindString, Idempotent: true,
			Determinism: effects.Pure}},
		Dependencies: []string{"clock", "absent"},
		New: func(env builtin.ServiceEnv) (builtin.HostedService, error) {
			v, _ := env.Settings.Get("greeting")
			g, _ := v.AsString()
			return &recorder{greeting: g, log: log, name: env.Name, agent: env.Agent}, nil
		},
	}
}

// Builtin services start after the plugins, in dependency order (ties in
// declaration order), report their health, serve their operations through
// the router, and stop in reverse order on Shutdown.
func TestBuiltinServicesStartInOrderAndStopInReverse(t *testing.T) {
	log := &eventLog{}
	for _, k := range []string{"rec_a", "rec_b", "rec_c"} {
		defer agent.AddServiceKind(recorderKind(k, log))()
	}
	dep := deployment(t, `
deployment "t" {}
plugin "clock" { builtin = "clock" }
service "third" {
  builtin    = "rec_c"
  depends_on = ["second"]
}
service "second" {
  builtin    = "rec_b"
  depends_on = ["first", "clock"]
  config { greeting = "hi" }
}
service "first" { builtin = "rec_a" }
service "timekeeper" { plugin = "clock" }
`)
	a, err := agent.NewBuilder().WithConfig(dep).WithAuthorityLabel("a").WithBuiltins(plugins.Lookup, true).BuildTesting(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got, err := a.Invoke(context.Background(), "rec_b.greet", effects.Map(nil))
	if s, _ := got.AsString(); err != nil || s != "hi from second" {
		t.Fatalf("rec_b.greet: %v, %v; want the configured greeting", got, err)
	}
	var names []string
	for _, s := range a.Services() {
		if s.Health.State != lifecycle.Healthy {
			t.Errorf("%s: %s, want healthy", s.Name, s.Health)
		}
		names = append(names, s.Name)
	}
	// A service on a plugin is listed too, first: its plugin started
	// before every hosted service.
	if want := []string{"timekeeper", "first", "second", "third"}; !slices.Equal(names, want) {
		t.Fatalf("status order %v, want %v", names, want)
	}
	if s := a.Services()[2]; !slices.Equal(s.Dependencies, []string{"first", "clock"}) {
		t.Fatalf("second depends on %v: the kind's default clock is already listed, absent is not declared", s.Dependencies)
	}
	if err := a.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := []string{"start first", "start second", "start third", "stop third", "stop second", "stop first"}
	if !slices.Equal(log.events, want) {
		t.Fatalf("events %v, want %v", log.events, want)
	}
	for _, s := range a.Services() {
		if s.Health.State != lifecycle.Stopped {
			t.Errorf("%s after Shutdown: %s", s.Name, s.Health)
		}
	}
}

// A builtin service's mistakes are diagnostics at their line: an unknown
// kind (naming those that exist), a config value of the wrong kind, two
// blocks of one kind (whose operations one service serves).
func TestBuiltinServiceMistakesAreDiagnostics(t *testing.T) {
	log := &eventLog{}
	defer agent.AddServiceKind(recorderKind("rec_a", log))()
	tests := []struct {
		name, src, want string
	}{
		{"unknown kind", `service "x" { builtin = "rec_z" }`, `t.hcl:3,25-32: Unknown builtin service; Service "x" asks for builtin "rec_z", which the agent runtime does not host. It hosts`},
		{"wrong kind of value", `service "x" {
  builtin = "rec_a"
  config { greeting = 7 }
}`, `t.hcl:5,23-24: Invalid config value; greeting of service "x" must be a string`},
		{"unknown setting", `service "x" {
  builtin = "rec_a"
  config { greting = "x" }
}`, `Service "x" has no config setting "greting". Did you mean "greeting"?`},
		{"one kind twice", `service "x" { builtin = "rec_a" }
service "y" { builtin = "rec_a" }`, `t.hcl:4,25-32: Builtin service declared twice; Service "y" is a second rec_a service`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dep := deployment(t, "deployment \"t\" {}\nplugin \"clock\" { builtin = \"clock\" }\n"+tt.src+"\n")
			_, err := agent.NewBuilder().WithConfig(dep).WithAuthorityLabel("a").WithBuiltins(plugins.Lookup, true).BuildTesting(context.Background())
			var be *agent.BuildError
			var de *host.DiagnosticsError
			if !errors.As(err, &be) || be.Kind != agent.InvalidConfig || !errors.As(err, &de) {
				t.Fatalf("got %v, want an invalid_config build error with diagnostics", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
	if len(log.events) > 0 {
		t.Fatalf("a refused deployment started services: %v", log.events)
	}
}

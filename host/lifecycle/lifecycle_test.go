package lifecycle_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aurahost/aura-host/host/lifecycle"
)

// fake is a service that records its starts and stops in a shared log.
type fake struct {
	lifecycle.Tracker
	name      string
	deps      []string
	log       *[]string
	mu        *sync.Mutex
	startErr  error
	afterInit lifecycle.State // state after a nil Start; default healthy
	hangStop  chan struct{}   // Stop blocks until closed
}

func (f *fake) Name() string           { return f.name }
func (f *fake) Dependencies() []string { return f.deps }
func (f *fake) Start(context.Context) error {
	f.mu.Lock()
	*f.log = append(*f.log, "start "+f.name)
	f.mu.Unlock()
	if f.startErr != nil {
		f.Set(lifecycle.Unhealthy, f.startErr.Error())
		return f.startErr
	}
	f.Set(cmpState(f.afterInit, lifecycle.Healthy), "")
	return nil
}
func (f *fake) Stop(ctx context.Context) error {
	f.mu.Lock()
	*f.log = append(*f.log, "stop "+f.name)
	f.mu.Unlock()
	if f.hangStop != nil {
		select {
		case <-f.hangStop:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	f.Set(lifecycle.Stopped, "")
	return nil
}

func cmpState(a, b lifecycle.State) lifecycle.State {
	if a != "" {
		return a
	}
	return b
}

type world struct {
	log []string
	mu  sync.Mutex
}

func (w *world) svc(name string, deps ...string) *fake {
	return &fake{name: name, deps: deps, log: &w.log, mu: &w.mu}
}

func TestStartsInDependencyOrderStopsInReverse(t *testing.T) {
	w := &world{}
	var events []string
	m := lifecycle.New(lifecycle.Config{External: func(n string) bool { return n == "journal" || n == "transport" },
		OnEvent: func(e lifecycle.Event) {
			verb := "started"
			if e.Stopped {
				verb = "stopped"
			}
			events = append(events, e.Service+" "+verb+" "+string(e.Health.State))
		}})
	for _, s := range []*fake{
		w.svc("receipt_manager", "flow_budget_manager"),
		w.svc("sync_service", "journal", "transport", "receipt_manager"),
		w.svc("flow_budget_manager"),
		w.svc("local_health_observer"),
	} {
		if err := m.Add(s); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, st := range m.Status() {
		if st.Health.State != lifecycle.Healthy || st.Order == 0 {
			t.Errorf("%s: %+v, want healthy and ordered", st.Name, st)
		}
	}
	if err := m.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := m.Stop(context.Background()); err != nil {
		t.Fatalf("second Stop: %v, want a no-op", err)
	}
	want := []string{
		"start flow_budget_manager", "start receipt_manager", "start sync_service", "start local_health_observer",
		"stop local_health_observer", "stop sync_service", "stop receipt_manager", "stop flow_budget_manager",
	}
	if !slices.Equal(w.log, want) {
		t.Fatalf("log:\n%s\nwant:\n%s", strings.Join(w.log, "\n"), strings.Join(want, "\n"))
	}
	for _, st := range m.Status() {
		if st.Health.State != lifecycle.Stopped {
			t.Errorf("%s after Stop: %s", st.Name, st.Health)
		}
	}
	if len(events) != 8 || events[0] != "flow_budget_manager started healthy" || events[7] != "flow_budget_manager stopped stopped" {
		t.Fatalf("events %q", events)
	}
}

func TestStartRefusals(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name     string
		services func(w *world) []*fake
		wantErr  string
		wantLog  []string
	}{
		{
			name: "cycle",
			services: func(w *world) []*fake {
				return []*fake{w.svc("a", "b"), w.svc("b", "c"), w.svc("c", "a")}
			},
			wantErr: "cycle: a → b → c → a",
		},
		{
			name:     "unknown dependency",
			services: func(w *world) []*fake { return []*fake{w.svc("a", "nowhere")} },
			wantErr:  "depends on nowhere, which is neither a service nor a plugin",
		},
		{
			name: "start fails: the started ones stop, last first",
			services: func(w *world) []*fake {
				c := w.svc("c", "b")
				c.startErr = boom
				return []*fake{w.svc("a"), w.svc("b", "a"), c, w.svc("d", "c")}
			},
			wantErr: "service c did not start: boom",
			wantLog: []string{"start a", "start b", "start c", "stop c", "stop b", "stop a"},
		},
		{
			name: "not operational after start",
			services: func(w *world) []*fake {
				b := w.svc("b")
				b.afterInit = lifecycle.Unhealthy
				return []*fake{w.svc("a"), b}
			},
			wantErr: "service b started but is unhealthy, not operational",
			wantLog: []string{"start a", "start b", "stop b", "stop a"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &world{}
			m := lifecycle.New(lifecycle.Config{})
			for _, s := range tt.services(w) {
				if err := m.Add(s); err != nil {
					t.Fatal(err)
				}
			}
			err := m.Start(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Start: %v, want %q", err, tt.wantErr)
			}
			if !slices.Equal(w.log, tt.wantLog) {
				t.Fatalf("log %q, want %q", w.log, tt.wantLog)
			}
		})
	}
}

func TestStopTimesOutAServiceThatHangs(t *testing.T) {
	w := &world{}
	m := lifecycle.New(lifecycle.Config{StopTimeout: 50 * time.Millisecond})
	hung := w.svc("hung")
	hung.hangStop = make(chan struct{})
	defer close(hung.hangStop)
	if err := errors.Join(m.Add(w.svc("first")), m.Add(hung)); err != nil {
		t.Fatal(err)
	}
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	err := m.Stop(context.Background())
	var se *lifecycle.StopError
	if !errors.As(err, &se) || len(se.Failed) != 1 || se.Failed["hung"] == nil {
		t.Fatalf("Stop: %v, want hung failing alone", err)
	}
	if got := w.log[len(w.log)-1]; got != "stop first" {
		t.Fatalf("last: %q: the services before a hung one are still stopped", got)
	}
}

func TestTrackerDegradesOnlyOperationalServices(t *testing.T) {
	var tr lifecycle.Tracker
	tests := []struct {
		do   func()
		want lifecycle.Health
	}{
		{func() {}, lifecycle.Health{State: lifecycle.NotStarted}},
		{func() { tr.Degrade("x") }, lifecycle.Health{State: lifecycle.NotStarted}},
		{func() { tr.Set(lifecycle.Healthy, "") }, lifecycle.Health{State: lifecycle.Healthy}},
		{func() { tr.Degrade("invitations: timeout") }, lifecycle.Health{State: lifecycle.Degraded, Reason: "invitations: timeout"}},
		{func() { tr.Recover() }, lifecycle.Health{State: lifecycle.Healthy}},
		{func() { tr.Set(lifecycle.Stopped, "") }, lifecycle.Health{State: lifecycle.Stopped}},
		{func() { tr.Recover() }, lifecycle.Health{State: lifecycle.Stopped}},
	}
	for i, tt := range tests {
		tt.do()
		if got := tr.Health(); got != tt.want {
			t.Fatalf("step %d: %+v, want %+v", i, got, tt.want)
		}
	}
}

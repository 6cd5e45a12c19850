package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// State is a service's health state (AURA-SPEC §5 ServiceHealth).
type State string

// The states. Healthy and Degraded are operational.
const (
	NotStarted State = "not_started"
	Starting   State = "starting"
	Healthy    State = "healthy"
	Degraded   State = "degraded"
	Unhealthy  State = "unhealthy"
	Stopping   State = "stopping"
	Stopped    State = "stopped"
)

// Health is a service's state and, when degraded or unhealthy, why.
type Health struct {
	State  State  `json:"state"`
	Reason string `json:"reason,omitempty"`
}

// Operational reports whether the service can serve: healthy or degraded.
func (h Health) Operational() bool { return h.State == Healthy || h.State == Degraded }

func (h Health) String() string {
	if h.Reason == "" {
		return string(h.State)
	}
	return string(h.State) + " (" + h.Reason + ")"
}

// Service is a runtime service (AURA-SPEC §5 RuntimeService).
type Service interface {
	// Name is the service's name, unique in its Manager.
	Name() string
	// Dependencies name the services (or external components: plugins)
	// that must be started first.
	Dependencies() []string
	// Start starts the service; once it returns nil, Health must be
	// operational. ctx bounds start-up only.
	Start(ctx context.Context) error
	// Stop stops the service; once it returns, Health must be Stopped.
	Stop(ctx context.Context) error
	// Health is the service's current health; it must not block.
	Health() Health
}

// DefaultStopTimeout is how long Stop waits for one service (AURA-SPEC §5).
const DefaultStopTimeout = 5 * time.Second

// Config configures a Manager.
type Config struct {
	// External reports whether a dependency that is no service of the
	// Manager names something already running (a plugin of the host).
	// Default: nothing is external.
	External func(name string) bool
	// StopTimeout bounds each service's Stop. Default DefaultStopTimeout.
	StopTimeout time.Duration
	// OnEvent, if set, is told of each service once its Start or Stop
	// returned (the agent logs them), in the order they happen.
	OnEvent func(Event)
}

// Event is a service's start or stop, done.
type Event struct {
	Service string
	// Stopped: a stop; otherwise a start.
	Stopped bool
	Health  Health // after the Start or Stop
	Err     error  // what Start or Stop returned
}

// Status is one service's place and health, as `status` reports it.
type Status struct {
	Name         string   `json:"name"`
	Dependencies []string `json:"dependencies,omitempty"`
	// Order is the service's position in the start order, from 1 (0: not
	// started yet).
	Order  int    `json:"order,omitempty"`
	Health Health `json:"health"`
}

// Manager starts and stops a set of services (AURA-SPEC §5
// LifecycleManager). Its methods are safe for concurrent use.
type Manager struct {
	cfg Config

	mu       sync.Mutex
	services []Service
	started  []Service // in start order
	stopped  bool
}

// New returns an empty Manager.
func New(cfg Config) *Manager {
	if cfg.StopTimeout <= 0 {
		cfg.StopTimeout = DefaultStopTimeout
	}
	if cfg.External == nil {
		cfg.External = func(string) bool { return false }
	}
	return &Manager{cfg: cfg}
}

// Add adds a service; its name must be new. Services are added before
// Start.
func (m *Manager) Add(s Service) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.started != nil || m.stopped {
		return fmt.Errorf("lifecycle: service %s added after start", s.Name())
	}
	if m.lookup(s.Name()) != nil {
		return fmt.Errorf("lifecycle: two services are named %s", s.Name())
	}
	m.services = append(m.services, s)
	return nil
}

// Lookup returns the service named name, or nil.
func (m *Manager) Lookup(name string) Service {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lookup(name)
}

func (m *Manager) lookup(name string) Service {
	for _, s := range m.services {
		if s.Name() == name {
			return s
		}
	}
	return nil
}

// CycleError is a dependency cycle among services.
type CycleError struct {
	Cycle []string // the names around the cycle, the first repeated last
}

func (e *CycleError) Error() string {
	return "lifecycle: services depend on each other in a cycle: " + strings.Join(e.Cycle, " → ")
}

// StartError is a service that did not start, or was not operational
// once started.
type StartError struct {
	Service string
	Health  Health // its health after Start
	Err     error  // what Start returned; nil if it returned nil but was not operational
}

func (e *StartError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("lifecycle: service %s did not start: %v", e.Service, e.Err)
	}
	return fmt.Sprintf("lifecycle: service %s started but is %s, not operational", e.Service, e.Health)
}

func (e *StartError) Unwrap() error { return e.Err }

// Order is the start order: topological over dependencies, ties in the
// order services were added.
func (m *Manager) Order() ([]Service, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.order()
}

func (m *Manager) order() ([]Service, error) {
	const (
		unseen = iota
		visiting
		done
	)
	mark := map[string]int{}
	var out []Service
	var path []string
	var visit func(s Service) error
	visit = func(s Service) error {
		switch mark[s.Name()] {
		case done:
			return nil
		case visiting:
			i := slices.Index(path, s.Name())
			return &CycleError{Cycle: append(slices.Clone(path[i:]), s.Name())}
		}
		mark[s.Name()] = visiting
		path = append(path, s.Name())
		for _, dep := range s.Dependencies() {
			d := m.lookup(dep)
			if d == nil {
				if m.cfg.External(dep) {
					continue
				}
				return fmt.Errorf("lifecycle: service %s depends on %s, which is neither a service nor a plugin of this deployment", s.Name(), dep)
			}
			if err := visit(d); err != nil {
				return err
			}
		}
		path = path[:len(path)-1]
		mark[s.Name()] = done
		out = append(out, s)
		return nil
	}
	for _, s := range m.services {
		if err := visit(s); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Start starts every service in dependency order. A service whose Start
// fails, or which is not operational after it, is a *StartError, and
// the services already started are stopped again, last first.
func (m *Manager) Start(ctx context.Context) error {
	m.mu.Lock()
	if m.started != nil || m.stopped {
		m.mu.Unlock()
		return errors.New("lifecycle: Start called twice")
	}
	order, err := m.order()
	m.started = []Service{}
	m.mu.Unlock()
	if err != nil {
		return err
	}
	for _, s := range order {
		err := s.Start(ctx)
		h := s.Health()
		m.event(Event{Service: s.Name(), Health: h, Err: err})
		if err == nil && !h.Operational() {
			err = &StartError{Service: s.Name(), Health: h}
		} else if err != nil {
			err = &StartError{Service: s.Name(), Health: h, Err: err}
		}
		if err != nil {
			stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), m.cfg.StopTimeout*time.Duration(len(order)))
			defer cancel()
			// The failed service may hold something: stop it too.
			m.mu.Lock()
			m.started = append(m.started, s)
			m.mu.Unlock()
			return errors.Join(err, m.Stop(stopCtx))
		}
		m.mu.Lock()
		m.started = append(m.started, s)
		m.mu.Unlock()
	}
	return nil
}

// StopError lists the services that did not stop cleanly.
type StopError struct {
	Failed map[string]error // by service name
}

func (e *StopError) Error() string {
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range e.Failed {
			if !yield(n) {
				return
			}
		}
	})
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n + ": " + e.Failed[n].Error()
	}
	return "lifecycle: services did not stop cleanly: " + strings.Join(parts, "; ")
}

// ErrStopTimeout is a service whose Stop did not return within the stop
// timeout.
var ErrStopTimeout = errors.New("did not stop within its timeout")

// Stop stops every started service, last started first, each within the
// stop timeout (and ctx). A second call does nothing and returns nil.
func (m *Manager) Stop(ctx context.Context) error {
	m.mu.Lock()
	if m.stopped {
		m.mu.Unlock()
		return nil
	}
	m.stopped = true
	started := slices.Clone(m.started)
	m.mu.Unlock()
	failed := map[string]error{}
	for i := len(started) - 1; i >= 0; i-- {
		s := started[i]
		err := m.stopOne(ctx, s)
		if err != nil {
			failed[s.Name()] = err
		}
		m.event(Event{Service: s.Name(), Stopped: true, Health: s.Health(), Err: err})
	}
	if len(failed) > 0 {
		return &StopError{Failed: failed}
	}
	return nil
}

func (m *Manager) event(e Event) {
	if m.cfg.OnEvent != nil {
		m.cfg.OnEvent(e)
	}
}

func (m *Manager) stopOne(ctx context.Context, s Service) error {
	ctx, cancel := context.WithTimeout(ctx, m.cfg.StopTimeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.Stop(ctx) }()
	select {
	case err := <-done:
		if err != nil {
			return err
		}
		if h := s.Health(); h.State != Stopped {
			return fmt.Errorf("reports %s after Stop, not stopped", h)
		}
		return nil
	case <-ctx.Done():
		return ErrStopTimeout
	}
}

// Status is every service's status, in start order once started (else
// in the order added).
func (m *Manager) Status() []Status {
	m.mu.Lock()
	services, started := slices.Clone(m.services), slices.Clone(m.started)
	if order, err := m.order(); err == nil {
		services = order
	}
	m.mu.Unlock()
	out := make([]Status, len(services))
	for i, s := range services {
		out[i] = Status{Name: s.Name(), Dependencies: s.Dependencies(), Health: s.Health()}
		if j := slices.Index(started, s); j >= 0 {
			out[i].Order = j + 1
		}
	}
	return out
}

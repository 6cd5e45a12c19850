package service

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/hashicorp/go-hclog"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
)

// Config declares a service to its Runtime.
type Config struct {
	// Name is the service's name and the family of its operations and
	// facts, e.g. "invitation".
	Name string
	// Rebuild replays the service's facts (Effects.Replay) into fresh
	// state and installs it only if the replay succeeds. It runs at Start,
	// and before the first operation if an operation arrives before Start.
	Rebuild func(ctx context.Context, fx *Effects) error
	// Started, if set, runs at Start after a successful Rebuild: work the
	// service does once on start-up, such as cleaning expired entries.
	Started func(ctx context.Context, fx *Effects) error
}

// Runtime runs one instance of a service plugin: it implements
// sdk.Service, keeps the host handle, runs operations one at a time with
// the state rebuilt from the journal, and reports health from the outcome
// of its calls to other effects.
type Runtime struct {
	cfg  Config
	turn chan struct{} // a one-slot semaphore: held by the running operation

	mu       sync.Mutex
	host     *sdk.HostClient
	logger   hclog.Logger
	loaded   bool              // state rebuilt since the last Start or Stop
	stopped  bool              // Stop was called and Start has not been since
	failures map[string]string // effect family → why its last call failed
}

// New returns the runtime of the service cfg declares.
func New(cfg Config) *Runtime {
	if cfg.Name == "" || cfg.Rebuild == nil {
		panic("service.New: Config needs a Name and a Rebuild func")
	}
	return &Runtime{cfg: cfg, turn: make(chan struct{}, 1), logger: hclog.NewNullLogger(), failures: map[string]string{}}
}

// Plugin returns the declaration of the service plugin r runs, serving
// ops: r configures it and is its Service. A plugin with config of its own
// sets Config, and a Configure that ends by calling r's.
func (r *Runtime) Plugin(version string, ops []sdk.Operation) *sdk.Plugin {
	return &sdk.Plugin{Name: r.cfg.Name, Version: version, Configure: r.Configure, Service: r, Operations: ops}
}

// Configure records the host handle and the logger. Use it as the
// plugin's Configure, or call it from one.
func (r *Runtime) Configure(_ context.Context, c *sdk.Configuration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c.Host != nil {
		r.host = c.Host
	}
	if c.Logger != nil {
		r.logger = c.Logger
	}
	return nil
}

// Start rebuilds the state from the journal — always, so that a Stop and
// Start re-read facts others may have merged meanwhile — then runs the
// Started hook. A journal that cannot be read fails the start: a service
// that does not know its state must not answer.
func (r *Runtime) Start(ctx context.Context, host *sdk.HostClient) error {
	if err := r.acquire(ctx); err != nil {
		return err
	}
	defer r.release()
	r.mu.Lock()
	if host != nil {
		r.host = host
	}
	r.stopped, r.loaded = false, false
	r.mu.Unlock()
	fx, err := r.effects()
	if err != nil {
		return err
	}
	if err := r.rebuild(ctx, fx); err != nil {
		return err
	}
	if r.cfg.Started != nil {
		if err := r.cfg.Started(ctx, fx); err != nil {
			return fmt.Errorf("%s start-up: %w", r.cfg.Name, err)
		}
	}
	return nil
}

// Stop waits for the running operation, if any, within ctx's deadline;
// later operations fail as unavailable until the next Start.
func (r *Runtime) Stop(ctx context.Context) error {
	err := r.acquire(ctx)
	r.mu.Lock()
	r.stopped, r.loaded = true, false
	r.mu.Unlock()
	if err != nil {
		return fmt.Errorf("%s stopped while an operation was still running: %w", r.cfg.Name, err)
	}
	r.release()
	return nil
}

// Health reports healthy, or degraded with the reason when a call to
// another effect failed last time (for the journal, a cheap listing is
// retried first, so a journal that came back clears it), or unhealthy
// when the service is stopped or has no host to call.
func (r *Runtime) Health(ctx context.Context) sdk.Health {
	r.mu.Lock()
	stopped, host, loaded := r.stopped, r.host, r.loaded
	_, journalFailed := r.failures[journalFamily]
	r.mu.Unlock()
	switch {
	case stopped:
		return sdk.Health{Status: sdk.Unhealthy, Reason: r.cfg.Name + " service is stopped"}
	case host == nil:
		return sdk.Health{Status: sdk.Unhealthy, Reason: "no host callbacks: the " + r.cfg.Name + " service cannot reach the journal"}
	}
	if journalFailed {
		fx := &Effects{host: host, rt: r}
		fx.invoke(ctx, effects.JournalFactsByPredicate, sdk.Map(map[string]sdk.Value{"predicate": sdk.String(r.cfg.Name + ".health_probe")}))
	}
	r.mu.Lock()
	reasons := make([]string, 0, len(r.failures))
	for _, why := range r.failures {
		reasons = append(reasons, why)
	}
	r.mu.Unlock()
	slices.Sort(reasons)
	switch {
	case len(reasons) > 0:
		return sdk.Health{Status: sdk.Degraded, Reason: strings.Join(reasons, "; ")}
	case !loaded:
		return sdk.Health{Status: sdk.Degraded, Reason: r.cfg.Name + " state not rebuilt from the journal yet"}
	}
	return sdk.Health{Status: sdk.Healthy}
}

// Op adapts an operation's body to an sdk.Operation handler: the body runs
// alone, with the state rebuilt, and with the effects it may call.
func (r *Runtime) Op(body func(ctx context.Context, fx *Effects, c *sdk.Call) (sdk.Value, error)) func(context.Context, *sdk.Call) (sdk.Value, error) {
	return func(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
		if err := r.acquire(ctx); err != nil {
			return sdk.Value{}, err
		}
		defer r.release()
		fx, err := r.effects()
		if err != nil {
			return sdk.Value{}, err
		}
		r.mu.Lock()
		loaded := r.loaded
		r.mu.Unlock()
		if !loaded {
			if err := r.rebuild(ctx, fx); err != nil {
				return sdk.Value{}, err
			}
		}
		return body(ctx, fx, c)
	}
}

func (r *Runtime) acquire(ctx context.Context) error {
	select {
	case r.turn <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (r *Runtime) release() { <-r.turn }

func (r *Runtime) effects() (*Effects, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.stopped:
		return nil, sdk.Errorf(sdk.CodeUnavailable, "the %s service is stopped", r.cfg.Name)
	case r.host == nil:
		return nil, sdk.Errorf(sdk.CodeUnavailable, "the %s service has no host callbacks to reach the journal, clock and crypto effects", r.cfg.Name)
	}
	return &Effects{host: r.host, rt: r}, nil
}

func (r *Runtime) rebuild(ctx context.Context, fx *Effects) error {
	if err := r.cfg.Rebuild(ctx, fx); err != nil {
		e := effects.AsError(err)
		msg := e.Message
		if msg == "" {
			msg = e.Error()
		}
		return &sdk.Error{Code: e.Code, Retryable: e.Retryable,
			Message: fmt.Sprintf("rebuild %s state from the journal: %s", r.cfg.Name, msg)}
	}
	r.mu.Lock()
	r.loaded = true
	r.mu.Unlock()
	return nil
}

// observe records the outcome of a call to another effect for Health. A
// failure the caller caused by giving up, or an answer about the request
// (invalid, not found, conflict), says nothing about whether the effect is
// reachable; such errors reach the caller instead.
func (r *Runtime) observe(ctx context.Context, op sdk.OpID, err error) {
	family := op.Family()
	r.mu.Lock()
	defer r.mu.Unlock()
	if err == nil {
		delete(r.failures, family)
		return
	}
	if ctx.Err() != nil {
		return
	}
	switch effects.AsError(err).Code {
	case sdk.CodeInvalidArgs, sdk.CodeNotFound, sdk.CodeConflict, sdk.CodeCancelled:
		return
	}
	r.failures[family] = fmt.Sprintf("%s unreachable: %v", family, err)
}

// warn logs a problem the service works around, such as a malformed fact.
func (r *Runtime) warn(msg string, args ...any) {
	r.mu.Lock()
	l := r.logger
	r.mu.Unlock()
	l.Warn(msg, args...)
}

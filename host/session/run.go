package session

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/go-hclog"
	"go.opentelemetry.io/otel/trace"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/agent"
	"github.com/aurahost/aura-host/host/agent/system"
	"github.com/aurahost/aura-host/host/tracing"
	"github.com/aurahost/aura-host/vm"
	"github.com/aurahost/aura-host/vm/policy"
	"github.com/aurahost/aura-host/vm/syntax"
)

// Defaults of Config.
const (
	DefaultProgressInterval = 2 * time.Second
	DefaultShutdownTimeout  = 10 * time.Second
)

// Config is one session to host.
type Config struct {
	// Deployment serves the protocol's invokes; its Seed is the session's
	// seed (of the host's choices, payloads, random bytes and clock) and,
	// in the testing and simulation modes, the plugins'. Required.
	Deployment *config.Deployment
	// DeploymentFile and File name the deployment and protocol files, as
	// the user gave them, for the outcome.
	DeploymentFile, File string
	// Protocol and Program are the compiled protocol (see Compile). Required.
	Protocol *syntax.Protocol
	Program  *vm.Program
	// Rules decide the choices the protocol leaves to the host (see
	// ParseRules); the seed decides the rest.
	Rules []Rule
	// Scheduler overrides the protocol's ("" keeps it).
	Scheduler policy.Scheduler
	// Granularity is how much the trace captures ("" is full).
	Granularity policy.Granularity
	// Timeout ends the session with a Timeout fault (0: no limit but ctx).
	Timeout time.Duration
	// Logger receives the host's logs and the session's progress
	// (default: discarded).
	Logger hclog.Logger
	// ProgressInterval is how often a running session logs how far it is
	// (default DefaultProgressInterval).
	ProgressInterval time.Duration
	// Watch, when set, runs in a goroutine of its own while the session
	// runs, with a function that reads how far it has come (a progress
	// line on a terminal, say); its ctx ends when the session does, and
	// Run waits for it to return.
	Watch func(ctx context.Context, progress func() Progress)
	// ShutdownTimeout bounds the host's shutdown after the session, which
	// runs even when ctx has ended (default DefaultShutdownTimeout).
	ShutdownTimeout time.Duration
	// As names the agent the session acts as in a deployment with agent
	// blocks (default: its only agent): every role's invokes go through
	// that agent's router and guard chain, so an operation its allow list
	// does not grant faults the session (denied). A deployment without
	// agents runs a plain plugin host, whose invokes are not guarded.
	As string
	// TracerProvider, if set, traces the session (host/tracing): a span
	// of the session, one per role under it, and each routed call a role
	// makes under its role's span (the host's router is given it too).
	// Default nil: no spans.
	TracerProvider trace.TracerProvider
}

// Run starts the deployment's host (or, with agent blocks, the agent it
// acts as: Config.As), runs one session of the protocol with
// every role in one machine, stops the host and returns the outcome. A
// session that faults is an outcome (Outcome.Faulted), not an error; an
// error is a host that did not start (a *host.DiagnosticsError for
// configuration mistakes) or a session that could not run.
func Run(ctx context.Context, cfg Config) (*Outcome, error) {
	logger := cfg.Logger
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	seed := cfg.Deployment.Seed
	rt, err := start(ctx, &cfg, logger)
	if err != nil {
		return nil, err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), cmp.Or(cfg.ShutdownTimeout, DefaultShutdownTimeout))
		defer cancel()
		if err := rt.shutdown(sctx); err != nil {
			logger.Error("shutdown", "error", err)
		}
	}()

	effs := NewEffects(vm.NewRegistryEffects(vm.RegistryEffectsConfig{Registry: rt.router.Registry(), Handler: rt.router, Seed: seed}), cfg.Rules)
	p := cfg.Protocol
	vmcfg := vm.Config{
		Effects:     effs,
		Session:     effects.DeriveSessionID(p.Name, seed),
		Authority:   rt.router.Authority(),
		Scheduler:   cfg.Scheduler,
		Granularity: cfg.Granularity,
		Seed:        seed,
	}
	if rt.agent != nil {
		// An agent supplies the scheduler signals (its budgets' pressure,
		// its local health, its other sessions' guards).
		sig, err := rt.agent.SchedulerSignals(ctx, system.Admission{Session: vmcfg.Session, Context: vmcfg.Context,
			Guards: host.ProgramGuards(cfg.Program)})
		if err != nil {
			return nil, fmt.Errorf("run %s: scheduler signals: %w", cfg.File, err)
		}
		vmcfg.Signals = sig
	}
	spans := tracing.StartSession(ctx, cfg.TracerProvider, p.Name, vmcfg.Session, vmcfg.Authority, host.ProgramRoles(cfg.Program))
	effs.spans = spans
	budget, _ := StepBudget(p, cfg.Program)
	logger.Info("running protocol", "protocol", p.Name, "roles", len(p.Roles), "seed", seed, "session", vmcfg.Session, "budget", budget)

	runCtx, cancel := context.WithCancel(ctx)
	if cfg.Timeout > 0 {
		runCtx, cancel = context.WithTimeout(ctx, cfg.Timeout)
	}
	defer cancel()
	progressCtx, stopProgress := context.WithCancel(ctx)
	progressDone := make(chan struct{})
	go func() {
		defer close(progressDone)
		effs.ReportProgress(progressCtx, cmp.Or(cfg.ProgressInterval, DefaultProgressInterval), budget, logger)
	}()
	watchDone := make(chan struct{})
	go func() {
		defer close(watchDone)
		if cfg.Watch != nil {
			cfg.Watch(progressCtx, func() Progress { return effs.Progress(budget) })
		}
	}()
	m, runErr := vm.RunSession(runCtx, cfg.Program, vmcfg)
	stopProgress()
	<-progressDone
	<-watchDone
	var fault *vm.Fault
	if m == nil || (runErr != nil && !errors.As(runErr, &fault)) {
		spans.End(host.SessionStatus(runErr))
		return nil, fmt.Errorf("run %s: %w", cfg.File, runErr)
	}
	out := newOutcome(&cfg, m, fault, effs.Calls())
	spans.End(host.SessionStatus(runErr))
	for _, r := range out.Roles {
		logger.Info("role finished", "role", r.Role, "status", r.Status, "trace_entries", r.Entries)
	}
	return out, nil
}

// runtime is what serves a session: the router its invokes take, and how
// to stop what was started.
type runtime struct {
	router   *host.Router
	agent    *agent.Agent // nil for a plain host
	shutdown func(context.Context) error
}

// start starts what serves the session: in a deployment with agent blocks
// the agent it acts as (cfg.As, default the only one), with its guard
// chain; in one without, a plain host.
func start(ctx context.Context, cfg *Config, logger hclog.Logger) (*runtime, error) {
	dep := cfg.Deployment
	if len(dep.Agents) > 0 {
		name, err := agent.ChooseAgent(dep, cfg.As)
		if err != nil {
			return nil, err
		}
		logger.Info("starting deployment", "deployment", dep.Name, "mode", dep.Mode, "plugins", len(dep.Plugins), "as", name)
		g, err := agent.StartGroup(ctx, agent.GroupConfig{Deployment: dep, Agents: []string{name}, Host: host.Config{Logger: logger, TracerProvider: cfg.TracerProvider}})
		if err != nil {
			return nil, err
		}
		a, _ := g.Agent(name)
		return &runtime{router: a.Router(), agent: a, shutdown: g.Shutdown}, nil
	}
	if cfg.As != "" {
		return nil, fmt.Errorf("--as %s: the deployment declares no agents, so there is none to act as (no agents: calls are not guarded)", cfg.As)
	}
	h, err := host.New(host.Config{Deployment: dep, Logger: logger, TracerProvider: cfg.TracerProvider})
	if err != nil {
		return nil, err
	}
	logger.Info("starting deployment", "deployment", dep.Name, "mode", dep.Mode, "plugins", len(dep.Plugins))
	if err := h.Start(ctx); err != nil {
		return nil, err
	}
	return &runtime{router: h.Router(), shutdown: h.Shutdown}, nil
}

package host

import (
	"context"
	"errors"
	"os"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"go.opentelemetry.io/otel/trace"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/admin"
	"github.com/aurahost/aura-host/host/owned"
	"github.com/aurahost/aura-host/host/supervise"
	"github.com/aurahost/aura-host/sdk"
)

// Config configures a Host.
type Config struct {
	// Deployment is the decoded deployment file. Required.
	Deployment *config.Deployment

	// Logger receives the host's log and every plugin's forwarded log,
	// named after the plugin. Default: discard.
	Logger hclog.Logger

	// Executable is the aura-host binary that serves built-in plugins when
	// re-executed as `Executable plugin serve NAME`. Default: the running
	// executable (os.Executable), which is right for the aura-host CLI;
	// embedding programs point it at a built aura-host, and host's tests at
	// their own test binary, which serves plugins when re-executed.
	Executable string

	// StartTimeout bounds each plugin's start-up: process start, handshake,
	// Describe and Configure. Default 10s.
	StartTimeout time.Duration

	// StopTimeout bounds each plugin's shutdown; a plugin still running
	// after half of it is SIGKILLed. Default 5s.
	StopTimeout time.Duration

	// Policies overrides the supervision policy of plugins by name; the
	// deployment's health, restart and call blocks take precedence.
	Policies map[string]supervise.Policy

	// OnEvent, if set, receives every plugin state transition, in order
	// per plugin. It must not block.
	OnEvent func(supervise.Event)

	// Admin serves the admin endpoint (`aura-host status`, `reset`) on a
	// unix socket while the host runs.
	Admin bool

	// Authority, when set, is the authority this host acts for instead of
	// the deployment's: one agent of a deployment with several.
	Authority effects.AuthorityID

	// Builtins resolves a built-in plugin's name to its constructor (the
	// catalogue's plugins.Lookup), so that InProcess can run it without a
	// process.
	Builtins func(name string) (func() *sdk.Plugin, bool)

	// InProcess runs every built-in plugin in process (through Builtins,
	// as sdk.Local): no processes and no supervision, the same Handler
	// interface and the same checks. Simulations with many agents and
	// fast tests use it; external (command) plugins still run as
	// processes.
	InProcess bool

	// PluginConfig sets config attributes of plugins by name, over what
	// their config blocks say: the settings a host derives at run time,
	// such as each agent's transport address.
	PluginConfig map[string]effects.Value

	// Shared are plugin instances this host uses but does not own, by
	// plugin name: the agents of one simulation share one network and one
	// clock. Their owner configures, starts and stops them; they must be
	// configured without an authority (see sdk.Configuration.Authority).
	Shared map[string]*sdk.Local

	// TracerProvider, if set, makes a span of every call the host's
	// router routes (host/tracing: operation, plugin, code), a child of
	// the span the caller's context carries, and sends its context to the
	// plugin in the call. A process builds one from the deployment's
	// telemetry block with tracing.Start and gives it to each of its
	// hosts. Default nil: no spans, and the router pays one nil check.
	TracerProvider trace.TracerProvider
}

// supervision is the part of the Config the plugin manager takes.
func (c *Config) supervision(authority effects.AuthorityID) supervise.Config {
	return supervise.Config{Deployment: c.Deployment, Authority: authority, Logger: c.Logger,
		Executable: c.Executable, StartTimeout: c.StartTimeout, StopTimeout: c.StopTimeout,
		Policies: c.Policies, OnEvent: c.OnEvent, Builtins: c.Builtins, InProcess: c.InProcess,
		PluginConfig: c.PluginConfig, Shared: c.Shared}
}

// Host runs one deployment: its plugins (through a supervise.Manager),
// the registry and the router, and optionally the admin endpoint.
type Host struct {
	cfg       Config
	authority effects.AuthorityID
	registry  *effects.Registry
	router    *Router
	plugins   *supervise.Manager
	traces    *traceLog

	started time.Time
	admin   *admin.Server

	shutdownOnce sync.Once
	shutdownErr  error
}

// New prepares a host for a deployment. It starts nothing, so it takes no
// context; Start does.
func New(cfg Config) (*Host, error) {
	if cfg.Deployment == nil {
		return nil, errors.New("host: Config.Deployment is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = hclog.NewNullLogger()
	}
	authority := cfg.Authority
	if authority.IsZero() {
		var err error
		if authority, err = ResolveAuthority(cfg.Deployment); err != nil {
			return nil, err
		}
	}
	plugins, err := supervise.New(cfg.supervision(authority))
	if err != nil {
		return nil, err
	}
	registry := effects.NewRegistry()
	// The trace family is the host's own, registered before any plugin:
	// every run's trace is the VM's, and its answers must be deterministic.
	traces := newTraceLog(cfg.Logger.Named("trace"))
	if err := registry.Register(TraceProvider, traces, effects.TraceOps()...); err != nil {
		return nil, err
	}
	router := NewRouter(registry, authority)
	router.Trace(cfg.TracerProvider)
	return &Host{cfg: cfg, authority: authority, registry: registry, plugins: plugins,
		router: router, traces: traces}, nil
}

// TracerProvider is the one Config.TracerProvider gave (nil: not traced),
// for the sessions run over this host's router.
func (h *Host) TracerProvider() trace.TracerProvider { return h.cfg.TracerProvider }

// TraceCounts is how many trace events and spans the host's trace family
// recorded since it was made.
func (h *Host) TraceCounts() TraceCounts { return h.traces.counts() }

// ResolveAuthority is the authority a deployment acts for: the ID it
// names, or one derived from its label (or, without one, from the
// deployment's name) and its seed.
func ResolveAuthority(d *config.Deployment) (effects.AuthorityID, error) {
	switch {
	case d.Authority == "":
		return effects.DeriveAuthorityID(d.Name, d.Seed), nil
	case len(d.Authority) > len("authority-") && d.Authority[:len("authority-")] == "authority-":
		return effects.ParseAuthorityID(d.Authority)
	}
	return effects.DeriveAuthorityID(d.Authority, d.Seed), nil
}

// Start launches every plugin, describes it, checks and sends its
// configuration, registers its operations and puts it under supervision.
// On any failure it stops what it started and returns the error: a
// *LaunchError naming the plugin, or a *DiagnosticsError placing
// configuration mistakes in the user's file.
func (h *Host) Start(ctx context.Context) error {
	// The state directory is made private (0700) before any plugin
	// writes there; one another user owns or can write is refused with an
	// *UnsafePathError saying how to fix it.
	// The check validate makes comes first (a file, a path under /proc
	// is refused at state_dir's line), then the creation.
	if err := supervise.CheckStateDir(h.cfg.Deployment); err != nil {
		return err
	}
	if dir := h.cfg.Deployment.StateDir; dir != "" {
		if err := owned.EnsureDir(dir, "state directory"); err != nil {
			return err
		}
	}
	if err := h.plugins.Launch(ctx); err != nil {
		return h.abort(err)
	}
	if err := h.plugins.Check(); err != nil {
		return h.abort(err)
	}
	// Operations are registered before any plugin is configured, so that a
	// plugin may call another back while it configures or starts: the call
	// waits (within its deadline) until the other plugin is ready.
	if err := h.plugins.Register(h.registry); err != nil {
		return h.abort(err) // Check reports conflicts first, with lines
	}
	if err := h.plugins.Configure(ctx, h.router); err != nil {
		return h.abort(err)
	}
	h.started = time.Now()
	if h.cfg.Admin {
		srv, err := admin.Serve(admin.Config{StateDir: h.cfg.Deployment.StateDir, SocketDir: h.plugins.SocketDir(),
			Logger: h.cfg.Logger, Target: h, ResetTimeout: h.plugins.StartTimeout()})
		if err != nil {
			return h.abort(err)
		}
		h.admin = srv
	}
	return nil
}

// Check launches every plugin only to describe it, checks each plugin's
// config block against the schema it declares, its file paths and the
// state directory as Start would, and that no operation is claimed twice,
// then stops them. It is `aura-host validate`: a plugin that fails to
// launch does not stop the checks of the others, so every mistake is
// reported at once.
func (h *Host) Check(ctx context.Context) error {
	err := h.plugins.Launch(ctx)
	err = errors.Join(err, h.plugins.Check())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), h.plugins.StopTimeout())
	defer cancel()
	return errors.Join(err, h.Shutdown(shutdownCtx))
}

func (h *Host) abort(err error) error {
	ctx, cancel := context.WithTimeout(context.Background(), h.plugins.StopTimeout())
	defer cancel()
	_ = h.Shutdown(ctx)
	return err
}

// Shutdown stops the admin endpoint and supervision, then every plugin one
// by one in reverse start order (a service is asked to Stop first), each
// within its stop timeout even if it does not answer: it is then SIGKILLed.
// It is idempotent; later calls return the first result.
func (h *Host) Shutdown(ctx context.Context) error {
	h.shutdownOnce.Do(func() {
		if h.admin != nil {
			h.admin.Close(ctx)
		}
		h.shutdownErr = h.plugins.Shutdown(ctx)
	})
	return h.shutdownErr
}

// Reset brings a failed plugin back: its restart history is cleared and it
// is started afresh under supervision. Resetting a plugin that has not
// failed is an error.
func (h *Host) Reset(ctx context.Context, name string) error { return h.plugins.Reset(ctx, name) }

// Status is the host's status, as the admin endpoint serves it.
func (h *Host) Status() AdminStatus {
	d := h.cfg.Deployment
	return AdminStatus{Deployment: d.Name, Mode: string(d.Mode), Authority: h.authority.String(),
		PID: os.Getpid(), Started: h.started, Plugins: h.Plugins()}
}

// Invoke routes one call through the host's router.
func (h *Host) Invoke(ctx context.Context, call *effects.Call) (effects.Value, error) {
	return h.router.Invoke(ctx, call)
}

// Router returns the host's router.
func (h *Host) Router() *Router { return h.router }

// Registry returns the host's effect registry.
func (h *Host) Registry() *effects.Registry { return h.registry }

// StateDir is the directory the host keeps its state in (plugin data, the
// admin socket's address).
func (h *Host) StateDir() string { return h.cfg.Deployment.StateDir }

// Deployment is the deployment the host runs, its mode and state
// directory applied: what host-owned services read their peers from.
func (h *Host) Deployment() *config.Deployment { return h.cfg.Deployment }

// SocketDir is the host's private socket directory (0700), removed on
// Shutdown: where an admin endpoint serving this host may put its socket.
func (h *Host) SocketDir() string { return h.plugins.SocketDir() }

// Authority returns the authority the host acts for.
func (h *Host) Authority() effects.AuthorityID { return h.authority }

// Plugins returns a snapshot of every plugin, in declaration order.
func (h *Host) Plugins() []PluginStatus { return h.plugins.Status() }

// RestartPluginInProcess ends the in-process instance of the plugin named
// name and configures a fresh one over the same state directory, as a
// restarted process would start (supervise.Manager.RestartInProcess): the
// simulator's plugin_crash fault. It refuses (ErrNotRestartable) a plugin
// run as a process or shared with other hosts.
func (h *Host) RestartPluginInProcess(ctx context.Context, name string) error {
	return h.plugins.RestartInProcess(ctx, name)
}

// Descriptors returns what each plugin described, by plugin name.
func (h *Host) Descriptors() map[string]effects.Descriptor { return h.plugins.Descriptors() }

// Operation is the spec of an operation the host serves.
func (h *Host) Operation(op effects.OpID) (effects.OpSpec, bool) {
	e, ok := h.registry.Lookup(op)
	if !ok {
		return effects.OpSpec{}, false
	}
	return e.Spec, true
}

// InvokeText routes one call whose arguments are written as people give
// them (`aura-host invoke`: NAME=VALUE pairs, files, a JSON object), each
// read by the kind op declares for NAME (effects.OpSpec.ParseTextArgs).
// An operation no plugin serves is an unknown_op *effects.Error.
func (h *Host) InvokeText(ctx context.Context, op effects.OpID, pairs effects.TextArgs) (effects.Value, error) {
	spec, ok := h.Operation(op)
	if !ok {
		return effects.Value{}, &effects.Error{Code: effects.CodeUnknownOp, Op: op, Message: "no plugin in the deployment serves this operation"}
	}
	args, err := spec.ParseTextArgs(pairs)
	if err != nil {
		return effects.Value{}, err
	}
	return h.Invoke(ctx, &effects.Call{Op: op, Args: args})
}

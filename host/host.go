package host

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
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
	// tests and embedding programs point it at a built aura-host.
	Executable string

	// StartTimeout bounds each plugin's start-up: process start, handshake,
	// Describe and Configure. Default 10s.
	StartTimeout time.Duration

	// StopTimeout bounds each plugin's shutdown; a plugin still running
	// after half of it is SIGKILLed. Default 5s.
	StopTimeout time.Duration

	// Policies overrides the supervision policy of plugins by name; the
	// deployment's health, restart and call blocks take precedence.
	Policies map[string]Policy

	// OnEvent, if set, receives every plugin state transition, in order
	// per plugin. It must not block.
	OnEvent func(Event)

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

	// peerKeys finds senders' keys for receipt checks (AgentBuilder).
	peerKeys func(effects.AuthorityID) (ed25519.PublicKey, bool)

	// PluginConfig sets config attributes of plugins by name, over what
	// their config blocks say: the settings a host derives at run time,
	// such as each agent's transport address.
	PluginConfig map[string]effects.Value

	// Shared are plugin instances this host uses but does not own, by
	// plugin name: the agents of one simulation share one network and one
	// clock. Their owner configures, starts and stops them; they must be
	// configured without an authority (see sdk.Configuration.Authority).
	Shared map[string]*sdk.Local
}

func (c *Config) setDefaults() error {
	if c.Deployment == nil {
		return errors.New("host: Config.Deployment is required")
	}
	if c.Logger == nil {
		c.Logger = hclog.NewNullLogger()
	}
	if c.Executable == "" {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("host: find the aura-host executable for built-in plugins: %w", err)
		}
		c.Executable = exe
	}
	if c.StartTimeout <= 0 {
		c.StartTimeout = 10 * time.Second
	}
	if c.StopTimeout <= 0 {
		c.StopTimeout = 5 * time.Second
	}
	return nil
}

// Host runs one deployment: its plugins, their supervisors, the registry
// and the router.
type Host struct {
	cfg       Config
	authority effects.AuthorityID
	registry  *effects.Registry
	router    *Router
	plugins   []*managedPlugin // in declaration order
	socketDir string

	ctx         context.Context // lives until Shutdown; supervisors run under it
	cancel      context.CancelFunc
	supervisors sync.WaitGroup
	background  sync.WaitGroup // reaping of retired instances

	started time.Time
	admin   *adminServer

	shutdownOnce sync.Once
	shutdownErr  error
}

// New prepares a host for a deployment. It starts nothing.
func New(cfg Config) (*Host, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	authority := cfg.Authority
	if authority.IsZero() {
		var err error
		if authority, err = ResolveAuthority(cfg.Deployment); err != nil {
			return nil, err
		}
	}
	h := &Host{cfg: cfg, authority: authority, registry: effects.NewRegistry()}
	h.ctx, h.cancel = context.WithCancel(context.Background())
	h.router = NewRouter(h.registry, authority)
	for _, p := range cfg.Deployment.EffectivePlugins() {
		policy := policyFor(p, cfg.Policies[p.Name])
		if policy.StopTimeout <= 0 {
			policy.StopTimeout = cfg.StopTimeout
		}
		m := newManagedPlugin(p, policy, cfg.Logger.Named(p.Name), cfg.OnEvent)
		m.wake = func() { h.wake(m) }
		if shared, ok := cfg.Shared[p.Name]; ok {
			m.local, m.shared = shared, true
		} else if cfg.InProcess && p.Builtin != "" && cfg.Builtins != nil {
			newPlugin, ok := cfg.Builtins(p.Builtin)
			if !ok {
				return nil, &LaunchError{Plugin: p.Name, Reason: fmt.Sprintf("no built-in plugin %q to run in process", p.Builtin)}
			}
			local, err := sdk.NewLocal(newPlugin(), m.logger)
			if err != nil {
				return nil, &LaunchError{Plugin: p.Name, Reason: "invalid built-in plugin", Err: err}
			}
			m.local = local
		}
		h.plugins = append(h.plugins, m)
	}
	return h, nil
}

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
	if err := h.launchAll(ctx); err != nil {
		return h.abort(err)
	}
	if err := h.checkAll(); err != nil {
		return h.abort(err)
	}
	// Operations are registered before any plugin is configured, so that a
	// plugin may call another back while it configures or starts: the call
	// waits (within its deadline) until the other plugin is ready.
	for _, m := range h.plugins {
		if err := h.registry.Register(m.name(), m, m.desc.Ops...); err != nil {
			return h.abort(err) // checkAll reports conflicts first, with lines
		}
	}
	if err := h.configureAll(ctx); err != nil {
		return h.abort(err)
	}
	h.started = time.Now()
	if h.cfg.Admin {
		if err := h.serveAdmin(); err != nil {
			return h.abort(err)
		}
	}
	return nil
}

func (h *Host) startSupervisor(m *managedPlugin) {
	h.supervisors.Go(func() { h.supervise(h.ctx, m) })
}

// Check launches every plugin only to describe it, checks each plugin's
// config block against the schema it declares and that no operation is
// claimed twice, then stops them. It is `aura-host validate`.
func (h *Host) Check(ctx context.Context) error {
	err := h.launchAll(ctx)
	if err == nil {
		err = h.checkAll()
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), h.cfg.StopTimeout)
	defer cancel()
	return errors.Join(err, h.Shutdown(shutdownCtx))
}

func (h *Host) abort(err error) error {
	ctx, cancel := context.WithTimeout(context.Background(), h.cfg.StopTimeout)
	defer cancel()
	_ = h.Shutdown(ctx)
	return err
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

// Authority returns the authority the host acts for.
func (h *Host) Authority() effects.AuthorityID { return h.authority }

// Plugins returns a snapshot of every plugin, in declaration order.
func (h *Host) Plugins() []PluginStatus {
	out := make([]PluginStatus, len(h.plugins))
	for i, m := range h.plugins {
		out[i] = m.status()
	}
	return out
}

// Descriptors returns what each plugin described, by plugin name.
func (h *Host) Descriptors() map[string]effects.Descriptor {
	out := make(map[string]effects.Descriptor, len(h.plugins))
	for _, m := range h.plugins {
		out[m.name()] = m.desc
	}
	return out
}

func (h *Host) plugin(name string) *managedPlugin {
	for _, m := range h.plugins {
		if m.name() == name {
			return m
		}
	}
	return nil
}

package supervise

import (
	"context"
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

// Config configures a Manager.
type Config struct {
	// Deployment is the decoded deployment file. Required.
	Deployment *config.Deployment

	// Authority is the authority the plugins are configured for
	// (sdk.ConfigureRequest.Authority). Required.
	Authority effects.AuthorityID

	// Logger receives the manager's log and every plugin's forwarded log,
	// named after the plugin. Default: discard.
	Logger hclog.Logger

	// Executable is the aura-host binary that serves built-in plugins when
	// re-executed as `Executable plugin serve NAME`. Default: the running
	// executable (os.Executable).
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

	// Builtins resolves a built-in plugin's name to its constructor, so
	// that InProcess can run it without a process.
	Builtins func(name string) (func() *sdk.Plugin, bool)

	// InProcess runs every built-in plugin in process (through Builtins,
	// as sdk.Local): no process and no supervision.
	InProcess bool

	// PluginConfig sets config attributes of plugins by name, over what
	// their config blocks say.
	PluginConfig map[string]effects.Value

	// StderrLimits bound what each plugin's stderr may put into the log
	// (lines and bytes per second with a burst, one line's length); zero
	// fields take DefaultStderrLimits.
	StderrLimits StderrLimits

	// Shared are plugin instances used but not owned, by plugin name:
	// their owner configures, starts and stops them.
	Shared map[string]*sdk.Local
}

func (c *Config) setDefaults() error {
	if c.Deployment == nil {
		return errors.New("supervise: Config.Deployment is required")
	}
	if c.Logger == nil {
		c.Logger = hclog.NewNullLogger()
	}
	if c.Executable == "" {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("find the aura-host executable for built-in plugins: %w", err)
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

// Manager owns the plugin processes of one deployment: it launches,
// describes, configures, supervises (probes, restarts) and stops them.
// Each plugin is an effects.Handler (*Plugin) that stays registered
// across restarts of its process.
type Manager struct {
	cfg       Config
	plugins   []*Plugin // in declaration order
	socketDir string

	ctx         context.Context // lives until Shutdown; supervisors run under it
	cancel      context.CancelFunc
	supervisors sync.WaitGroup
	background  sync.WaitGroup // reaping of retired instances
	callbacks   effects.Handler

	shutdownOnce sync.Once
	shutdownErr  error
}

// New prepares a manager for cfg's deployment. It starts nothing.
func New(cfg Config) (*Manager, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	mg := &Manager{cfg: cfg}
	mg.ctx, mg.cancel = context.WithCancel(context.Background())
	for _, p := range cfg.Deployment.EffectivePlugins() {
		policy := policyFor(p, cfg.Policies[p.Name])
		if policy.StopTimeout <= 0 {
			policy.StopTimeout = cfg.StopTimeout
		}
		m := newPlugin(p, policy, cfg.Logger.Named(p.Name), cfg.OnEvent)
		m.wake = func() { mg.wake(m) }
		if shared, ok := cfg.Shared[p.Name]; ok {
			m.local.Store(shared)
			m.shared = true
		} else if cfg.InProcess && p.Builtin != "" && cfg.Builtins != nil {
			newPlugin, ok := cfg.Builtins(p.Builtin)
			if !ok {
				return nil, &LaunchError{Plugin: p.Name, Reason: fmt.Sprintf("no built-in plugin %q to run in process", p.Builtin)}
			}
			local, err := sdk.NewLocal(newPlugin(), m.logger)
			if err != nil {
				return nil, &LaunchError{Plugin: p.Name, Reason: "invalid built-in plugin", Err: err}
			}
			m.local.Store(local)
		}
		mg.plugins = append(mg.plugins, m)
	}
	return mg, nil
}

// Register registers every operation each plugin described, with the
// plugin as its handler. Call it after Check and before Configure, so
// that a plugin may call another back while it configures or starts.
func (mg *Manager) Register(registry *effects.Registry) error {
	for _, m := range mg.plugins {
		if err := registry.Register(m.Name(), m, m.desc.Ops...); err != nil {
			return err
		}
	}
	return nil
}

// StopTimeout is the configured bound on each plugin's stop.
func (mg *Manager) StopTimeout() time.Duration { return mg.cfg.StopTimeout }

// StartTimeout is the configured bound on each plugin's start-up.
func (mg *Manager) StartTimeout() time.Duration { return mg.cfg.StartTimeout }

// SocketDir is this process's private socket directory (0700), made by
// Launch; empty before.
func (mg *Manager) SocketDir() string { return mg.socketDir }

// Status returns a snapshot of every plugin, in declaration order.
func (mg *Manager) Status() []PluginStatus {
	out := make([]PluginStatus, len(mg.plugins))
	for i, m := range mg.plugins {
		out[i] = m.status()
	}
	return out
}

// Descriptors returns what each plugin described, by plugin name.
func (mg *Manager) Descriptors() map[string]effects.Descriptor {
	out := make(map[string]effects.Descriptor, len(mg.plugins))
	for _, m := range mg.plugins {
		out[m.Name()] = m.desc
	}
	return out
}

func (mg *Manager) plugin(name string) *Plugin {
	for _, m := range mg.plugins {
		if m.Name() == name {
			return m
		}
	}
	return nil
}

// PluginClient is a plugin's contract client (nil when no process
// serves), for benchmarks that measure bare gRPC apart from the router.
func (mg *Manager) PluginClient(name string) *sdk.Client {
	if inst := mg.current(name); inst != nil {
		return inst.conn
	}
	return nil
}

// PluginStream is a plugin's call stream (nil when no process serves),
// to measure the stream's own cost apart from the router's.
func (mg *Manager) PluginStream(name string) *sdk.Stream {
	if inst := mg.current(name); inst != nil {
		return inst.stream
	}
	return nil
}

// PluginPID is the PID of a plugin's current process (0 if none).
func (mg *Manager) PluginPID(name string) int {
	if inst := mg.current(name); inst != nil {
		return inst.pid()
	}
	return 0
}

func (mg *Manager) current(name string) *instance {
	if m := mg.plugin(name); m != nil {
		return m.inst.Load()
	}
	return nil
}

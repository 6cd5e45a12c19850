package host

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl/v2"

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

// launchAll starts every plugin process in parallel and describes it.
func (h *Host) launchAll(ctx context.Context) error {
	dir, err := makeSocketDir()
	if err != nil {
		return err
	}
	h.socketDir = dir
	errs := make([]error, len(h.plugins))
	var wg sync.WaitGroup
	for i, m := range h.plugins {
		wg.Go(func() {
			inst, err := h.launchDescribed(ctx, m)
			if err != nil {
				m.setState(StateFailed, err.Error())
			}
			m.starting, errs[i] = inst, err
		})
		if orig := h.cfg.Deployment.Plugin(m.name()); h.cfg.Deployment.Override(m.name()) != nil && orig != nil {
			wg.Go(func() { m.replaced, m.replacedErr = h.describeOnly(ctx, orig, m.logger) })
		}
	}
	wg.Wait()
	return errors.Join(errs...)
}

// describeOnly launches a plugin only to ask what it serves: the plugin a
// mode override replaces, whose operations the swap must also serve.
func (h *Host) describeOnly(ctx context.Context, decl *config.Plugin, logger hclog.Logger) (effects.Descriptor, error) {
	if h.cfg.InProcess && decl.Builtin != "" && h.cfg.Builtins != nil {
		if newPlugin, ok := h.cfg.Builtins(decl.Builtin); ok {
			return newPlugin().Descriptor(), nil
		}
	}
	ctx, cancel := context.WithTimeout(ctx, h.cfg.StartTimeout)
	defer cancel()
	inst, err := launch(ctx, launchSpec{plugin: decl, executable: h.cfg.Executable, socketDir: h.socketDir,
		startTimeout: h.cfg.StartTimeout, logger: logger, logLevel: h.cfg.Logger.GetLevel()})
	if err != nil {
		return effects.Descriptor{}, err
	}
	defer inst.kill(h.cfg.StopTimeout)
	return inst.conn.Describe(ctx)
}

// launchDescribed starts one process and records what it describes.
func (h *Host) launchDescribed(ctx context.Context, m *managedPlugin) (*instance, error) {
	if m.local != nil {
		return nil, m.setDescriptor(m.local.Describe())
	}
	ctx, cancel := context.WithTimeout(ctx, h.cfg.StartTimeout)
	defer cancel()
	inst, err := launch(ctx, launchSpec{plugin: m.decl, executable: h.cfg.Executable, socketDir: h.socketDir,
		startTimeout: h.cfg.StartTimeout, logger: m.logger, logLevel: h.cfg.Logger.GetLevel()})
	if err != nil {
		return nil, err
	}
	desc, err := inst.conn.Describe(ctx)
	if err == nil {
		err = m.setDescriptor(desc)
	}
	if err != nil {
		inst.kill(h.cfg.StopTimeout)
		return nil, &LaunchError{Plugin: m.name(), Reason: "describe failed", Err: err,
			Hint: "the plugin answered the handshake but not the Aura contract; is it built with a matching sdk?"}
	}
	return inst, nil
}

// checkAll decodes every plugin's config block against the schema it
// declared and checks that no operation is claimed by two plugins.
func (h *Host) checkAll() error {
	var diags hcl.Diagnostics
	ops := map[string][]effects.OpID{}
	for _, m := range h.plugins {
		values, d := config.DecodePluginConfig(m.decl, m.desc.Config)
		diags = append(diags, d...)
		m.values = overrideConfig(values, h.cfg.PluginConfig[m.name()])
		for _, op := range m.desc.Ops {
			ops[m.name()] = append(ops[m.name()], op.ID)
		}
	}
	diags = append(diags, config.CheckOperations(h.cfg.Deployment, ops)...)
	for _, m := range h.plugins {
		diags = append(diags, h.checkSwap(m)...)
	}
	if diags.HasErrors() {
		return &DiagnosticsError{Diagnostics: diags}
	}
	return nil
}

// configureAll configures the launched plugins level by level in
// dependency order (depends_on), the members of a level in parallel; a
// level is ready, and supervised, before the next starts. A lazy
// plugin was launched only to describe it: its process is stopped and it
// waits, idle, for its first call.
// overrideConfig sets the fields of over on a decoded config block.
func overrideConfig(values, over effects.Value) effects.Value {
	if over.Len() == 0 {
		return values
	}
	merged := map[string]effects.Value{}
	for _, f := range values.Fields() {
		merged[f.Key] = f.Value
	}
	for _, f := range over.Fields() {
		merged[f.Key] = f.Value
	}
	return effects.Map(merged)
}

// checkSwap checks that a plugin swapped in by a mode override serves
// every operation of the plugin it replaces, so that nothing that works in
// production is missing in simulation.
func (h *Host) checkSwap(m *managedPlugin) hcl.Diagnostics {
	o := h.cfg.Deployment.Override(m.name())
	if o == nil {
		return nil
	}
	if m.replacedErr != nil {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot check the swapped plugin",
			Detail:  fmt.Sprintf("The %s block swaps plugin %q, but the plugin it replaces could not be described: %v", h.cfg.Deployment.Mode, m.name(), m.replacedErr),
			Subject: o.DeclRange.Ptr()}}
	}
	var missing []string
	for _, op := range m.replaced.Ops {
		if _, ok := m.ops[op.ID]; !ok {
			missing = append(missing, string(op.ID))
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Swapped plugin serves fewer operations",
		Detail: fmt.Sprintf("In %s mode plugin %q is swapped for one that does not serve %s, which the plugin it replaces serves. A swap must serve the same operations: pick a plugin that does, or remove the swap.",
			h.cfg.Deployment.Mode, m.name(), strings.Join(missing, ", ")),
		Subject: o.DeclRange.Ptr()}}
}

func (h *Host) configureAll(ctx context.Context) error {
	for _, level := range h.levels() {
		errs := make([]error, len(level))
		var wg sync.WaitGroup
		for i, m := range level {
			inst := m.starting
			m.starting = nil
			if m.lazy() && m.local == nil {
				inst.kill(m.policy.StopTimeout)
				m.setState(StateIdle, "lazy: starts on first use")
				continue
			}
			wg.Go(func() {
				if errs[i] = h.configureInstance(ctx, m, inst); errs[i] != nil {
					if inst != nil {
						inst.kill(m.policy.StopTimeout)
					}
					return
				}
				if inst != nil {
					m.inst.Store(inst)
				}
			})
		}
		wg.Wait()
		if err := mergeErrors(errs); err != nil {
			return err
		}
		for _, m := range level {
			switch {
			case m.local != nil:
				m.setState(StateReady, "in process")
			case !m.lazy():
				m.setState(StateReady, "")
				h.startSupervisor(m)
			}
		}
	}
	return nil
}

// levels groups the plugins by the deployment's start order: each level
// depends only on earlier ones. A service block names its plugin.
func (h *Host) levels() [][]*managedPlugin {
	var out [][]*managedPlugin
	placed := map[*managedPlugin]bool{}
	for _, names := range h.cfg.Deployment.StartOrder() {
		var level []*managedPlugin
		for _, name := range names {
			m := h.plugin(name)
			if m == nil {
				if s := h.cfg.Deployment.Service(name); s != nil {
					m = h.plugin(s.Plugin)
				}
			}
			if m != nil && !placed[m] {
				placed[m] = true
				level = append(level, m)
			}
		}
		if len(level) > 0 {
			out = append(out, level)
		}
	}
	var rest []*managedPlugin // not in the graph: cannot happen for a valid deployment
	for _, m := range h.plugins {
		if !placed[m] {
			rest = append(rest, m)
		}
	}
	if len(rest) > 0 {
		out = append(out, rest)
	}
	return out
}

// wake starts an idle lazy plugin, once, in the background; callers wait
// for it to become ready (or fail) within their own deadlines.
func (h *Host) wake(m *managedPlugin) {
	m.mu.Lock()
	if m.state != StateIdle {
		m.mu.Unlock()
		return
	}
	m.mu.Unlock()
	m.setState(StateStarting, "first call to a lazy plugin")
	h.supervisors.Go(func() {
		ctx, cancel := context.WithTimeout(h.ctx, h.cfg.StartTimeout)
		err := h.spawn(ctx, m)
		cancel()
		if err != nil {
			m.mu.Lock()
			m.exit = "lazy start failed: " + err.Error()
			m.mu.Unlock()
			m.setState(StateFailed, "lazy start failed: "+err.Error())
			return
		}
		m.setState(StateReady, "started on first use")
		h.supervise(h.ctx, m)
	})
}

// configureInstance configures a launched, described instance.
func (h *Host) configureInstance(ctx context.Context, m *managedPlugin, inst *instance) error {
	ctx, cancel := context.WithTimeout(ctx, h.cfg.StartTimeout)
	defer cancel()
	stateDir := filepath.Join(h.cfg.Deployment.StateDir, "plugins", m.name())
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return &LaunchError{Plugin: m.name(), Reason: "cannot create the plugin's state directory", Err: err}
	}
	req := sdk.ConfigureRequest{Mode: h.cfg.Deployment.Mode, Seed: h.cfg.Deployment.Seed,
		Authority: h.authority, StateDir: stateDir}
	if m.local != nil {
		return m.configureLocal(ctx, req, h.router)
	}
	return m.configure(ctx, inst, req, h.router)
}

// spawn starts a fresh process for a plugin that has run before: launch,
// describe (it must serve the same operations), configure, serve.
func (h *Host) spawn(ctx context.Context, m *managedPlugin) error {
	inst, err := h.launchDescribed(ctx, m)
	if err != nil {
		return err
	}
	if err := h.configureInstance(ctx, m, inst); err != nil {
		inst.kill(h.cfg.StopTimeout)
		return err
	}
	m.inst.Store(inst)
	return nil
}

// mergeErrors joins errors, merging configuration diagnostics into one
// *DiagnosticsError so they print together with their snippets.
func mergeErrors(errs []error) error {
	var diags hcl.Diagnostics
	var others []error
	for _, err := range errs {
		var de *DiagnosticsError
		switch {
		case err == nil:
		case errors.As(err, &de):
			diags = append(diags, de.Diagnostics...)
		default:
			others = append(others, err)
		}
	}
	if len(diags) > 0 {
		others = append([]error{&DiagnosticsError{Diagnostics: diags}}, others...)
	}
	return errors.Join(others...)
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

// Shutdown stops the admin endpoint and supervision, then every plugin one
// by one in reverse start order (a service is asked to Stop first), each
// within its stop timeout even if it does not answer: it is then SIGKILLed.
// It is idempotent; later calls return the first result.
func (h *Host) Shutdown(ctx context.Context) error {
	h.shutdownOnce.Do(func() { h.shutdownErr = h.shutdown(ctx) })
	return h.shutdownErr
}

func (h *Host) shutdown(ctx context.Context) error {
	if h.admin != nil {
		h.admin.close(ctx)
	}
	h.cancel()
	h.supervisors.Wait()
	var stragglers []string
	var order []*managedPlugin
	for _, level := range h.levels() {
		order = append(order, level...)
	}
	for _, m := range slices.Backward(order) {
		if m.local != nil {
			h.stopLocal(ctx, m)
			continue
		}
		inst := m.inst.Swap(nil)
		if inst == nil {
			inst, m.starting = m.starting, nil
		}
		if inst == nil {
			if st, _ := m.currentState(); st != StateFailed {
				m.setState(StateStopped, "")
			}
			continue
		}
		m.setState(StateStopping, "")
		if !h.stopInstance(ctx, m, inst) {
			stragglers = append(stragglers, m.name())
		}
		m.setState(StateStopped, "")
	}
	h.background.Wait()
	if h.socketDir != "" {
		_ = os.RemoveAll(h.socketDir)
	}
	if len(stragglers) > 0 {
		slices.Sort(stragglers)
		return fmt.Errorf("plugins still running after SIGKILL: %v (a process in uninterruptible sleep cannot be killed until its I/O ends)", stragglers)
	}
	return nil
}

// stopLocal stops an in-process plugin this host owns: a service is asked
// to Stop within the plugin's stop timeout.
func (h *Host) stopLocal(ctx context.Context, m *managedPlugin) {
	if st, _ := m.currentState(); st != StateReady || m.shared {
		return
	}
	m.setState(StateStopping, "")
	if m.desc.Kind == effects.KindService {
		stopCtx, cancel := context.WithTimeout(ctx, m.policy.StopTimeout)
		if err := m.local.Stop(stopCtx); err != nil {
			m.logger.Warn("service did not stop cleanly", "error", err)
		}
		cancel()
	}
	m.setState(StateStopped, "")
}

// stopInstance stops one instance within the plugin's bound: a service is
// asked to Stop first; then the process is shut down, and killed if it
// does not go.
func (h *Host) stopInstance(ctx context.Context, m *managedPlugin, inst *instance) bool {
	bound := m.policy.StopTimeout
	if dl, ok := ctx.Deadline(); ok {
		bound = max(min(bound, time.Until(dl)), 10*time.Millisecond)
	}
	if m.desc.Kind == effects.KindService && inst.stream != nil {
		stopCtx, cancel := context.WithTimeout(ctx, bound/2)
		if err := inst.conn.Stop(stopCtx); err != nil {
			m.logger.Warn("service did not stop cleanly", "error", err)
		}
		cancel()
	}
	return inst.kill(bound)
}

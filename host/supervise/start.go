package supervise

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/owned"
	"github.com/aurahost/aura-host/sdk"
)

// Start-up, in phases: launch and describe every plugin (Launch), check
// configs and operations against what they described (Check), then
// configure and start them level by level in dependency order
// (Configure). Restarts and lazy starts reuse the same steps (spawn).

// Launch starts every plugin process in parallel and describes it (a
// plugin run in process is only described).
func (mg *Manager) Launch(ctx context.Context) error {
	// Plugins keep their data in the state directory: one that cannot be
	// one, or another user can write, is refused (validate included), at
	// state_dir's line. Launch does not create it; the host's Start does,
	// after the same check. The plugins are still launched, so that a
	// validate reports their mistakes too.
	stateErr := CheckStateDir(mg.cfg.Deployment)
	if errors.As(stateErr, new(*owned.UnsafePathError)) {
		return stateErr // one another user controls: no plugin starts at all
	}
	dir, err := makeSocketDir()
	if err != nil {
		return err
	}
	mg.socketDir = dir
	errs := make([]error, len(mg.plugins))
	var wg sync.WaitGroup
	for i, m := range mg.plugins {
		wg.Go(func() {
			inst, err := mg.launchDescribed(ctx, m)
			if err != nil {
				m.setStateReturned(StateFailed, err.Error())
			}
			m.starting, errs[i] = inst, err
		})
		if orig := mg.cfg.Deployment.Plugin(m.Name()); mg.cfg.Deployment.Override(m.Name()) != nil && orig != nil {
			wg.Go(func() { m.replaced, m.replacedErr = mg.describeOnly(ctx, orig, m.logger) })
		}
	}
	wg.Wait()
	return mergeErrors(append([]error{stateErr}, errs...))
}

// CheckStateDir checks the deployment's state directory before anything
// is kept there (owned.CheckDir: a directory, or a path where one can be
// made, off the kernel's filesystems, safe from other users): nil, or a
// *DiagnosticsError at state_dir's line (the deployment block's, for the
// default state directory). Validate and run call this one function.
func CheckStateDir(dep *config.Deployment) error {
	if dep.StateDir == "" {
		return nil
	}
	err := owned.CheckDir(dep.StateDir, "state directory")
	if err == nil {
		return nil
	}
	subject, detail := dep.StateDirRange, err.Error()+"."
	if subject == (hcl.Range{}) {
		subject = dep.DeclRange
		detail = fmt.Sprintf("The default state directory %s: %s", dep.StateDir, detail)
	}
	return &DiagnosticsError{Diagnostics: hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Unusable state directory",
		Detail: detail, Subject: subject.Ptr()}}, Cause: err}
}

// pluginStateDir is the directory private to one plugin, under the
// deployment's state directory.
func (mg *Manager) pluginStateDir(m *Plugin) string {
	return filepath.Join(mg.cfg.Deployment.StateDir, "plugins", m.Name())
}

// checkFilePaths checks a plugin's file paths as the host will hand them
// over: a config field named path, of kind string, names a file the
// plugin keeps (sdk/PROTOCOL.md), relative to its state directory. Each
// must be usable (owned.CheckFile) — not a directory, not on a kernel
// filesystem — reported at the attribute's line, in validate as in run.
func (mg *Manager) checkFilePaths(m *Plugin) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, f := range m.desc.Config {
		if f.Name != "path" || f.Kind != effects.KindString {
			continue
		}
		v, ok := m.values.Get(f.Name)
		if !ok || v.IsNull() {
			continue
		}
		path, _ := v.AsString()
		if path == "" {
			continue // the plugin's own check says what an empty path means
		}
		if !filepath.IsAbs(path) {
			if mg.cfg.Deployment.StateDir == "" {
				continue
			}
			path = filepath.Join(mg.pluginStateDir(m), path)
		}
		if err := owned.CheckFile(path, "file"); err != nil {
			diags = append(diags, config.PluginDiagnostic(m.decl, []string{f.Name}, hcl.DiagError, "Unusable file path", err.Error()+"."))
		}
	}
	return diags
}

// describeOnly launches a plugin only to ask what it serves: the plugin a
// mode override replaces, whose operations the swap must also serve.
func (mg *Manager) describeOnly(ctx context.Context, decl *config.Plugin, logger hclog.Logger) (effects.Descriptor, error) {
	if mg.cfg.InProcess && decl.Builtin != "" && mg.cfg.Builtins != nil {
		if newPlugin, ok := mg.cfg.Builtins(decl.Builtin); ok {
			return newPlugin().Descriptor(), nil
		}
	}
	ctx, cancel := context.WithTimeout(ctx, mg.cfg.StartTimeout)
	defer cancel()
	inst, err := launch(ctx, launchSpec{plugin: decl, executable: mg.cfg.Executable, socketDir: mg.socketDir, mode: mg.cfg.Deployment.Mode,
		startTimeout: mg.cfg.StartTimeout, logger: logger, logLevel: mg.cfg.Logger.GetLevel(), stderr: mg.cfg.StderrLimits})
	if err != nil {
		return effects.Descriptor{}, err
	}
	defer inst.kill(mg.cfg.StopTimeout)
	return inst.conn.Describe(ctx)
}

// launchDescribed starts one process and records what it describes.
func (mg *Manager) launchDescribed(ctx context.Context, m *Plugin) (*instance, error) {
	if l := m.local.Load(); l != nil {
		return nil, m.setDescriptor(l.Describe())
	}
	ctx, cancel := context.WithTimeout(ctx, mg.cfg.StartTimeout)
	defer cancel()
	inst, err := launch(ctx, launchSpec{plugin: m.decl, executable: mg.cfg.Executable, socketDir: mg.socketDir, mode: mg.cfg.Deployment.Mode,
		startTimeout: mg.cfg.StartTimeout, logger: m.logger, logLevel: mg.cfg.Logger.GetLevel(), stderr: mg.cfg.StderrLimits})
	if err != nil {
		return nil, err
	}
	desc, err := inst.conn.Describe(ctx)
	if err == nil {
		err = m.setDescriptor(desc)
	}
	if err != nil {
		inst.kill(mg.cfg.StopTimeout)
		return nil, &LaunchError{Plugin: m.Name(), Reason: "describe failed", Err: err,
			Hint: "the plugin answered the handshake but not the Aura contract; is it built with a matching sdk?"}
	}
	return inst, nil
}

// Check decodes every plugin's config block against the schema it
// declared and checks that no operation is claimed by two plugins. A
// mistake is a *DiagnosticsError placed in the user's file.
func (mg *Manager) Check() error {
	var diags hcl.Diagnostics
	ops := map[string][]effects.OpID{}
	for _, m := range mg.plugins {
		if m.desc.Name == "" {
			continue // not described (it failed to launch): Launch said why
		}
		values, d := config.DecodePluginConfig(m.decl, m.desc.Config)
		diags = append(diags, d...)
		m.values = overrideConfig(values, mg.cfg.PluginConfig[m.Name()])
		if !d.HasErrors() {
			diags = append(diags, mg.checkFilePaths(m)...)
		}
		for _, op := range m.desc.Ops {
			ops[m.Name()] = append(ops[m.Name()], op.ID)
		}
	}
	diags = append(diags, config.CheckOperations(mg.cfg.Deployment, ops)...)
	for _, m := range mg.plugins {
		diags = append(diags, mg.checkSwap(m)...)
	}
	if diags.HasErrors() {
		return &DiagnosticsError{Diagnostics: diags}
	}
	return nil
}

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
func (mg *Manager) checkSwap(m *Plugin) hcl.Diagnostics {
	o := mg.cfg.Deployment.Override(m.Name())
	if o == nil {
		return nil
	}
	if m.replacedErr != nil {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot check the swapped plugin",
			Detail:  fmt.Sprintf("The %s block swaps plugin %q, but the plugin it replaces could not be described: %v", mg.cfg.Deployment.Mode, m.Name(), m.replacedErr),
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
			mg.cfg.Deployment.Mode, m.Name(), strings.Join(missing, ", ")),
		Subject: o.DeclRange.Ptr()}}
}

// Configure configures the launched plugins level by level in
// dependency order (depends_on), the members of a level in parallel; a
// level is ready, and supervised, before the next starts. A lazy
// plugin was launched only to describe it: its process is stopped and it
// waits, idle, for its first call. Calls the plugins make back go to
// callbacks (the host's router).
func (mg *Manager) Configure(ctx context.Context, callbacks effects.Handler) error {
	mg.callbacks = callbacks
	for _, level := range mg.levels() {
		errs := make([]error, len(level))
		var wg sync.WaitGroup
		for i, m := range level {
			inst := m.starting
			m.starting = nil
			if m.lazy() && m.local.Load() == nil {
				inst.kill(m.policy.StopTimeout)
				m.setState(StateIdle, "lazy: starts on first use")
				continue
			}
			wg.Go(func() {
				if errs[i] = mg.configureInstance(ctx, m, inst); errs[i] != nil {
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
			case m.local.Load() != nil:
				m.setState(StateReady, "in process")
			case !m.lazy():
				m.setState(StateReady, "")
				mg.startSupervisor(m)
			}
		}
	}
	return nil
}

// levels groups the plugins by the deployment's start order: each level
// depends only on earlier ones. A service block names its plugin.
func (mg *Manager) levels() [][]*Plugin {
	var out [][]*Plugin
	placed := map[*Plugin]bool{}
	for _, names := range mg.cfg.Deployment.StartOrder() {
		var level []*Plugin
		for _, name := range names {
			m := mg.plugin(name)
			if m == nil {
				if s := mg.cfg.Deployment.Service(name); s != nil {
					m = mg.plugin(s.Plugin)
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
	var rest []*Plugin // not in the graph: cannot happen for a valid deployment
	for _, m := range mg.plugins {
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
func (mg *Manager) wake(m *Plugin) {
	m.mu.Lock()
	if m.state != StateIdle {
		m.mu.Unlock()
		return
	}
	m.mu.Unlock()
	m.setState(StateStarting, "first call to a lazy plugin")
	mg.supervisors.Go(func() {
		ctx, cancel := context.WithTimeout(mg.ctx, mg.cfg.StartTimeout)
		err := mg.spawn(ctx, m)
		cancel()
		if err != nil {
			m.mu.Lock()
			m.exit = "lazy start failed: " + err.Error()
			m.mu.Unlock()
			m.setState(StateFailed, "lazy start failed: "+err.Error())
			return
		}
		m.setState(StateReady, "started on first use")
		mg.supervise(mg.ctx, m)
	})
}

// configureInstance configures a launched, described instance.
func (mg *Manager) configureInstance(ctx context.Context, m *Plugin, inst *instance) error {
	ctx, cancel := context.WithTimeout(ctx, mg.cfg.StartTimeout)
	defer cancel()
	req, err := mg.configureRequest(m)
	if err != nil {
		return err
	}
	if l := m.local.Load(); l != nil {
		return m.configureLocal(ctx, l, req, mg.callbacks)
	}
	return m.configure(ctx, inst, req, mg.callbacks)
}

// configureRequest is what every instance of m is configured with: the
// deployment's mode and seed, the host's authority and m's own state
// directory, created if need be.
func (mg *Manager) configureRequest(m *Plugin) (sdk.ConfigureRequest, error) {
	stateDir := mg.pluginStateDir(m)
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return sdk.ConfigureRequest{}, &LaunchError{Plugin: m.Name(), Reason: "cannot create the plugin's state directory", Err: err}
	}
	return sdk.ConfigureRequest{Mode: mg.cfg.Deployment.Mode, Seed: mg.cfg.Deployment.Seed,
		Authority: mg.cfg.Authority, StateDir: stateDir}, nil
}

// spawn starts a fresh process for a plugin that has run before: launch,
// describe (it must serve the same operations), configure, serve.
func (mg *Manager) spawn(ctx context.Context, m *Plugin) error {
	inst, err := mg.launchDescribed(ctx, m)
	if err != nil {
		return err
	}
	if err := mg.configureInstance(ctx, m, inst); err != nil {
		inst.kill(mg.cfg.StopTimeout)
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

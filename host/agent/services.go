package agent

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/agent/builtin"
	"github.com/aurahost/aura-host/host/lifecycle"
)

// serviceKinds are the builtin services (host/agent/builtin), by kind.
var serviceKinds = byKind(builtin.Kinds())

func byKind(kinds []builtin.ServiceKind) map[string]builtin.ServiceKind {
	out := make(map[string]builtin.ServiceKind, len(kinds))
	for _, k := range kinds {
		out[k.Kind] = k
	}
	return out
}

// ServiceKinds are the builtin services an agent can host, sorted by kind.
func ServiceKinds() []builtin.ServiceKind {
	out := make([]builtin.ServiceKind, 0, len(serviceKinds))
	for _, k := range serviceKinds {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Kind < out[j].Kind })
	return out
}

// hostedService wraps a built service with the name and dependencies its
// block gives it.
type hostedService struct {
	builtin.HostedService
	name string
	deps []string
	kind builtin.ServiceKind

	mu       sync.Mutex
	settings effects.Value // as it runs: its config block, then what set_config changed
}

func (s *hostedService) currentSettings() effects.Value {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.settings
}

func (s *hostedService) setSettings(v effects.Value) {
	s.mu.Lock()
	s.settings = v
	s.mu.Unlock()
}

func (s *hostedService) Name() string           { return s.name }
func (s *hostedService) Dependencies() []string { return s.deps }

// declaredService is a builtin service block, checked: its kind, its
// settings and its dependencies.
type declaredService struct {
	block    *config.Service
	kind     builtin.ServiceKind
	settings effects.Value
	deps     []string
}

// declaredServices checks dep's builtin service blocks — a kind the
// runtime hosts, at most one block per kind, a config block its kind
// accepts — and returns them in declaration order. Mistakes are a
// *host.DiagnosticsError placing each at its line.
func declaredServices(dep *config.Deployment) ([]declaredService, error) {
	plugins := pluginNames(dep)
	var out []declaredService
	var diags hcl.Diagnostics
	first := map[string]*config.Service{} // by kind
	for _, s := range dep.Services {
		if s.Builtin == "" {
			continue
		}
		kind, ok := serviceKinds[s.Builtin]
		if !ok {
			diags = append(diags, unknownServiceKind(s))
			continue
		}
		if f := first[s.Builtin]; f != nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Builtin service declared twice",
				Detail: fmt.Sprintf("Service %q is a second %s service: an agent hosts one of each kind, which serves the kind's operations (the first is %q, at %s). Remove one of them.",
					s.Name, s.Builtin, f.Name, f.DeclRange),
				Subject: s.BuiltinRange.Ptr(),
			})
			continue
		}
		first[s.Builtin] = s
		settings, d := config.DecodeServiceConfig(s, kind.Config)
		if diags = append(diags, d...); d.HasErrors() {
			continue
		}
		deps := slices.Clone(s.DependsOn)
		for _, name := range kind.Dependencies {
			if !slices.Contains(deps, name) && (plugins[name] || dep.Service(name) != nil) {
				deps = append(deps, name)
			}
		}
		out = append(out, declaredService{block: s, kind: kind, settings: settings, deps: deps})
	}
	if diags.HasErrors() {
		return nil, &host.DiagnosticsError{Diagnostics: diags}
	}
	return out, nil
}

// pluginNames are the names of the plugins dep runs in its mode.
func pluginNames(dep *config.Deployment) map[string]bool {
	names := map[string]bool{}
	for _, p := range dep.EffectivePlugins() {
		names[p.Name] = true
	}
	return names
}

// CheckServices checks dep's builtin service blocks as an agent would
// before building them (`aura-host validate`): nil, or a
// *host.DiagnosticsError.
func CheckServices(dep *config.Deployment) error {
	_, err := declaredServices(dep)
	return err
}

// WithServiceDescriptors adds to descriptors (by plugin name, as
// host.Host.Descriptors returns them) one per builtin service of dep,
// named service:NAME, with the operations its kind serves: what `aura-host
// plugins` lists.
func WithServiceDescriptors(dep *config.Deployment, descriptors map[string]effects.Descriptor) map[string]effects.Descriptor {
	decls, _ := declaredServices(dep)
	if len(decls) == 0 {
		return descriptors
	}
	out := maps.Clone(descriptors)
	if out == nil {
		out = map[string]effects.Descriptor{}
	}
	for _, d := range decls {
		out["service:"+d.block.Name] = effects.Descriptor{Name: d.block.Name, Version: "builtin", Kind: effects.KindService,
			Ops: d.kind.Ops, Config: d.kind.Config}
	}
	return out
}

// buildServices builds every builtin service of dep, registers its
// operations and adds it to a new lifecycle manager.
func (a *Agent) buildServices(h *host.Host, dep *config.Deployment, logger hclog.Logger) (*lifecycle.Manager, error) {
	decls, err := declaredServices(dep)
	if err != nil {
		return nil, err
	}
	plugins := pluginNames(dep)
	m := lifecycle.New(lifecycle.Config{External: func(name string) bool { return plugins[name] },
		OnEvent: func(e lifecycle.Event) { logServiceEvent(logger, e) }})
	for _, s := range dep.Services {
		if s.Builtin == "" && plugins[s.Plugin] {
			deps := s.DependsOn
			if s.Plugin != s.Name { // named like its plugin, it stands for it
				deps = append([]string{s.Plugin}, deps...)
			}
			if err := m.Add(&pluginService{name: s.Name, plugin: s.Plugin, deps: deps, host: h}); err != nil {
				return nil, err
			}
		}
	}
	for _, d := range decls {
		name := d.block.Name
		built, err := d.kind.New(builtin.ServiceEnv{Agent: a, Name: name, Settings: d.settings, Logger: logger.Named(name), Deployment: dep,
			Authority: func(ag *config.Agent) (effects.AuthorityID, error) { return Authority(dep, ag) }})
		if err != nil {
			return nil, fmt.Errorf("service %s (%s): %w", name, d.kind.Kind, err)
		}
		svc := &hostedService{HostedService: built, name: name, deps: d.deps, kind: d.kind, settings: d.settings}
		if len(d.kind.Ops) > 0 {
			if err := h.Registry().Register("service:"+name, svc, d.kind.Ops...); err != nil {
				return nil, fmt.Errorf("service %s: %w", name, err)
			}
		}
		if err := m.Add(svc); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func unknownServiceKind(s *config.Service) *hcl.Diagnostic {
	var kinds []string
	for _, k := range ServiceKinds() {
		kinds = append(kinds, fmt.Sprintf("%q", k.Kind))
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Unknown builtin service",
		Detail: fmt.Sprintf("Service %q asks for builtin %q, which the agent runtime does not host. It hosts %s (see `aura-host plugins FILE`).",
			s.Name, s.Builtin, strings.Join(kinds, ", ")),
		Subject: s.BuiltinRange.Ptr(),
	}
}

// Service is the host-owned service named name, or nil. Type-assert it to
// the kind's own type for its Go API.
func (a *Agent) Service(name string) lifecycle.Service {
	if a.services == nil {
		return nil
	}
	if s, ok := a.services.Lookup(name).(*hostedService); ok {
		return s.HostedService
	}
	return nil
}

// Services is the status of every host-owned service: its place in the
// start order and its health.
func (a *Agent) Services() []lifecycle.Status {
	if a.services == nil {
		return nil
	}
	return a.services.Status()
}

// startServices starts the host-owned services in dependency order, after
// the plugins; a failure stops those started and is a *BuildError.
func (a *Agent) startServices(ctx context.Context) error {
	if err := a.services.Start(ctx); err != nil {
		return &BuildError{Kind: RuntimeConstruction, Field: "services", Err: err}
	}
	return nil
}

// pluginService is a service block that runs on a plugin, seen by the
// lifecycle manager: the host started it with the plugins (configured and
// started in dependency order), so Start only checks it is up, and its
// health is its plugin's state. Status so lists every service of the
// deployment, plugin-backed or hosted, in one start order.
type pluginService struct {
	name, plugin string
	deps         []string
	host         *host.Host
	stopped      atomic.Bool
}

func (s *pluginService) Name() string           { return s.name }
func (s *pluginService) Dependencies() []string { return s.deps }

func (s *pluginService) Start(context.Context) error {
	if h := s.Health(); !h.Operational() {
		return fmt.Errorf("its plugin %s is %s", s.plugin, h)
	}
	return nil
}

// Stop marks the service stopped: the host stops its plugin after the
// hosted services, asking the service to stop first.
func (s *pluginService) Stop(context.Context) error {
	s.stopped.Store(true)
	return nil
}

func (s *pluginService) Health() lifecycle.Health {
	if s.stopped.Load() {
		return lifecycle.Health{State: lifecycle.Stopped}
	}
	for _, p := range s.host.Plugins() {
		if p.Name == s.plugin {
			return pluginHealth(p)
		}
	}
	return lifecycle.Health{State: lifecycle.Unhealthy, Reason: "plugin " + s.plugin + " is not running"}
}

// pluginHealth maps a plugin's supervision state to a service's health.
func pluginHealth(p host.PluginStatus) lifecycle.Health {
	switch p.State {
	case host.StateReady:
		return lifecycle.Health{State: lifecycle.Healthy}
	case host.StateDegraded, host.StateRestarting:
		return lifecycle.Health{State: lifecycle.Degraded, Reason: "plugin " + p.Name + " is " + string(p.State)}
	case host.StateIdle: // a lazy plugin: its first call starts it
		return lifecycle.Health{State: lifecycle.Healthy, Reason: "idle: plugin " + p.Name + " starts on first use"}
	case host.StateStarting:
		return lifecycle.Health{State: lifecycle.Starting}
	case host.StateStopping:
		return lifecycle.Health{State: lifecycle.Stopping}
	case host.StateStopped:
		return lifecycle.Health{State: lifecycle.Stopped}
	}
	reason := "plugin " + p.Name + " failed"
	if p.LastExit != "" {
		reason += ": " + p.LastExit
	}
	return lifecycle.Health{State: lifecycle.Unhealthy, Reason: reason}
}

// logServiceEvent logs a service's start or stop: what an operator reads
// to see the order, and why one failed.
func logServiceEvent(logger hclog.Logger, e lifecycle.Event) {
	verb := "service started"
	if e.Stopped {
		verb = "service stopped"
	}
	args := []any{"service", e.Service, "health", e.Health.String()}
	if e.Err != nil {
		logger.Error(verb+" with an error", append(args, "error", e.Err)...)
		return
	}
	logger.Info(verb, args...)
}

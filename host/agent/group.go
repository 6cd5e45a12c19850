package agent

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/admin"
)

// GroupConfig configures a Group: the agents a deployment declares, run
// together by `aura-host run` (and `invoke`, `protocol run` when no host is
// serving).
type GroupConfig struct {
	// Deployment is the decoded deployment; it must declare at least one
	// agent block. Required.
	Deployment *config.Deployment

	// Mode is the execution mode (default: the deployment's). In production
	// each agent keeps its state (plugin data, device key, guard.db) in
	// <state_dir>/agents/<name>; in testing and simulation in a temporary
	// directory removed on Shutdown.
	Mode effects.Mode

	// Agents names the agent blocks to start (default: every one), for a
	// caller that acts as one agent and needs no other.
	Agents []string

	// Admin serves the admin endpoint in the deployment's state directory
	// while the group runs: status and reset for the operator, and invoke
	// routed as the agent a call names (`aura-host invoke --as`).
	Admin bool

	// Host configures the runtime under each agent (logger, executable,
	// built-ins in process, plugin config); each agent's logger is named
	// after it.
	Host host.Config
}

// Group is the agents of one deployment, each with its own plugins, router
// and guard chain, started and stopped together. It serves the admin
// endpoint as an admin.AgentTarget: every invoke acts as one agent,
// through that agent's guard chain, and nothing is routed around them.
type Group struct {
	dep    *config.Deployment
	names  []string // declaration order
	agents []*Agent
	admin  *admin.Server

	started      time.Time
	shutdownOnce sync.Once
	shutdownErr  error
}

var _ admin.AgentTarget = (*Group)(nil)

// StartGroup builds and starts every agent the deployment declares, in
// declaration order; agents of the group know each other's device keys, so
// each checks the others' receipts. On a failure it stops the agents it
// started and returns the error, naming the agent.
func StartGroup(ctx context.Context, cfg GroupConfig) (*Group, error) {
	dep := cfg.Deployment
	if dep == nil {
		return nil, &BuildError{Kind: MissingRequired, Field: "deployment", Message: "set GroupConfig.Deployment"}
	}
	if len(dep.Agents) == 0 {
		return nil, &BuildError{Kind: MissingRequired, Field: "agent", Message: "the deployment declares no agent block: it is a plain plugin host, whose calls are not guarded"}
	}
	mode := cfg.Mode
	if mode == "" {
		mode = dep.Mode
	}
	logger := cfg.Host.Logger
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	g := &Group{dep: dep}
	var mu sync.Mutex
	keys := map[effects.AuthorityID]ed25519.PublicKey{}
	peerKeys := func(id effects.AuthorityID) (ed25519.PublicKey, bool) {
		mu.Lock()
		defer mu.Unlock()
		k, ok := keys[id]
		return k, ok
	}
	for _, name := range cfg.Agents {
		if !slices.ContainsFunc(dep.Agents, func(a *config.Agent) bool { return a.Name == name }) {
			return nil, &BuildError{Kind: InvalidConfig, Field: "agent", Message: fmt.Sprintf("the deployment has no agent %q (its agents: %s)", name, strings.Join(AgentNames(dep), ", "))}
		}
	}
	for _, decl := range dep.Agents {
		if len(cfg.Agents) > 0 && !slices.Contains(cfg.Agents, decl.Name) {
			continue
		}
		id, err := Authority(dep, decl)
		if err != nil {
			return nil, g.abort(&BuildError{Kind: AuthorityError, Field: "agent " + decl.Name, Err: err})
		}
		acfg := Config{Deployment: dep, Mode: mode, Authority: id, PeerKeys: peerKeys, Host: cfg.Host}
		acfg.Host.Logger = logger.Named(decl.Name)
		acfg.Host.Admin = false
		if !mode.Deterministic() {
			acfg.StateDir = filepath.Join(dep.StateDir, "agents", decl.Name)
		}
		a, err := New(ctx, acfg)
		if err != nil {
			return nil, g.abort(fmt.Errorf("agent %s: %w", decl.Name, err))
		}
		mu.Lock()
		keys[id] = a.PublicKey()
		mu.Unlock()
		g.names, g.agents = append(g.names, decl.Name), append(g.agents, a)
	}
	g.started = time.Now()
	if cfg.Admin {
		srv, err := admin.Serve(admin.Config{StateDir: dep.StateDir, SocketDir: g.agents[0].Host().SocketDir(),
			Logger: logger, Target: g})
		if err != nil {
			return nil, g.abort(err)
		}
		g.admin = srv
	}
	return g, nil
}

// AgentNames are the names of a deployment's agent blocks, in declaration
// order.
func AgentNames(dep *config.Deployment) []string {
	names := make([]string, len(dep.Agents))
	for i, a := range dep.Agents {
		names[i] = a.Name
	}
	return names
}

// ChooseAgent is the agent a caller acts as in a deployment: the one it
// names, or with name empty the deployment's only agent. A deployment of
// several agents and no name, or a name it does not declare, is an
// invalid_args *effects.Error that lists the agents.
func ChooseAgent(dep *config.Deployment, name string) (string, error) {
	names := AgentNames(dep)
	switch {
	case name != "" && slices.Contains(names, name):
		return name, nil
	case name != "":
		return "", &effects.Error{Code: effects.CodeInvalidArgs,
			Message: fmt.Sprintf("this deployment has no agent %q (its agents: %s)", name, strings.Join(names, ", "))}
	case len(names) == 1:
		return names[0], nil
	}
	return "", &effects.Error{Code: effects.CodeInvalidArgs,
		Message: fmt.Sprintf("this deployment has %d agents (%s): name the one to act as with --as", len(names), strings.Join(names, ", "))}
}

func (g *Group) abort(err error) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return errors.Join(err, g.Shutdown(ctx))
}

// Names are the agents' names, in declaration order.
func (g *Group) Names() []string { return slices.Clone(g.names) }

// Agent returns the agent named name; with name empty, the only agent of a
// group of one. Anything else is an invalid_args *effects.Error that names
// the agents to choose from.
func (g *Group) Agent(name string) (*Agent, error) {
	if name == "" {
		if len(g.agents) == 1 {
			return g.agents[0], nil
		}
		return nil, &effects.Error{Code: effects.CodeInvalidArgs,
			Message: fmt.Sprintf("this deployment runs %d agents (%s): name the one to act as with --as", len(g.names), strings.Join(g.names, ", "))}
	}
	if i := slices.Index(g.names, name); i >= 0 {
		return g.agents[i], nil
	}
	return nil, &effects.Error{Code: effects.CodeInvalidArgs,
		Message: fmt.Sprintf("this deployment has no agent %q (its agents: %s)", name, strings.Join(g.names, ", "))}
}

// InvokeAs routes one call as the named agent ("": the only one), through
// its router and guard chain.
func (g *Group) InvokeAs(ctx context.Context, name string, call *effects.Call) (effects.Value, error) {
	a, err := g.Agent(name)
	if err != nil {
		e := *effects.AsError(err)
		e.Op = call.Op
		return effects.Value{}, &e
	}
	if a.closing.Load() {
		return effects.Value{}, &effects.Error{Code: effects.CodeUnavailable, Op: call.Op, Message: "agent is shutting down", Err: host.ErrShutdown}
	}
	return a.host.Invoke(ctx, call)
}

// Invoke routes one call as the only agent (admin.Target); with several,
// it is refused and names them.
func (g *Group) Invoke(ctx context.Context, call *effects.Call) (effects.Value, error) {
	return g.InvokeAs(ctx, "", call)
}

// Operation is the spec of an operation the agents serve: they run one
// deployment's plugins, so the first agent's registry speaks for all.
func (g *Group) Operation(op effects.OpID) (effects.OpSpec, bool) {
	return g.agents[0].host.Operation(op)
}

// Status is the deployment's status: with several agents, each plugin is
// named agent/plugin, and the authority lists name=authority pairs.
func (g *Group) Status() admin.Status {
	st := admin.Status{Deployment: g.dep.Name, Mode: string(g.agents[0].mode), PID: g.agents[0].host.Status().PID, Started: g.started}
	var auths []string
	for i, a := range g.agents {
		for _, p := range a.host.Plugins() {
			if len(g.agents) > 1 {
				p.Name = g.names[i] + "/" + p.Name
			}
			st.Plugins = append(st.Plugins, p)
		}
		for _, sv := range a.Services() {
			if len(g.agents) > 1 {
				sv.Name = g.names[i] + "/" + sv.Name
			}
			st.Services = append(st.Services, sv)
		}
		auths = append(auths, g.names[i]+"="+a.AuthorityID().String())
	}
	st.Authority = g.agents[0].AuthorityID().String()
	if len(g.agents) > 1 {
		st.Authority = strings.Join(auths, ", ")
	}
	return st
}

// Reset resets a failed plugin: "agent/plugin", or the plugin's name alone
// in a group of one.
func (g *Group) Reset(ctx context.Context, name string) error {
	agentName, plugin, ok := strings.Cut(name, "/")
	if !ok {
		agentName, plugin = "", name
	}
	a, err := g.Agent(agentName)
	if err != nil {
		return fmt.Errorf("reset %s: %w (name a plugin agent/plugin)", name, err)
	}
	return a.host.Reset(ctx, plugin)
}

// StateDir is the deployment's state directory, where the group serves
// its admin endpoint (each agent's own is below it in production).
func (g *Group) StateDir() string { return g.dep.StateDir }

// Agents are the group's agents, in declaration order.
func (g *Group) Agents() []*Agent { return slices.Clone(g.agents) }

// Plugins are every agent's plugins, named as Status names them.
func (g *Group) Plugins() []host.PluginStatus { return g.Status().Plugins }

// Shutdown stops the admin endpoint, then every agent in reverse
// declaration order (each as Agent.Shutdown does). It is idempotent.
func (g *Group) Shutdown(ctx context.Context) error {
	g.shutdownOnce.Do(func() {
		if g.admin != nil {
			g.admin.Close(ctx)
		}
		var errs []error
		for i := len(g.agents) - 1; i >= 0; i-- {
			if err := g.agents[i].Shutdown(ctx); err != nil {
				errs = append(errs, fmt.Errorf("agent %s: %w", g.names[i], err))
			}
		}
		g.shutdownErr = errors.Join(errs...)
	})
	return g.shutdownErr
}

// StartAs starts what a caller acting as agent name reaches in dep, for
// one-off calls: in a deployment with agent blocks, that agent alone
// (ChooseAgent: the one named, or the only one) with its plugins and guard
// chain; in one without, a plain host, whose calls are not guarded (name
// must then be empty). hc configures the runtime (its Deployment is set
// to dep). It returns the host to call and stop, which shuts it down.
func StartAs(ctx context.Context, dep *config.Deployment, name string, hc host.Config) (h *host.Host, stop func(context.Context) error, err error) {
	if len(dep.Agents) == 0 {
		if name != "" {
			return nil, nil, &effects.Error{Code: effects.CodeInvalidArgs,
				Message: fmt.Sprintf("this deployment declares no agents, so there is no agent %q to act as: drop --as (a plain plugin host: its calls are not guarded)", name)}
		}
		hc.Deployment = dep
		if h, err = host.New(hc); err != nil {
			return nil, nil, err
		}
		if err := h.Start(ctx); err != nil {
			return nil, nil, err
		}
		return h, h.Shutdown, nil
	}
	if name, err = ChooseAgent(dep, name); err != nil {
		return nil, nil, err
	}
	g, err := StartGroup(ctx, GroupConfig{Deployment: dep, Agents: []string{name}, Host: hc})
	if err != nil {
		return nil, nil, err
	}
	a, _ := g.Agent(name)
	return a.Host(), g.Shutdown, nil
}

package host

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl/v2"
	"lukechampine.com/blake3"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/effects/facade"
	"github.com/aurahost/aura-host/host/guard"
	"github.com/aurahost/aura-host/host/tasks"
	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/vm"
)

// BuildErrorKind classifies why an agent could not be built (AURA-SPEC §4).
type BuildErrorKind string

// Build error kinds.
const (
	MissingRequired     BuildErrorKind = "missing_required"
	InvalidConfig       BuildErrorKind = "invalid_config"
	EffectInit          BuildErrorKind = "effect_init"
	RuntimeConstruction BuildErrorKind = "runtime_construction"
	AuthorityError      BuildErrorKind = "authority_error"
)

// BuildError is why AgentBuilder could not build an agent.
type BuildError struct {
	Kind BuildErrorKind
	// Field names what was missing or invalid (e.g. "authority_id").
	Field string
	// Effect names the plugin that failed to start, for EffectInit.
	Effect  string
	Message string
	Err     error
}

func (e *BuildError) Error() string {
	msg := fmt.Sprintf("build agent: %s", e.Kind)
	if e.Field != "" {
		msg += " (" + e.Field + ")"
	}
	if e.Effect != "" {
		msg += " in plugin " + e.Effect
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *BuildError) Unwrap() error { return e.Err }

// AgentBuilder builds an Agent — one authority's runtime — the same way in
// every execution mode:
//
//	agent, err := host.NewAgentBuilder().
//		WithAuthority(id).
//		WithDeployment("deployment.hcl").
//		BuildProduction(ctx)
//
// BuildTesting and BuildSimulation build the same deployment with a fixed
// or given seed, a temporary state directory, and the deployment's testing
// or simulation plugin swaps. The guard chain is enforced in every mode.
type AgentBuilder struct {
	authority      effects.AuthorityID
	authorityLabel string
	path           string
	dep            *config.Deployment
	stateDir       string
	cfg            Config
	errs           []error
}

// NewAgentBuilder starts building an agent.
func NewAgentBuilder() *AgentBuilder { return &AgentBuilder{} }

// WithAuthority sets the authority the agent acts for. Required (or
// WithAuthorityLabel, or an agent block in the deployment naming it).
func (b *AgentBuilder) WithAuthority(id effects.AuthorityID) *AgentBuilder {
	b.authority = id
	return b
}

// WithAuthorityLabel sets the authority by label: its ID is derived from
// the label and the seed (never random in deterministic modes).
func (b *AgentBuilder) WithAuthorityLabel(label string) *AgentBuilder {
	b.authorityLabel = label
	return b
}

// WithDeployment reads the deployment from an HCL file.
func (b *AgentBuilder) WithDeployment(path string) *AgentBuilder {
	b.path = path
	return b
}

// WithConfig uses an already decoded deployment.
func (b *AgentBuilder) WithConfig(dep *config.Deployment) *AgentBuilder {
	b.dep = dep
	return b
}

// WithLogger sets the agent's logger.
func (b *AgentBuilder) WithLogger(l hclog.Logger) *AgentBuilder {
	b.cfg.Logger = l
	return b
}

// WithExecutable sets the aura-host binary that serves built-in plugins as
// processes (default: the running executable).
func (b *AgentBuilder) WithExecutable(path string) *AgentBuilder {
	b.cfg.Executable = path
	return b
}

// WithBuiltins gives the builder the catalogue of built-in plugins
// (plugins.Lookup); with inProcess they run in process instead of as
// processes.
func (b *AgentBuilder) WithBuiltins(lookup func(string) (func() *sdk.Plugin, bool), inProcess bool) *AgentBuilder {
	b.cfg.Builtins, b.cfg.InProcess = lookup, inProcess
	return b
}

// WithShared lets the agent use plugin instances shared with other agents
// (one simulated network and clock for all), by plugin name.
func (b *AgentBuilder) WithShared(shared map[string]*sdk.Local) *AgentBuilder {
	b.cfg.Shared = shared
	return b
}

// WithStateDir keeps the agent's state (plugin data, device key) in dir
// instead of the deployment's state directory: several agents of one
// deployment in one process each need their own.
func (b *AgentBuilder) WithStateDir(dir string) *AgentBuilder {
	b.stateDir = dir
	return b
}

// WithPluginConfig sets config attributes of one plugin over its config
// block (a map Value), such as an agent's own transport address.
func (b *AgentBuilder) WithPluginConfig(plugin string, values effects.Value) *AgentBuilder {
	if b.cfg.PluginConfig == nil {
		b.cfg.PluginConfig = map[string]effects.Value{}
	}
	b.cfg.PluginConfig[plugin] = values
	return b
}

// WithPeerKeys tells the agent how to find the public keys of the
// authorities it receives envelopes from, to check their receipts.
func (b *AgentBuilder) WithPeerKeys(keys func(effects.AuthorityID) (ed25519.PublicKey, bool)) *AgentBuilder {
	b.cfg.peerKeys = keys
	return b
}

// BuildProduction builds and starts the agent in production mode: the
// deployment's plugins as declared, its state directory, the OS CSPRNG.
func (b *AgentBuilder) BuildProduction(ctx context.Context) (*Agent, error) {
	return b.build(ctx, effects.Production, nil)
}

// BuildTesting builds and starts the agent in testing mode: the
// deployment's testing swaps, a fixed seed (the deployment's, else 0) and
// a temporary state directory removed on Shutdown.
func (b *AgentBuilder) BuildTesting() (*Agent, error) {
	return b.build(context.Background(), effects.Testing, nil)
}

// BuildSimulation builds and starts the agent in simulation mode with the
// given seed: the deployment's simulation swaps (virtual clock, seeded
// randomness, simulated network) and a temporary state directory.
func (b *AgentBuilder) BuildSimulation(seed uint64) (*Agent, error) {
	return b.build(context.Background(), effects.Simulation, &seed)
}

func (b *AgentBuilder) build(ctx context.Context, mode effects.Mode, seed *uint64) (*Agent, error) {
	dep, err := b.deployment()
	if err != nil {
		return nil, err
	}
	dep = dep.WithMode(mode)
	if seed != nil {
		dep.Seed = *seed
	}
	if mode == effects.Testing {
		dep = withInMemoryTransport(dep)
	}
	a := &Agent{mode: mode}
	if b.stateDir != "" {
		c := *dep
		c.StateDir = b.stateDir
		dep = &c
	} else if mode.Deterministic() {
		if a.tempDir, err = os.MkdirTemp("", "aura-agent-"); err != nil {
			return nil, &BuildError{Kind: RuntimeConstruction, Message: "temporary state directory", Err: err}
		}
		c := *dep
		c.StateDir = a.tempDir
		dep = &c
	}
	authority, agentDecl, err := b.resolveAuthority(dep)
	if err != nil {
		a.removeTemp()
		return nil, err
	}
	signer, err := agentKey(dep, authority)
	if err != nil {
		a.removeTemp()
		return nil, &BuildError{Kind: AuthorityError, Field: "device key", Err: err}
	}
	cfg := b.cfg
	cfg.Deployment, cfg.Authority = dep, authority
	h, err := New(cfg)
	if err != nil {
		a.removeTemp()
		return nil, &BuildError{Kind: RuntimeConstruction, Err: err}
	}
	allow := []string{"*"} // a deployment without agent blocks: its one authority may do anything
	var limit uint64
	if agentDecl != nil {
		allow, limit = agentDecl.Allow, agentDecl.FlowBudgetLimit
	} else if len(dep.Agents) > 0 {
		allow = nil
	}
	h.router.Guard(GuardConfig{Allow: allow, FlowBudgetLimit: limit, Signer: signer, PeerKeys: cfg.peerKeys})
	if err := h.Start(ctx); err != nil {
		a.removeTemp()
		return nil, startError(err)
	}
	a.host, a.signer = h, signer
	a.tasks = tasks.New(tasks.Config{Clock: tasks.NewEffectClock(tasks.EffectClockConfig{
		Handler: h.Router(), Authority: authority}), OnError: func(e *tasks.TaskError) {
		h.cfg.Logger.Error("task failed", "task", e.Task, "error", e.Err)
	}})
	return a, nil
}

func (b *AgentBuilder) deployment() (*config.Deployment, error) {
	switch {
	case b.dep != nil:
		return b.dep, nil
	case b.path == "":
		return nil, &BuildError{Kind: MissingRequired, Field: "deployment", Message: "call WithDeployment(path) or WithConfig(deployment)"}
	}
	dep, diags := config.Load(b.path, config.Options{})
	if diags.HasErrors() {
		return nil, &BuildError{Kind: InvalidConfig, Field: b.path, Err: &DiagnosticsError{Diagnostics: diags}}
	}
	return dep, nil
}

// resolveAuthority finds the agent's authority: given, derived from a
// label, or the deployment's; and the agent block that names it, if any.
func (b *AgentBuilder) resolveAuthority(dep *config.Deployment) (effects.AuthorityID, *config.Agent, error) {
	id := b.authority
	if id.IsZero() && b.authorityLabel != "" {
		id = effects.DeriveAuthorityID(b.authorityLabel, dep.Seed)
	}
	if id.IsZero() && dep.Authority != "" {
		var err error
		if id, err = ResolveAuthority(dep); err != nil {
			return id, nil, &BuildError{Kind: AuthorityError, Field: "authority", Err: err}
		}
	}
	if id.IsZero() {
		return id, nil, &BuildError{Kind: MissingRequired, Field: "authority_id",
			Message: "an agent acts for exactly one authority: call WithAuthority or WithAuthorityLabel, or set authority in the deployment block"}
	}
	for _, ag := range dep.Agents {
		aid, err := AgentAuthority(dep, ag)
		if err != nil {
			return id, nil, &BuildError{Kind: AuthorityError, Field: "agent " + ag.Name, Err: err}
		}
		if aid == id {
			return id, ag, nil
		}
	}
	return id, nil, nil
}

// startError classifies why a host did not start.
func startError(err error) *BuildError {
	var le *LaunchError
	if errors.As(err, &le) {
		return &BuildError{Kind: EffectInit, Effect: le.Plugin, Err: err}
	}
	var de *DiagnosticsError
	if errors.As(err, &de) {
		return &BuildError{Kind: InvalidConfig, Err: err}
	}
	return &BuildError{Kind: RuntimeConstruction, Err: err}
}

// withInMemoryTransport swaps, in testing mode, every transport plugin the
// deployment's testing block does not swap itself for the in-memory
// simulated network: tests never open sockets unless they ask to.
func withInMemoryTransport(dep *config.Deployment) *config.Deployment {
	var swaps []*config.Plugin
	for _, p := range dep.Plugins {
		if p.Builtin == "transport" && dep.Override(p.Name) == nil {
			swaps = append(swaps, &config.Plugin{Name: p.Name, NameRange: p.NameRange, DeclRange: p.DeclRange,
				Builtin: "sim-network", BuiltinRange: p.BuiltinRange, Config: hcl.EmptyBody()})
		}
	}
	if len(swaps) == 0 {
		return dep
	}
	c := *dep
	c.Overrides = maps.Clone(dep.Overrides)
	if c.Overrides == nil {
		c.Overrides = map[effects.Mode]*config.Override{}
	}
	o := &config.Override{Mode: effects.Testing}
	if prev := dep.Overrides[effects.Testing]; prev != nil {
		*o = *prev
		o.Plugins = slices.Clone(prev.Plugins)
	}
	o.Plugins = append(o.Plugins, swaps...)
	c.Overrides[effects.Testing] = o
	return &c
}

// AgentAuthority is the authority an agent block acts for: the ID it
// names, or one derived from its label (default: the agent's name) and the
// deployment's seed.
func AgentAuthority(dep *config.Deployment, ag *config.Agent) (effects.AuthorityID, error) {
	label := ag.Authority
	if label == "" {
		label = ag.Name
	}
	if len(label) > len("authority-") && label[:len("authority-")] == "authority-" {
		return effects.ParseAuthorityID(label)
	}
	return effects.DeriveAuthorityID(label, dep.Seed), nil
}

// agentKey is the agent's Ed25519 device key, which signs its receipts:
// derived from the seed and authority in deterministic modes, and in
// production kept in the state directory (created on first use, 0600).
func agentKey(dep *config.Deployment, authority effects.AuthorityID) (guard.KeySigner, error) {
	if dep.Mode.Deterministic() {
		return guard.KeySigner(ed25519.NewKeyFromSeed(DeriveKeySeed(authority, dep.Seed))), nil
	}
	path := filepath.Join(dep.StateDir, "keys", authority.String()+".key")
	if b, err := os.ReadFile(path); err == nil {
		if len(b) != ed25519.SeedSize {
			return nil, fmt.Errorf("device key %s is corrupt (%d bytes, want %d): restore it from backup", path, len(b), ed25519.SeedSize)
		}
		return guard.KeySigner(ed25519.NewKeyFromSeed(b)), nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	seed := make([]byte, ed25519.SeedSize)
	if _, err := rand.Read(seed); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, seed, 0o600); err != nil {
		return nil, err
	}
	return guard.KeySigner(ed25519.NewKeyFromSeed(seed)), nil
}

// DeriveKeySeed is the Ed25519 seed of an authority's device key in the
// deterministic modes.
func DeriveKeySeed(authority effects.AuthorityID, seed uint64) []byte {
	h := blake3.New(ed25519.SeedSize, nil)
	h.Write([]byte("aura-agent-key/v1\x00"))
	h.Write(authority[:])
	var s [8]byte
	for i := range s {
		s[i] = byte(seed >> (8 * (7 - i)))
	}
	h.Write(s[:])
	return h.Sum(nil)
}

// Agent is one authority's runtime: its plugins, router and guard chain.
// Every call it makes — through Invoke, its typed facades or a protocol it
// runs — goes through the router: authority scoping, the guard chain, then
// the plugin.
type Agent struct {
	host    *Host
	mode    effects.Mode
	signer  guard.KeySigner
	tempDir string
	tasks   *tasks.Supervisor
	closing atomic.Bool

	shutdownOnce sync.Once
	shutdownErr  error
}

// AuthorityID is the authority the agent acts for.
func (a *Agent) AuthorityID() effects.AuthorityID { return a.host.Authority() }

// Mode is the agent's execution mode.
func (a *Agent) Mode() effects.Mode { return a.mode }

// PublicKey is the agent's device key, which verifies its receipts.
func (a *Agent) PublicKey() ed25519.PublicKey { return a.signer.PublicKey() }

// Invoke routes one call as the agent. Once Shutdown has begun, public
// operations are refused.
func (a *Agent) Invoke(ctx context.Context, op effects.OpID, args effects.Value) (effects.Value, error) {
	if a.closing.Load() {
		return effects.Value{}, &effects.Error{Code: effects.CodeUnavailable, Op: op, Message: "agent is shutting down", Err: ErrShutdown}
	}
	return a.host.Invoke(ctx, &effects.Call{Op: op, Args: args})
}

// Tasks is the agent's task supervisor: named, hierarchical background
// tasks, periodic ones on the agent's clock effect (virtual in
// simulation), all cancelled and awaited on Shutdown.
func (a *Agent) Tasks() *tasks.Supervisor { return a.tasks }

// AuthorityContext is what an agent knows of the authority it acts for.
type AuthorityContext struct {
	Authority effects.AuthorityID
	Mode      effects.Mode
	// DeviceKey is the public half of the agent's device key, which signs
	// its receipts.
	DeviceKey ed25519.PublicKey
}

// AuthorityContext describes the authority the agent acts for.
func (a *Agent) AuthorityContext() AuthorityContext {
	return AuthorityContext{Authority: a.AuthorityID(), Mode: a.mode, DeviceKey: a.PublicKey()}
}

// EffectContext is the effects.EffectContext of the agent's calls in a
// relational context and session; attach it with effects.WithEffectContext
// and every call made with that context is scoped to them.
func (a *Agent) EffectContext(context effects.ContextID, session effects.SessionID) effects.EffectContext {
	return effects.EffectContext{Authority: a.AuthorityID(), Context: context, Session: session, Mode: a.mode}
}

// FlowBudget is the agent's flow budget for sending to peer in a context.
func (a *Agent) FlowBudget(ctx context.Context, context effects.ContextID, peer effects.AuthorityID) (guard.FlowBudget, error) {
	b, _, err := a.host.router.guard.budgets.Get(ctx, guard.BudgetKey{Context: context, Peer: peer})
	return b, err
}

// RotateEpoch moves the agent's budget for sending to peer in a context to
// its next epoch, which resets what it has spent: the only replenishment.
func (a *Agent) RotateEpoch(ctx context.Context, context effects.ContextID, peer effects.AuthorityID) error {
	key := guard.BudgetKey{Context: context, Peer: peer}
	b, _, err := a.host.router.guard.budgets.Get(ctx, key)
	if err != nil {
		return err
	}
	_, err = a.host.router.guard.budgets.Rotate(ctx, key, b.Epoch+1)
	return err
}

// Effects returns typed clients of every effect family and service, each
// call routed as this agent (authority scoping, guard chain, plugin).
func (a *Agent) Effects() *facade.Clients {
	return facade.NewScoped(a.host.Router(), facade.Scope{Authority: a.AuthorityID()})
}

// Sessions is the session service, as this agent.
func (a *Agent) Sessions() *facade.Sessions { return a.Effects().Sessions }

// Auth is the auth service, as this agent.
func (a *Agent) Auth() *facade.Auth { return a.Effects().Auth }

// Invitations is the invitation service, as this agent.
func (a *Agent) Invitations() *facade.Invitations { return a.Effects().Invitations }

// Recovery is the guardian recovery service, as this agent.
func (a *Agent) Recovery() *facade.Recovery { return a.Effects().Recovery }

// Rendezvous is the rendezvous service, as this agent.
func (a *Agent) Rendezvous() *facade.Rendezvous { return a.Effects().Rendezvous }

// Router is the agent's router, for the VM or other callers.
func (a *Agent) Router() *Router { return a.host.Router() }

// Host is the runtime underneath, for status and supervision.
func (a *Agent) Host() *Host { return a.host }

// TaskShutdownTimeout bounds how long Shutdown waits for the agent's
// background tasks.
const TaskShutdownTimeout = 5 * time.Second

// Shutdown stops the agent in the platform's order: refuse new public
// operations, cancel the task tree (waiting up to TaskShutdownTimeout and
// naming tasks still running), stop the services and plugins in reverse
// start order (each within its timeout), and remove a temporary state
// directory. A second Shutdown is a no-op returning the first result.
func (a *Agent) Shutdown(ctx context.Context) error {
	a.shutdownOnce.Do(func() {
		a.closing.Store(true)
		tctx, cancel := context.WithTimeout(ctx, TaskShutdownTimeout)
		taskErr := a.tasks.Shutdown(tctx)
		cancel()
		a.shutdownErr = errors.Join(taskErr, a.host.Shutdown(ctx))
		a.removeTemp()
	})
	return a.shutdownErr
}

func (a *Agent) removeTemp() {
	if a.tempDir != "" {
		_ = os.RemoveAll(a.tempDir)
	}
}

// CreateProductionAgent builds a production agent for authority from the
// deployment file at path.
func CreateProductionAgent(ctx context.Context, authority effects.AuthorityID, path string) (*Agent, error) {
	return NewAgentBuilder().WithAuthority(authority).WithDeployment(path).BuildProduction(ctx)
}

// CreateTestingAgent builds a testing agent for authority from the
// deployment file at path.
func CreateTestingAgent(authority effects.AuthorityID, path string) (*Agent, error) {
	return NewAgentBuilder().WithAuthority(authority).WithDeployment(path).BuildTesting()
}

// CreateSimulationAgent builds a simulation agent for authority from the
// deployment file at path, with seed.
func CreateSimulationAgent(authority effects.AuthorityID, path string, seed uint64) (*Agent, error) {
	return NewAgentBuilder().WithAuthority(authority).WithDeployment(path).BuildSimulation(seed)
}

// ProtocolOptions configures Agent.RunProtocol.
type ProtocolOptions struct {
	// Seed derives the session's identifiers and the host's made-up
	// decisions and payloads.
	Seed uint64
	// Granularity of the trace (default full).
	Granularity vm.Granularity
	// Decide, when set, picks branches instead of the seeded choice.
	Decide func(req *vm.DecisionRequest, n uint64) (string, error)
	// Payload, when set, supplies host() values.
	Payload func(req *vm.PayloadRequest) (effects.Value, error)
}

// RunProtocol runs every role of a protocol (HCL or JSON source) in one
// machine, with every invoke routed as this agent, and returns the finished
// machine (its bindings and trace). A protocol mistake is a
// *DiagnosticsError; a failed session is a *vm.Fault.
func (a *Agent) RunProtocol(ctx context.Context, src []byte, filename string, opts ProtocolOptions) (*vm.Machine, error) {
	proto, diags := vm.Load(src, filename)
	if diags.HasErrors() {
		return nil, &DiagnosticsError{Diagnostics: diags}
	}
	prog, diags := vm.Compile(proto)
	if diags.HasErrors() {
		return nil, &DiagnosticsError{Diagnostics: diags}
	}
	if opts.Granularity == "" {
		opts.Granularity = vm.Full
	}
	session := effects.DeriveSessionID(proto.Name, opts.Seed)
	host := vm.NewRegistryHost(vm.RegistryHostConfig{Handler: a.host.Router(), Seed: opts.Seed,
		Decide: opts.Decide, Payload: opts.Payload})
	return vm.RunSession(ctx, prog, vm.Config{Host: host, Session: session, Authority: a.AuthorityID(),
		Context: effects.DeriveContextID(proto.Name, opts.Seed), Granularity: opts.Granularity, Seed: opts.Seed})
}

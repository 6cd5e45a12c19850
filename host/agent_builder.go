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

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl/v2"
	"lukechampine.com/blake3"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/guard"
	"github.com/aurahost/aura-host/host/tasks"
	"github.com/aurahost/aura-host/sdk"
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

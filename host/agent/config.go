package agent

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
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/guard"
	"github.com/aurahost/aura-host/host/tasks"
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

// BuildError is why an agent could not be built.
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

// Config configures an agent: one authority's runtime over a deployment.
type Config struct {
	// Deployment is the decoded deployment. Required.
	Deployment *config.Deployment

	// Mode is the execution mode (default effects.Production). Testing and
	// Simulation use the deployment's testing or simulation plugin swaps,
	// a fixed seed and, without StateDir, a temporary state directory
	// removed on Shutdown; Testing also swaps every unswapped transport
	// for the in-memory simulated network.
	Mode effects.Mode

	// Seed, when set, replaces the deployment's seed (BuildSimulation).
	Seed *uint64

	// Authority is the authority the agent acts for. Required, unless
	// AuthorityLabel is set or the deployment block names an authority.
	Authority effects.AuthorityID

	// AuthorityLabel sets the authority by label: its ID is derived from
	// the label and the seed (never random in deterministic modes).
	AuthorityLabel string

	// StateDir keeps the agent's state (plugin data, device key) in this
	// directory instead of the deployment's state directory: several
	// agents of one deployment in one process each need their own.
	StateDir string

	// PeerKeys finds the public keys of the authorities the agent receives
	// envelopes from, to check their receipts. Default: none known.
	PeerKeys func(effects.AuthorityID) (ed25519.PublicKey, bool)

	// GuardStore keeps the guard chain's state — flow budgets, receipt
	// chains, nonces — out of reach of every effect the agent can call.
	// Default: in production a GuardFile (host.GuardFileName, 0600) in the
	// agent's state directory, which the agent closes on Shutdown; in
	// testing and simulation a fresh guard.MemStore, so that a run depends
	// on nothing but its seed.
	GuardStore guard.Store

	// Sync, when set, runs the anti-entropy sync service of the agent's
	// journal with the peers it names (see SyncConfig): periodic rounds
	// under the agent's task supervisor, and a round with each peer that
	// (re)connects. Agent.Sync is the service. Default: off.
	Sync *SyncConfig

	// Host configures the runtime underneath: logger, executable,
	// built-ins run in process, shared plugins, plugin config. Its
	// Deployment and Authority are set from the fields above.
	Host host.Config
}

// New builds the agent cfg describes and starts it under ctx: its
// plugins, its router with the guard chain, its task supervisor. A
// failure is a *BuildError saying which kind.
func New(ctx context.Context, cfg Config) (*Agent, error) {
	if cfg.Deployment == nil {
		return nil, &BuildError{Kind: MissingRequired, Field: "deployment", Message: "set Config.Deployment (Builder: WithDeployment or WithConfig)"}
	}
	mode := cfg.Mode
	if mode == "" {
		mode = effects.Production
	}
	dep := cfg.Deployment.WithMode(mode)
	if cfg.Seed != nil {
		dep.Seed = *cfg.Seed
	}
	if mode == effects.Testing {
		dep = withInMemoryTransport(dep)
	}
	a := &Agent{mode: mode}
	if cfg.StateDir != "" {
		c := *dep
		c.StateDir = cfg.StateDir
		dep = &c
	} else if mode.Deterministic() {
		var err error
		if a.tempDir, err = os.MkdirTemp("", "aura-agent-"); err != nil {
			return nil, &BuildError{Kind: RuntimeConstruction, Message: "temporary state directory", Err: err}
		}
		c := *dep
		c.StateDir = a.tempDir
		dep = &c
	}
	h, err := a.start(ctx, cfg, dep)
	if err != nil {
		a.removeTemp()
		return nil, err
	}
	logger := cfg.Host.Logger
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	a.host = h
	a.tasks = tasks.New(tasks.Config{Clock: tasks.NewEffectClock(tasks.EffectClockConfig{
		Handler: h.Router(), Authority: h.Authority()}), OnError: func(e *tasks.TaskError) {
		logger.Error("task failed", "task", e.Task, "error", e.Err)
	}})
	if cfg.Sync != nil {
		if err := a.startSync(cfg.Sync, logger); err != nil {
			_ = a.Shutdown(ctx)
			return nil, &BuildError{Kind: InvalidConfig, Field: "sync", Err: err}
		}
	}
	if err := a.startServices(ctx); err != nil {
		_ = a.Shutdown(ctx)
		return nil, err
	}
	return a, nil
}

// start makes the agent's host, installs its guard chain and starts it.
func (a *Agent) start(ctx context.Context, cfg Config, dep *config.Deployment) (*host.Host, error) {
	authority, agentDecl, err := resolveAuthority(cfg, dep)
	if err != nil {
		return nil, err
	}
	signer, err := agentKey(dep, authority)
	if err != nil {
		return nil, &BuildError{Kind: AuthorityError, Field: "device key", Err: err}
	}
	hcfg := cfg.Host
	hcfg.Deployment, hcfg.Authority = dep, authority
	hcfg.PluginConfig = withTransportIdentity(dep, authority, hcfg.PluginConfig)
	h, err := host.New(hcfg)
	if err != nil {
		return nil, &BuildError{Kind: RuntimeConstruction, Err: err}
	}
	allow := []string{"*"} // a deployment without agent blocks: its one authority may do anything
	var limit uint64
	if agentDecl != nil {
		allow, limit = agentDecl.Allow, agentDecl.FlowBudgetLimit
	} else if len(dep.Agents) > 0 {
		allow = nil
	}
	store := cfg.GuardStore
	if store == nil && dep.Mode.Deterministic() {
		store = guard.NewMemStore()
	} else if store == nil {
		f, err := host.OpenGuardFile(filepath.Join(dep.StateDir, host.GuardFileName))
		if err != nil {
			return nil, &BuildError{Kind: RuntimeConstruction, Field: "guard state", Err: err}
		}
		a.guardFile, store = f, f
	}
	h.Router().Guard(host.GuardConfig{Allow: allow, FlowBudgetLimit: limit, Signer: signer, PeerKeys: cfg.PeerKeys, Store: store})
	// The device family is host-owned: registered here, before any plugin,
	// so the device key signs for the services without leaving the process
	// (and a plugin that claims device.* conflicts at start-up).
	dev := &device{authority: authority, key: ed25519.PrivateKey(signer), peers: cfg.PeerKeys}
	if err := h.Registry().Register(DeviceProvider, dev, effects.DeviceOps()...); err != nil {
		a.closeGuardFile()
		return nil, &BuildError{Kind: RuntimeConstruction, Err: err}
	}
	// So is the system family (system.go), with the router's counters it
	// reports, observed from the first call on.
	logger := hcfg.Logger
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	if err := a.registerSystem(h, allow, logger); err != nil {
		a.closeGuardFile()
		return nil, &BuildError{Kind: RuntimeConstruction, Err: err}
	}
	// So are the builtin services' operations; the services themselves
	// start once the plugins have (New).
	a.host = h // for the services' New, which may observe its router
	if a.services, err = a.buildServices(h, dep, logger); err != nil {
		a.closeGuardFile()
		if _, ok := err.(*host.DiagnosticsError); ok {
			return nil, &BuildError{Kind: InvalidConfig, Err: err}
		}
		return nil, &BuildError{Kind: RuntimeConstruction, Err: err}
	}
	if err := h.Start(ctx); err != nil {
		a.closeGuardFile()
		return nil, startError(err)
	}
	a.signer = signer
	return h, nil
}

// resolveAuthority finds the agent's authority: given, derived from a
// label, or the deployment's; and the agent block that names it, if any.
func resolveAuthority(cfg Config, dep *config.Deployment) (effects.AuthorityID, *config.Agent, error) {
	id := cfg.Authority
	if id.IsZero() && cfg.AuthorityLabel != "" {
		id = effects.DeriveAuthorityID(cfg.AuthorityLabel, dep.Seed)
	}
	if id.IsZero() && dep.Authority != "" {
		var err error
		if id, err = host.ResolveAuthority(dep); err != nil {
			return id, nil, &BuildError{Kind: AuthorityError, Field: "authority", Err: err}
		}
	}
	if id.IsZero() {
		return id, nil, &BuildError{Kind: MissingRequired, Field: "authority_id",
			Message: "an agent acts for exactly one authority: call WithAuthority or WithAuthorityLabel, or set authority in the deployment block"}
	}
	for _, ag := range dep.Agents {
		aid, err := Authority(dep, ag)
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
	var le *host.LaunchError
	if errors.As(err, &le) {
		return &BuildError{Kind: EffectInit, Effect: le.Plugin, Err: err}
	}
	var de *host.DiagnosticsError
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

// Authority is the authority an agent block acts for: the ID it
// names, or one derived from its label (default: the agent's name) and the
// deployment's seed.
func Authority(dep *config.Deployment, ag *config.Agent) (effects.AuthorityID, error) {
	label := ag.Authority
	if label == "" {
		label = ag.Name
	}
	if len(label) > len("authority-") && label[:len("authority-")] == "authority-" {
		return effects.ParseAuthorityID(label)
	}
	return effects.DeriveAuthorityID(label, dep.Seed), nil
}

// withTransportIdentity gives, in production, every transport plugin the
// agent's device key file as its identity_key_file: the key that signs
// the agent's receipts is the one its transport proves to its peers (its
// libp2p peer ID), so the two identities agree.
func withTransportIdentity(dep *config.Deployment, authority effects.AuthorityID, pc map[string]effects.Value) map[string]effects.Value {
	if dep.Mode.Deterministic() {
		return pc
	}
	out := maps.Clone(pc)
	for _, p := range dep.EffectivePlugins() {
		if p.Builtin != "transport" {
			continue
		}
		if out == nil {
			out = map[string]effects.Value{}
		}
		fields := map[string]effects.Value{}
		for _, f := range out[p.Name].Fields() {
			fields[f.Key] = f.Value
		}
		fields["identity_key_file"] = effects.String(DeviceKeyFile(dep.StateDir, authority))
		out[p.Name] = effects.Map(fields)
	}
	return out
}

// DeviceKeyFile is where a production agent keeps its device key (the
// 32-byte Ed25519 seed, 0600) under its state directory.
func DeviceKeyFile(stateDir string, authority effects.AuthorityID) string {
	return filepath.Join(stateDir, "keys", authority.String()+".key")
}

// DevicePublicKey is the public half of the device key the agent of
// authority will use over dep (whose StateDir is the agent's), creating
// the key file in production if it does not exist yet: what its peers
// configure to authenticate its transport.
func DevicePublicKey(dep *config.Deployment, authority effects.AuthorityID) (ed25519.PublicKey, error) {
	k, err := agentKey(dep, authority)
	if err != nil {
		return nil, err
	}
	return k.PublicKey(), nil
}

// AgentKey is an agent's device public key.
type AgentKey struct {
	Agent     string
	PublicKey ed25519.PublicKey
}

// DeviceKeys is the device public key of each agent block of dep, in
// declaration order, each created in the agent's state directory
// (<state_dir>/agents/AGENT, as `aura-host run` and host/sim keep it) on
// first use: what a multi-host deployment's other machines write in their
// peer blocks.
func DeviceKeys(dep *config.Deployment) ([]AgentKey, error) {
	var out []AgentKey
	for _, ag := range dep.Agents {
		id, err := Authority(dep, ag)
		if err != nil {
			return nil, err
		}
		own := *dep
		own.StateDir = filepath.Join(dep.StateDir, "agents", ag.Name)
		pub, err := DevicePublicKey(&own, id)
		if err != nil {
			return nil, fmt.Errorf("agent %s: %w", ag.Name, err)
		}
		out = append(out, AgentKey{Agent: ag.Name, PublicKey: pub})
	}
	return out, nil
}

// agentKey is the agent's Ed25519 device key, which signs its receipts:
// derived from the seed and authority in deterministic modes, and in
// production kept in the state directory (created on first use, 0600).
func agentKey(dep *config.Deployment, authority effects.AuthorityID) (guard.KeySigner, error) {
	if dep.Mode.Deterministic() {
		return guard.KeySigner(ed25519.NewKeyFromSeed(DeriveKeySeed(authority, dep.Seed))), nil
	}
	path := DeviceKeyFile(dep.StateDir, authority)
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
	// Written whole to a temporary file, then linked into place, which
	// fails if the key exists: two processes creating it at once (the
	// processes of one production run) end with one key, whole, both
	// using it.
	tmp, err := os.CreateTemp(filepath.Dir(path), ".key-*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(seed)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	if err := os.Link(tmp.Name(), path); errors.Is(err, os.ErrExist) {
		return agentKey(dep, authority) // another process made it first: use its key
	} else if err != nil {
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

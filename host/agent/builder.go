package agent

import (
	"context"
	"crypto/ed25519"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/guard"
	"github.com/aurahost/aura-host/sdk"
)

// Builder is a fluent layer over Config and New, for programs that read
// better that way:
//
//	a, err := agent.NewBuilder().
//		WithAuthority(id).
//		WithDeployment("deployment.hcl").
//		BuildProduction(ctx)
//
// BuildTesting and BuildSimulation build the same deployment with a fixed
// or given seed, a temporary state directory, and the deployment's testing
// or simulation plugin swaps. The guard chain is enforced in every mode.
// Every mistake (no deployment, an unreadable file, no authority) is the
// *BuildError that the Build method returns.
type Builder struct {
	cfg  Config
	path string
}

// NewBuilder starts building an agent.
func NewBuilder() *Builder { return &Builder{} }

// WithAuthority sets the authority the agent acts for (Config.Authority).
func (b *Builder) WithAuthority(id effects.AuthorityID) *Builder {
	b.cfg.Authority = id
	return b
}

// WithAuthorityLabel sets the authority by label (Config.AuthorityLabel).
func (b *Builder) WithAuthorityLabel(label string) *Builder {
	b.cfg.AuthorityLabel = label
	return b
}

// WithDeployment reads the deployment from an HCL file when the agent is
// built; a mistake in it is an InvalidConfig *BuildError then.
func (b *Builder) WithDeployment(path string) *Builder {
	b.path = path
	return b
}

// WithConfig uses an already decoded deployment (Config.Deployment).
func (b *Builder) WithConfig(dep *config.Deployment) *Builder {
	b.cfg.Deployment = dep
	return b
}

// WithLogger sets the agent's logger.
func (b *Builder) WithLogger(l hclog.Logger) *Builder {
	b.cfg.Host.Logger = l
	return b
}

// WithExecutable sets the aura-host binary that serves built-in plugins as
// processes (default: the running executable).
func (b *Builder) WithExecutable(path string) *Builder {
	b.cfg.Host.Executable = path
	return b
}

// WithBuiltins gives the catalogue of built-in plugins (plugins.Lookup);
// with inProcess they run in process instead of as processes.
func (b *Builder) WithBuiltins(lookup func(string) (func() *sdk.Plugin, bool), inProcess bool) *Builder {
	b.cfg.Host.Builtins, b.cfg.Host.InProcess = lookup, inProcess
	return b
}

// WithStartTimeout bounds each plugin's start-up — process start,
// handshake, Describe and Configure — at d (host.Config.StartTimeout;
// default 10 s), for hosts that start many plugin processes at once on a
// loaded machine.
func (b *Builder) WithStartTimeout(d time.Duration) *Builder {
	b.cfg.Host.StartTimeout = d
	return b
}

// WithShared lets the agent use plugin instances shared with other agents
// (one simulated network and clock for all), by plugin name.
func (b *Builder) WithShared(shared map[string]*sdk.Local) *Builder {
	b.cfg.Host.Shared = shared
	return b
}

// WithStateDir keeps the agent's state in dir (Config.StateDir).
func (b *Builder) WithStateDir(dir string) *Builder {
	b.cfg.StateDir = dir
	return b
}

// WithPluginConfig sets config attributes of one plugin over its config
// block (a map Value), such as an agent's own transport address.
func (b *Builder) WithPluginConfig(plugin string, values effects.Value) *Builder {
	if b.cfg.Host.PluginConfig == nil {
		b.cfg.Host.PluginConfig = map[string]effects.Value{}
	}
	b.cfg.Host.PluginConfig[plugin] = values
	return b
}

// WithPeerKeys tells the agent how to find the public keys of the
// authorities it receives envelopes from (Config.PeerKeys).
func (b *Builder) WithPeerKeys(keys func(effects.AuthorityID) (ed25519.PublicKey, bool)) *Builder {
	b.cfg.PeerKeys = keys
	return b
}

// WithSync runs the anti-entropy sync service with cfg (Config.Sync).
func (b *Builder) WithSync(cfg SyncConfig) *Builder {
	b.cfg.Sync = &cfg
	return b
}

// WithGuardStore keeps the guard chain's state in store
// (Config.GuardStore).
func (b *Builder) WithGuardStore(store guard.Store) *Builder {
	b.cfg.GuardStore = store
	return b
}

// BuildProduction builds and starts the agent in production mode: the
// deployment's plugins as declared, its state directory, the OS CSPRNG.
func (b *Builder) BuildProduction(ctx context.Context) (*Agent, error) {
	return b.build(ctx, effects.Production, nil)
}

// BuildTesting builds and starts the agent in testing mode: the
// deployment's testing swaps, a fixed seed (the deployment's, else 0) and
// a temporary state directory removed on Shutdown.
func (b *Builder) BuildTesting(ctx context.Context) (*Agent, error) {
	return b.build(ctx, effects.Testing, nil)
}

// BuildSimulation builds and starts the agent in simulation mode with the
// given seed: the deployment's simulation swaps (virtual clock, seeded
// randomness, simulated network) and a temporary state directory.
func (b *Builder) BuildSimulation(ctx context.Context, seed uint64) (*Agent, error) {
	return b.build(ctx, effects.Simulation, &seed)
}

func (b *Builder) build(ctx context.Context, mode effects.Mode, seed *uint64) (*Agent, error) {
	cfg := b.cfg
	cfg.Mode, cfg.Seed = mode, seed
	if cfg.Deployment == nil && b.path != "" {
		dep, diags := config.Load(b.path, config.Options{})
		if diags.HasErrors() {
			return nil, &BuildError{Kind: InvalidConfig, Field: b.path, Err: &host.DiagnosticsError{Diagnostics: diags}}
		}
		cfg.Deployment = dep
	}
	return New(ctx, cfg)
}

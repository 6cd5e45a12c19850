package host

import (
	"context"

	"github.com/hashicorp/go-hclog"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
)

// EffectSystemBuilder assembles an effect system — the plugins of a
// deployment, their registry and the router — for one authority in one
// mode, and starts it. It is the layer under AgentBuilder: no guard chain,
// no device key, no task supervisor; embedding programs that only need
// routed effects use it directly.
type EffectSystemBuilder struct {
	cfg       Config
	authority effects.AuthorityID
	mode      effects.Mode
}

// NewEffectSystemBuilder starts building an effect system.
func NewEffectSystemBuilder() *EffectSystemBuilder { return &EffectSystemBuilder{} }

// WithConfig sets the deployment.
func (b *EffectSystemBuilder) WithConfig(dep *config.Deployment) *EffectSystemBuilder {
	b.cfg.Deployment = dep
	return b
}

// WithAuthority sets the authority every call is scoped to. Required.
func (b *EffectSystemBuilder) WithAuthority(id effects.AuthorityID) *EffectSystemBuilder {
	b.authority = id
	return b
}

// WithMode sets the execution mode (default: the deployment's).
func (b *EffectSystemBuilder) WithMode(m effects.Mode) *EffectSystemBuilder {
	b.mode = m
	return b
}

// WithLogger sets the logger.
func (b *EffectSystemBuilder) WithLogger(l hclog.Logger) *EffectSystemBuilder {
	b.cfg.Logger = l
	return b
}

// WithExecutable sets the aura-host binary that serves built-in plugins.
func (b *EffectSystemBuilder) WithExecutable(path string) *EffectSystemBuilder {
	b.cfg.Executable = path
	return b
}

// WithBuiltins gives the catalogue of built-ins; with inProcess they run
// in process.
func (b *EffectSystemBuilder) WithBuiltins(lookup func(string) (func() *sdk.Plugin, bool), inProcess bool) *EffectSystemBuilder {
	b.cfg.Builtins, b.cfg.InProcess = lookup, inProcess
	return b
}

// Build starts the effect system. A missing deployment or authority is a
// MissingRequired build error; a plugin that fails to start is EffectInit.
func (b *EffectSystemBuilder) Build(ctx context.Context) (*Host, error) {
	if b.cfg.Deployment == nil {
		return nil, &BuildError{Kind: MissingRequired, Field: "deployment", Message: "call WithConfig"}
	}
	if b.authority.IsZero() {
		return nil, &BuildError{Kind: MissingRequired, Field: "authority_id", Message: "call WithAuthority"}
	}
	cfg := b.cfg
	if b.mode != "" {
		cfg.Deployment = cfg.Deployment.WithMode(b.mode)
	}
	cfg.Authority = b.authority
	h, err := New(cfg)
	if err != nil {
		return nil, &BuildError{Kind: RuntimeConstruction, Err: err}
	}
	if err := h.Start(ctx); err != nil {
		return nil, startError(err)
	}
	return h, nil
}

package agent

import (
	"context"
	"errors"

	"github.com/hashicorp/go-hclog"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/sdk"
)

// Describe returns what dep's plugins and builtin services declare, by
// plugin name, as `aura-host plugins` lists it (WithServiceDescriptors),
// starting as little as it can: built-in plugins are described in
// process through builtins, so only command plugins are launched, asked
// to Describe, and stopped (host.Check). Nothing is configured, so no
// state is touched. It serves shell completion, which must be quick and
// quiet: log, if not nil, gets what the plugins log.
func Describe(ctx context.Context, dep *config.Deployment, builtins func(string) (func() *sdk.Plugin, bool), log hclog.Logger) (map[string]effects.Descriptor, error) {
	if log == nil {
		log = hclog.NewNullLogger()
	}
	h, err := host.New(host.Config{Deployment: dep, Logger: log, Builtins: builtins, InProcess: true})
	if err != nil {
		return nil, err
	}
	if err := errors.Join(h.Check(ctx), CheckServices(dep)); err != nil {
		return nil, err
	}
	return WithServiceDescriptors(dep, h.Descriptors()), nil
}

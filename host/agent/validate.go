package agent

import (
	"cmp"
	"context"
	"errors"
	"slices"

	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/host"
)

// Validate checks a deployment as `aura-host validate` does, reporting
// every mistake it can find in one pass rather than stopping at the first
// phase that has one: loaded are the diagnostics config.Load returned
// with dep; on what is still checkable (config.Deployment.Checkable: the
// blocks without errors) the plugins are launched only to be described,
// and their config blocks, file paths and operations, the state directory
// and the builtin services are checked (host.Host.Check, CheckServices),
// the same checks `run` makes. cfg.Deployment is set to dep's checkable
// part.
//
// It returns the host (nil when nothing could be checked; its Descriptors
// are what the plugins declared), every diagnostic — loaded and later
// phases', warnings included — in file order, and the errors that are not
// about a line of the file (a plugin binary that is missing, say).
func Validate(ctx context.Context, dep *config.Deployment, loaded hcl.Diagnostics, cfg host.Config) (*host.Host, hcl.Diagnostics, error) {
	diags := slices.Clone(loaded)
	checkable := dep.Checkable(loaded)
	if checkable == nil {
		return nil, diags, nil
	}
	cfg.Deployment = checkable
	h, err := host.New(cfg)
	if err != nil {
		return nil, diags, err
	}
	rest := errors.Join(h.Check(ctx), CheckServices(checkable))
	if later, others, ok := host.SplitDiagnostics(rest); ok {
		diags, rest = append(diags, later...), others
	}
	slices.SortStableFunc(diags, func(a, b *hcl.Diagnostic) int {
		if a.Subject == nil || b.Subject == nil {
			return cmp.Compare(boolInt(a.Subject != nil), boolInt(b.Subject != nil))
		}
		return cmp.Or(cmp.Compare(a.Subject.Filename, b.Subject.Filename), cmp.Compare(a.Subject.Start.Byte, b.Subject.Start.Byte))
	})
	return h, diags, rest
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

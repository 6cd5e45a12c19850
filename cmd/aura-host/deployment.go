package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl/v2"
	"github.com/mattn/go-isatty"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/agent"
	"github.com/aurahost/aura-host/plugins"
)

// loadDeployment decodes a deployment file, printing its diagnostics.
// Errors end the command with status 1.
func loadDeployment(g *globals, path string) (*config.Deployment, error) {
	dep, diags := config.Load(path, config.Options{Builtins: plugins.Names(), MaxFileSize: g.maxFileSize})
	if len(diags) > 0 {
		_ = config.WriteDiagnostics(stderr, dep.Files, diags, colorful(stderr))
	}
	if diags.HasErrors() {
		return nil, &exitError{code: 1}
	}
	return dep, nil
}

// newHost loads the deployment, in the mode --mode asks for (nil or unset:
// the file's), and prepares a host for it; quiet lowers the default log
// level for one-shot commands, admin serves the admin endpoint for
// `aura-host status`.
func newHost(g *globals, path string, mode *modeValue, quiet, admin bool) (*host.Host, *config.Deployment, hclog.Logger, error) {
	logger, err := g.logger(stderr, quiet)
	if err != nil {
		return nil, nil, nil, err
	}
	dep, err := loadDeployment(g, path)
	if err != nil {
		return nil, nil, nil, err
	}
	dep = mode.apply(dep)
	h, err := host.New(host.Config{Deployment: dep, Logger: logger, Admin: admin})
	if err != nil {
		return nil, nil, nil, err
	}
	return h, dep, logger, nil
}

// reportHostError prints a start-up failure: configuration mistakes with
// their snippets, anything else as the error says.
func reportHostError(dep *config.Deployment, err error) error {
	if reportDiagnostics(dep.Files, err) {
		return &exitError{code: 1}
	}
	return err
}

// reportDiagnostics prints the configuration mistakes err carries
// (host.SplitDiagnostics) with their snippets from files, then the errors
// joined with them; false, printing nothing, when it carries none.
func reportDiagnostics(files map[string]*hcl.File, err error) bool {
	diags, rest, ok := host.SplitDiagnostics(err)
	if !ok {
		return false
	}
	_ = config.WriteDiagnostics(stderr, files, diags, colorful(stderr))
	if rest != nil {
		fmt.Fprintln(stderr, "Error:", rest)
	}
	return true
}

// shutdown stops what stop shuts down (a host, a group of agents) within
// shutdownBound, logging a failure.
func shutdown(stop func(context.Context) error, logger hclog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownBound)
	defer cancel()
	if err := stop(ctx); err != nil {
		logger.Error("shutdown", "error", err)
	}
}

func colorful(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isatty.IsTerminal(f.Fd()) && os.Getenv("NO_COLOR") == ""
}

// noAgents is what run and invoke say of a deployment without agent
// blocks: a plain plugin host, whose calls no guard chain checks.
const noAgents = "no agents: calls are not guarded"

// startAgents starts the agents of a deployment that declares some (only
// those named in only, if any), each with its own plugins and guard chain;
// with admin, the group serves the admin endpoint as them. The caller must
// Shutdown.
func startAgents(ctx context.Context, dep *config.Deployment, logger hclog.Logger, admin bool, only ...string) (*agent.Group, error) {
	g, err := agent.StartGroup(ctx, agent.GroupConfig{Deployment: dep, Admin: admin, Agents: only,
		Host: host.Config{Logger: logger}})
	if err != nil {
		return nil, reportHostError(dep, err)
	}
	return g, nil
}

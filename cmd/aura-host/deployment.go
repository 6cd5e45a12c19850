package main

import (
	"context"
	"fmt"

	"github.com/hashicorp/go-hclog"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/agent"
	"github.com/aurahost/aura-host/plugins"
)

// loadDeployment decodes a deployment file, printing its diagnostics, in
// the mode --mode asks for (mode nil or unset: the file's). Errors end the
// command with status 1.
func loadDeployment(g *globals, path string, mode *modeValue) (*config.Deployment, error) {
	dep, diags := config.Load(path, config.Options{Builtins: plugins.Names(), MaxFileSize: g.maxFileSize})
	if err := printDiagnostics(dep.Files, diags); err != nil {
		return nil, err
	}
	if mode != nil {
		dep = dep.WithMode(mode.mode)
	}
	return dep, nil
}

// checkHost loads the deployment and starts its plugins only to ask what
// they declare, for validate and plugins: agent.Validate, which reports
// the mistakes of every block and phase at once. They are printed in file
// order; an error among them ends the command with status 1.
func checkHost(ctx context.Context, g *globals, path string, mode *modeValue) (*host.Host, *config.Deployment, error) {
	logger, err := g.logger(stderr, true)
	if err != nil {
		return nil, nil, err
	}
	dep, diags := config.Load(path, config.Options{Builtins: plugins.Names(), MaxFileSize: g.maxFileSize})
	if mode != nil {
		dep = dep.WithMode(mode.mode)
	}
	h, all, err := agent.Validate(ctx, dep, diags, host.Config{Logger: logger})
	if perr := printDiagnostics(dep.Files, all); perr != nil {
		if err != nil {
			fmt.Fprintln(stderr, "Error:", err)
		}
		return nil, nil, perr
	}
	if err != nil {
		return nil, nil, err
	}
	return h, dep, nil
}

// reportHostError prints a start-up failure: configuration mistakes with
// their snippets, anything else as the error says.
func reportHostError(dep *config.Deployment, err error) error {
	if reportDiagnostics(dep.Files, err) {
		return &exitError{code: 1}
	}
	return err
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

package main

import (
	"context"
	"errors"

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
// they declare (host.Check), for validate and plugins.
func checkHost(ctx context.Context, g *globals, path string, mode *modeValue) (*host.Host, *config.Deployment, error) {
	logger, err := g.logger(stderr, true)
	if err != nil {
		return nil, nil, err
	}
	dep, err := loadDeployment(g, path, mode)
	if err != nil {
		return nil, nil, err
	}
	h, err := host.New(host.Config{Deployment: dep, Logger: logger})
	if err != nil {
		return nil, nil, err
	}
	if err := errors.Join(h.Check(ctx), agent.CheckServices(dep)); err != nil {
		return nil, nil, reportHostError(dep, err)
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

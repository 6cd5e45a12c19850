// Package multihost is one machine of a multi-host deployment, as
// `aura-host run` runs it on a file with peer or relay blocks: the
// machine's agents, connected over the network transport to the agents of
// the other machines (Start, over host/sim; their runs in order with
// RunEach, each outcome recorded), the circuit relay its relay block asks
// for (plugins/transport.NewRelay, with its own key), and the keys the
// other machines' peer blocks name (Keys).
//
// It sits beside simtest as a consumer of the runtime: it imports host/...
// and plugins (which nothing under host may), so that cmd/aura-host keeps
// only flags and output, and a program embedding a machine needs no CLI.
package multihost

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/agent"
	"github.com/aurahost/aura-host/host/metrics"
	"github.com/aurahost/aura-host/host/session"
	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/host/sim/scenario"
	"github.com/aurahost/aura-host/plugins"
	"github.com/aurahost/aura-host/plugins/transport"
)

// Start builds the machine of dep (the file at file) in production: its
// agents, connected to the peers, with the built-in plugins run as
// processes of the aura-host executable exe. decide are ROLE=LABEL rules
// for the choices its roles leave to the host (a bad one is a
// *session.RuleError). The diagnostics say what is wrong with the runs
// (file:line) — every run's protocol compiles and binds its roles, checked
// as `aura-host simulate` checks them (scenario.Load) — before anything
// starts. The caller runs RunEach and Closes.
func Start(ctx context.Context, file string, dep *config.Deployment, decide []string, exe string, logger hclog.Logger) (*sim.Simulation, hcl.Diagnostics, error) {
	var diags hcl.Diagnostics
	var rules []session.Rule
	if len(dep.Runs) > 0 { // a machine may only sync, or only serve its peers
		sc, d := scenario.Load(file, dep)
		if diags = d; diags.HasErrors() {
			return nil, diags, nil
		}
		var err error
		if rules, err = session.ParseRules(decide, sc.Programs...); err != nil {
			return nil, diags, err
		}
	}
	s, err := sim.New(ctx, sim.Config{Deployment: dep, Mode: effects.Production, Decide: session.SeededDecider(rules, dep.Seed),
		Executable: exe, Builtins: plugins.Lookup, Logger: logger})
	return s, diags, err
}

// Serve runs the machine of dep (the file at file) until ctx ends: its
// relay block's relay, then (with agents) its agents, connected to the
// peers, and the file's runs in order (RunEach), each outcome printed to
// out as a line; then it serves the peers — still in a run, or syncing —
// until ctx ends, and shuts everything down. Errors in the file are
// a *host.DiagnosticsError (Start), a bad decide rule a
// *session.RuleError.
func Serve(ctx context.Context, out io.Writer, file string, dep *config.Deployment, decide []string, exe string, logger hclog.Logger) error {
	// The metrics address is taken first: a port in use fails start-up
	// before anything is launched.
	var m *metrics.Metrics
	if dep.Telemetry != nil && dep.Telemetry.Prometheus != "" {
		m = metrics.New()
		ep, err := metrics.Start(dep.Telemetry, m, logger)
		if err != nil {
			return err
		}
		defer func() {
			stop, cancel := context.WithTimeout(context.Background(), ShutdownBound)
			defer cancel()
			ep.Close(stop)
		}()
		fmt.Fprintf(out, "metrics at %s\n", ep.URL())
	}
	if dep.Relay != nil {
		r, err := StartRelay(dep, logger)
		if err != nil {
			return err
		}
		defer r.Close()
		fmt.Fprintf(out, "relay listening on %v, key %x\n", r.Addrs(), []byte(r.PublicKey()))
	}
	if len(dep.Agents) > 0 {
		s, diags, err := Start(ctx, file, dep, decide, exe, logger)
		if diags.HasErrors() {
			return &host.DiagnosticsError{Diagnostics: diags}
		} else if err != nil {
			return err
		}
		defer func() {
			stop, cancel := context.WithTimeout(context.Background(), ShutdownBound)
			defer cancel()
			s.Close(stop)
		}()
		if m != nil {
			for _, decl := range dep.Agents {
				if a := s.Agent(decl.Name); a != nil {
					m.AddHost(decl.Name, a.Host())
				}
			}
		}
		err = s.RunEach(ctx, func(r *sim.RunRecord) {
			if m != nil && !r.Recorded {
				m.SessionEnded(metrics.RunOutcome(r.Error))
			}
			fmt.Fprintln(out, r)
		})
		if err != nil && ctx.Err() == nil {
			return err
		}
		fmt.Fprintf(out, "outcomes are in %s; serving the peers, press Ctrl-C to stop\n", s.RunsDir())
	}
	<-ctx.Done()
	return nil
}

// ShutdownBound bounds the shutdown of a machine's agents.
const ShutdownBound = 10 * time.Second

// RelayKeyFile is where a machine's relay keeps its Ed25519 key:
// relay.key in the deployment's state directory.
func RelayKeyFile(dep *config.Deployment) string { return filepath.Join(dep.StateDir, "relay.key") }

// StartRelay starts dep's relay block: a circuit relay with its own key
// (created on first use), listening where the block says and, with an
// allow list, serving only those keys. The caller Closes it.
func StartRelay(dep *config.Deployment, logger hclog.Logger) (*transport.Relay, error) {
	if dep.Relay == nil {
		return nil, fmt.Errorf("deployment %s has no relay block", dep.Name)
	}
	key, err := transport.LoadOrCreateKeyFile(RelayKeyFile(dep))
	if err != nil {
		return nil, fmt.Errorf("relay key: %w", err)
	}
	var allow []ed25519.PublicKey
	for _, k := range dep.Relay.Allow {
		allow = append(allow, k)
	}
	r, err := transport.NewRelay(transport.RelayConfig{Listen: dep.Relay.Listen, Identity: key, Allow: allow, Logger: logger.Named("relay")})
	if err != nil {
		return nil, fmt.Errorf("%s: relay: %w", dep.Relay.DeclRange, err)
	}
	return r, nil
}

// Keys are the public keys of dep's agents (their device keys) and of its
// relay (named "relay"), each created on first use: what the peer blocks
// of the other machines write as public_key.
func Keys(dep *config.Deployment) ([]agent.AgentKey, error) {
	keys, err := agent.DeviceKeys(dep)
	if err != nil || dep.Relay == nil {
		return keys, err
	}
	key, err := transport.LoadOrCreateKeyFile(RelayKeyFile(dep))
	if err != nil {
		return nil, err
	}
	return append(keys, agent.AgentKey{Agent: "relay", PublicKey: key.Public().(ed25519.PublicKey)}), nil
}

package main

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/hashicorp/go-hclog"
	"github.com/spf13/cobra"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/host/agent"
	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/plugins"
	"github.com/aurahost/aura-host/plugins/transport"
)

// machineHelp is run's help on a file with peer blocks.
const machineHelp = `A file with peer blocks is one machine of a multi-host deployment
(examples/multihost): its agents run here, its peers elsewhere. run runs the
file's run blocks in order as its agents' roles, prints each outcome, records
it in <state_dir>/runs/RUN.json and serves on until interrupted. A restarted
machine skips the runs it recorded.`

// runMachine is run on one machine's file of a multi-host deployment.
func runMachine(ctx context.Context, out io.Writer, file string, dep *config.Deployment, decide []string, logger hclog.Logger) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	s, diags, err := sim.NewMachine(ctx, file, dep, decide, sim.Config{Executable: exe, Builtins: plugins.Lookup, Logger: logger})
	if perr := printDiagnostics(dep.Files, diags); perr != nil {
		return perr
	} else if err != nil {
		return reportHostError(dep, decideError(err))
	}
	defer shutdown(func(ctx context.Context) error { s.Close(ctx); return nil }, logger)
	err = s.RunEach(ctx, func(r *sim.RunRecord) { fmt.Fprintln(out, r) })
	if err != nil && ctx.Err() == nil {
		return err
	}
	fmt.Fprintf(out, "outcomes are in %s; serving the peers, press Ctrl-C to stop\n", s.RunsDir())
	<-ctx.Done()
	return nil
}

func newKeyCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "key FILE",
		Short: "Print the device key of each agent of the deployment, creating it if needed",
		Long: `Print each agent's Ed25519 device key (created on first use), and the key of
the file's relay: its network identity, which the peer blocks of the other
machines name as public_key.`,
		Example: `  aura-host key examples/multihost/device_1.hcl`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dep, err := loadDeployment(g, args[0], nil)
			if err != nil {
				return err
			}
			keys, err := agent.DeviceKeys(dep)
			if err != nil {
				return err
			}
			if dep.Relay != nil {
				key, err := transport.LoadOrCreateKeyFile(relayKeyFile(dep))
				if err != nil {
					return err
				}
				keys = append(keys, agent.AgentKey{Agent: "relay", PublicKey: key.Public().(ed25519.PublicKey)})
			}
			for _, k := range keys {
				fmt.Fprintf(cmd.OutOrStdout(), "%s\t%s\n", k.Agent, hex.EncodeToString(k.PublicKey))
			}
			return nil
		},
	}
}

// relayKeyFile is where a machine's relay keeps its Ed25519 key.
func relayKeyFile(dep *config.Deployment) string { return filepath.Join(dep.StateDir, "relay.key") }

// startRelay starts the relay block's circuit relay, with its own key.
func startRelay(out io.Writer, dep *config.Deployment, logger hclog.Logger) (*transport.Relay, error) {
	key, err := transport.LoadOrCreateKeyFile(relayKeyFile(dep))
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
	fmt.Fprintf(out, "relay listening on %v, key %x\n", r.Addrs(), []byte(r.PublicKey()))
	return r, nil
}

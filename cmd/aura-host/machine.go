package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/hashicorp/go-hclog"
	"github.com/spf13/cobra"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/agent"
	"github.com/aurahost/aura-host/host/session"
	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/plugins"
)

// machineHelp is run's help on a file with peer blocks.
const machineHelp = `A file with peer blocks is one machine's part of a multi-host deployment:
its agent blocks run here, each listening where its listen attribute says,
and its peer blocks are the agents of the other machines, reached at their
addresses and authenticated by their device keys (` + "`aura-host key FILE`" + ` prints
an agent's, for the peers' files). run then runs the file's run blocks in
order, its agents playing their roles while the peers play theirs, prints
each outcome and records it in <state_dir>/runs/RUN.json, and serves on
until interrupted, so that peers still in a run can reach it. A run already
recorded there is not run again: a machine restarted after a crash resumes
at the run it was in, from that run's start.`

// runMachine is run on one machine's file of a multi-host deployment.
func runMachine(ctx context.Context, out io.Writer, file string, dep *config.Deployment, decide []string, logger hclog.Logger) error {
	sc, diags := sim.LoadScenario(file, dep) // the runs' protocols compile and bind their roles
	if err := printDiagnostics(sc.Files, diags); err != nil {
		return err
	}
	rules, err := parseDecideFlags(decide, sc.Programs...)
	if err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	s, err := sim.New(ctx, sim.Config{Deployment: dep, Mode: effects.Production, Executable: exe,
		Builtins: plugins.Lookup, Logger: logger, Decide: session.SeededDecider(rules, dep.Seed)})
	if err != nil {
		return reportHostError(dep, err)
	}
	defer shutdown(func(ctx context.Context) error { s.Close(ctx); return nil }, logger)
	fmt.Fprintf(out, "deployment %q: agents %v here, %d peers elsewhere\n", dep.Name, agent.AgentNames(dep), len(dep.Peers))
	err = s.RunEach(ctx, func(r *sim.RunRecord) {
		switch {
		case r.Recorded && r.Error == "":
			fmt.Fprintf(out, "run %s: completed (recorded %s)\n", r.Run, r.FinishedAt.Format("2006-01-02 15:04:05"))
		case r.Recorded:
			fmt.Fprintf(out, "run %s: failed (recorded %s): %s\n", r.Run, r.FinishedAt.Format("2006-01-02 15:04:05"), r.Error)
		case r.Error == "":
			fmt.Fprintf(out, "run %s: completed\n", r.Run)
		default:
			fmt.Fprintf(out, "run %s: failed: %s\n", r.Run, r.Error)
		}
	})
	if err != nil && ctx.Err() == nil {
		return err
	}
	fmt.Fprintf(out, "outcomes are in %s; serving the peers, press Ctrl-C to stop\n", s.RunsDir())
	<-ctx.Done()
	logger.Info("shutting down")
	return nil
}

func newKeyCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "key FILE",
		Short: "Print the device key of each agent of the deployment, creating it if needed",
		Long: `Print the public half of each agent's Ed25519 device key, creating the key
(0600, in <state_dir>/agents/AGENT/keys) on first use. The device key signs
the agent's receipts and is its network identity: on a multi-host
deployment, each peer block for this agent on the other machines writes it
as public_key.`,
		Example: `  aura-host key examples/multihost/device_1.hcl`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dep, err := loadDeployment(g, args[0], nil)
			if err != nil {
				return err
			}
			for _, ag := range dep.Agents {
				id, err := agent.Authority(dep, ag)
				if err != nil {
					return err
				}
				own := *dep
				own.StateDir = filepath.Join(dep.StateDir, "agents", ag.Name)
				pub, err := agent.DevicePublicKey(&own, id)
				if err != nil {
					return fmt.Errorf("agent %s: %w", ag.Name, err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s\t%s\n", ag.Name, hex.EncodeToString(pub))
			}
			return nil
		},
	}
}

package main

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/aurahost/aura-host/host/admin"
)

// adminSocket finds the admin socket of the host running the deployment
// in file, or of the only running host when file is empty.
func adminSocket(g *globals, file string) (string, error) {
	if file == "" {
		return admin.Find("")
	}
	dep, err := loadDeployment(g, file, nil)
	if err != nil {
		return "", err
	}
	return admin.Find(dep.StateDir)
}

func newStatusCommand(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status [FILE]",
		Short: "Show the plugins of a running host: state, PID, restarts, calls, latency",
		Long: `Ask a running aura-host (started with ` + "`aura-host run`" + `, in another terminal) for
the state of its plugins: state, PID, uptime, restarts in the current
window, why the last process ended, calls, errors and p50/p99 latency.

With FILE, the host running that deployment; without, the only host you
run. --json prints the same for scripts.`,
		Example: "  aura-host status\n  aura-host status examples/quickstart/deployment.hcl --json",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			file := ""
			if len(args) == 1 {
				file = args[0]
			}
			sock, err := adminSocket(g, file)
			if err != nil {
				return err
			}
			st, err := admin.Dial(sock).Status(cmd.Context())
			if err != nil {
				return err
			}
			return writeAs(cmd.OutOrStdout(), asJSON, st, func(w io.Writer) { st.WriteText(w, time.Now()) })
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the status as JSON")
	return cmd
}

func newResetCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "reset [FILE] PLUGIN",
		Short: "Restart a plugin that supervision marked failed",
		Long: `A plugin that keeps crashing is marked failed once it exceeds its restart
limit; its operations then fail fast. After fixing the cause, reset it: the
running host clears its restart history and starts it again.`,
		Example: "  aura-host reset storage\n  aura-host reset examples/quickstart/deployment.hcl storage",
		Args:    cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			file, name := "", args[0]
			if len(args) == 2 {
				file, name = args[0], args[1]
			}
			sock, err := adminSocket(g, file)
			if err != nil {
				return err
			}
			if err := admin.Dial(sock).Reset(cmd.Context(), name); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "plugin %s restarted\n", name)
			return nil
		},
	}
}

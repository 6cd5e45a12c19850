package main

import (
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/admin"
)

func newWatchCommand(g *globals) *cobra.Command {
	var asJSON bool
	var as string
	cmd := &cobra.Command{
		Use:   "watch FILE SIGNAL",
		Short: "Print a signal of the reactive pipeline now and each time it changes",
		Long: `Print SIGNAL of the host serving FILE (` + "`aura-host run`" + `, with a service whose builtin
is "reactive") now and at each change, until interrupted or the host stops
(status 1). A terminal that falls behind skips to the newest value.`,
		Example: "  aura-host watch examples/reactive/deployment.hcl invites --as alice",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			sock, err := adminSocket(g, args[0])
			if err != nil {
				return err
			}
			return admin.Dial(sock).Watch(ctx, as, args[1], func(v effects.Value) error {
				return admin.WatchEvent{Signal: args[1], Value: v}.Write(cmd.OutOrStdout(), asJSON)
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print each value as a JSON line")
	cmd.Flags().StringVar(&as, "as", "", "the agent whose signal to watch (default: the only one)")
	return cmd
}

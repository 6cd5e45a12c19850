package main

import (
	"fmt"
	"slices"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/aurahost/aura-host/effects"
)

func newPluginsCommand(g *globals) *cobra.Command {
	var mode *modeValue
	cmd := &cobra.Command{
		Use:   "plugins FILE",
		Short: "List every operation the deployment serves, with its plugin and schema",
		Long: `Start the deployment's plugins only to ask what they declare, and list every
operation: the plugin serving it, its parameters and result kind, whether it
is idempotent, and its determinism class.

` + modeHelp + ` The PLUGIN column then names the plugin each operation is
served by in that mode.`,
		Example: `  aura-host plugins examples/quickstart/deployment.hcl
  aura-host plugins examples/simulation/deployment.hcl --mode production`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			h, dep, _, err := newHost(g, args[0], mode, true, false)
			if err != nil {
				return err
			}
			if err := h.Check(cmd.Context()); err != nil {
				return reportHostError(dep, err)
			}
			type row struct {
				plugin string
				spec   effects.OpSpec
			}
			var rows []row
			for name, d := range h.Descriptors() {
				for _, op := range d.Ops {
					rows = append(rows, row{name, op})
				}
			}
			slices.SortFunc(rows, func(a, b row) int {
				if a.spec.ID < b.spec.ID {
					return -1
				}
				if a.spec.ID > b.spec.ID {
					return 1
				}
				return 0
			})
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "OPERATION\tPLUGIN\tSIGNATURE")
			for _, r := range rows {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", r.spec.ID, r.plugin, r.spec.Signature())
			}
			return tw.Flush()
		},
	}
	mode = addModeFlag(cmd.Flags())
	return cmd
}

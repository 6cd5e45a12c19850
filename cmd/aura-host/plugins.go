package main

import (
	"github.com/spf13/cobra"

	"github.com/aurahost/aura-host/host/agent"
	"github.com/aurahost/aura-host/host/supervise"
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
			h, dep, err := checkHost(cmd.Context(), g, args[0], mode)
			if err != nil {
				return err
			}
			return supervise.WriteOperationTable(cmd.OutOrStdout(), agent.WithServiceDescriptors(dep, h.Descriptors()))
		},
	}
	mode = addModeFlag(cmd.Flags())
	return cmd
}

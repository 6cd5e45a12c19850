package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newValidateCommand(g *globals) *cobra.Command {
	var mode *modeValue
	cmd := &cobra.Command{
		Use:   "validate FILE",
		Short: "Check a deployment file and report every mistake with its line",
		Long: `Check a deployment file: its HCL, every plugin block, every plugin's config
block against the schema the plugin declares, and that no operation is
claimed by two plugins. Plugins are started only to ask what they declare,
then stopped. Mistakes are printed with file:line:col and a snippet; the
exit status is 1 if there is any error.

` + modeHelp + ` Validate once per mode to check
the plugins of each.`,
		Example: `  aura-host validate examples/quickstart/deployment.hcl
  aura-host validate examples/simulation/deployment.hcl --mode production`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			h, dep, err := checkHost(cmd.Context(), g, args[0], mode)
			if err != nil {
				return err
			}
			ops := 0
			for _, d := range h.Descriptors() {
				ops += len(d.Ops)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: deployment %q is valid: %d plugins, %d operations\n", args[0], dep.Name, len(dep.Plugins), ops)
			return nil
		},
	}
	mode = addModeFlag(cmd.Flags())
	return cmd
}

package main

import (
	"encoding/hex"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/aurahost/aura-host/multihost"
)

func newKeyCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "key FILE",
		Short:   "Print the device keys of the file's agents (and relay), which other machines' peer blocks name",
		Example: `  aura-host key examples/multihost/device_1.hcl`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dep, err := loadDeployment(g, args[0], nil)
			if err != nil {
				return err
			}
			keys, err := multihost.Keys(dep)
			for _, k := range keys {
				fmt.Fprintf(cmd.OutOrStdout(), "%s\t%s\n", k.Agent, hex.EncodeToString(k.PublicKey))
			}
			return err
		},
	}
}

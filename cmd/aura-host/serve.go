package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/aurahost/aura-host/plugins"
	"github.com/aurahost/aura-host/sdk"
)

func newPluginCommand(g *globals) *cobra.Command {
	plugin := &cobra.Command{
		Use:   "plugin",
		Short: "Check a plugin against the protocol (conformance); serve a built-in plugin",
	}
	plugin.AddCommand(newConformanceCommand(g), &cobra.Command{
		Use:    "serve NAME",
		Hidden: true,
		Short:  "Serve the built-in plugin NAME over the plugin protocol",
		Long: `Serve a built-in plugin. aura-host re-executes itself with this command for
every plugin block that says builtin = "NAME"; it is not meant to be run by
hand (the plugin handshake needs the host's environment).

Built-in plugins: ` + strings.Join(plugins.Names(), ", "),
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			newPlugin, ok := plugins.Builtins()[args[0]]
			if !ok {
				return fmt.Errorf("no built-in plugin %q (built-ins: %s)", args[0], strings.Join(plugins.Names(), ", "))
			}
			sdk.Serve(newPlugin())
			return nil
		},
	})
	return plugin
}

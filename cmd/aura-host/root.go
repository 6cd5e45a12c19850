package main

import (
	"fmt"
	"io"
	"os"

	"github.com/hashicorp/go-hclog"
	"github.com/spf13/cobra"
)

// globals are the flags every command shares.
type globals struct {
	logLevel string
	logJSON  bool
}

func (g *globals) logger(w io.Writer) (hclog.Logger, error) {
	level := hclog.LevelFromString(g.logLevel)
	if level == hclog.NoLevel {
		return nil, fmt.Errorf("--log-level %q: want trace, debug, info, warn, error or off", g.logLevel)
	}
	return hclog.New(&hclog.LoggerOptions{
		Name:       "aura-host",
		Level:      level,
		Output:     w,
		JSONFormat: g.logJSON,
		Color:      hclog.AutoColor,
	}), nil
}

func newRootCommand() *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:   "aura-host",
		Short: "Run Aura Host deployments: plugins, effect routing, choreographies",
		Long: `aura-host runs an Aura deployment described in one HCL file.

It launches every declared plugin (built-in or external) as its own process,
speaking gRPC through hashicorp/go-plugin, registers every operation the
plugins declare, and routes effect calls to them — with deadlines,
cancellation and authority scoping intact.

A first tour:

  aura-host validate examples/quickstart/deployment.hcl
  aura-host plugins  examples/quickstart/deployment.hcl
  aura-host invoke   examples/quickstart/deployment.hcl crypto.hash data=68656c6c6f
  aura-host run      examples/quickstart/deployment.hcl`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", "info", "log level: trace, debug, info, warn, error, off")
	root.PersistentFlags().BoolVar(&g.logJSON, "log-json", false, "write logs as JSON lines")
	root.AddCommand(
		newRunCommand(g),
		newValidateCommand(g),
		newPluginsCommand(g),
		newInvokeCommand(g),
		newVersionCommand(),
		newPluginCommand(),
	)
	return root
}

// stderr is where logs and diagnostics go; commands print results to
// stdout so that they can be piped.
var stderr io.Writer = os.Stderr

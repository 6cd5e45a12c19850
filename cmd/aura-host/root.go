package main

import (
	"fmt"
	"io"
	"os"

	"github.com/aurahost/aura-host/config"
	"github.com/hashicorp/go-hclog"
	"github.com/spf13/cobra"
)

// globals are the flags every command shares.
type globals struct {
	logLevel string
	logJSON  bool
	// maxFileSize caps deployment and protocol files (--max-file-size).
	maxFileSize int64
}

// logger builds the CLI's logger. Without --log-level, long-running
// commands log at info and one-shot commands (invoke, validate, plugins)
// only warnings, so that their output is the answer.
func (g *globals) logger(w io.Writer, quiet bool) (hclog.Logger, error) {
	name := g.logLevel
	if name == "" {
		name = "info"
		if quiet {
			name = "warn"
		}
	}
	level := hclog.LevelFromString(name)
	if level == hclog.NoLevel {
		return nil, fmt.Errorf("--log-level %q: want trace, debug, info, warn, error or off", name)
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
  aura-host run      examples/quickstart/deployment.hcl

Protocols (choreographies), run through a deployment's plugins:

  aura-host protocol check examples/protocols/guardian_recovery.hcl
  aura-host protocol run   examples/protocols/guardian_recovery.hcl \
      --deployment examples/protocols/deployment/deployment.hcl --record recovery.jsonl
  aura-host trace replay   recovery.jsonl

Simulations: several agents in one process on virtual time, with faults:

  aura-host simulate   examples/simulation/deployment.hcl --seed 7 --record seed-7.jsonl
  aura-host simulate   examples/simulation/deployment.hcl --seeds 1..200
  aura-host trace diff seed-7.jsonl seed-8.jsonl`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", "", "log level: trace, debug, info, warn, error, off (default info for run, warn for one-shot commands)")
	root.PersistentFlags().BoolVar(&g.logJSON, "log-json", false, "write logs as JSON lines")
	root.PersistentFlags().Int64Var(&g.maxFileSize, "max-file-size", config.DefaultMaxFileSize,
		"largest deployment or protocol file read, in bytes (anything larger is refused before it is parsed)")
	root.AddCommand(
		newRunCommand(g),
		newKeyCommand(g),
		newStatusCommand(g),
		newWatchCommand(g),
		newResetCommand(g),
		newValidateCommand(g),
		newPluginsCommand(g),
		newInvokeCommand(g),
		newProtocolCommand(g),
		newSimulateCommand(g),
		newTraceCommand(),
		newVersionCommand(),
		newPluginCommand(g),
	)
	return root
}

// stderr is where logs and diagnostics go; commands print results to
// stdout so that they can be piped.
var stderr io.Writer = os.Stderr

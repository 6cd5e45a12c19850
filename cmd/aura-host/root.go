package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"github.com/aurahost/aura-host/config"
	"github.com/hashicorp/go-hclog"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// globals are the flags every command shares.
type globals struct {
	logLevel string
	logJSON  bool
	verbose  bool
	// maxFileSize caps deployment and protocol files (--max-file-size).
	maxFileSize int64
}

// logger builds the CLI's logger. Without --log-level, `run` (which
// serves until stopped) logs at info and every other command (invoke,
// validate, plugins, protocol run, simulate) only warnings, so that its
// output is the answer; -v is --log-level info.
func (g *globals) logger(w io.Writer, quiet bool) (hclog.Logger, error) {
	if quiet {
		return g.loggerAt(w, "warn")
	}
	return g.loggerAt(w, "info")
}

// loggerAt is the logger at the level --log-level names, else at quiet
// (raised to info by -v).
func (g *globals) loggerAt(w io.Writer, quiet string) (hclog.Logger, error) {
	name := g.logLevel
	if name == "" {
		name = quiet
		if g.verbose {
			name = "info"
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
  aura-host fmt      --check --diff -r examples
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
  aura-host trace diff seed-7.jsonl seed-8.jsonl

Commands print their answer and warnings; -v adds the log. Completion of
commands, files, operations and their arguments: source <(aura-host completion bash)`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       versionText(debug.ReadBuildInfo()),
	}
	root.SetVersionTemplate("{{.Version}}")
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", "", "log level: trace, debug, info, warn, error, off (default info for run, warn for the other commands)")
	root.PersistentFlags().BoolVarP(&g.verbose, "verbose", "v", false, "show the logs (plugins starting and stopping, each role's end): --log-level info")
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
		newFmtCommand(g),
		newPluginsCommand(g),
		newInvokeCommand(g),
		newProtocolCommand(g),
		newSimulateCommand(g),
		newTraceCommand(),
		newVersionCommand(),
		newPluginCommand(g),
	)
	addCompletions(root, g)
	root.SetFlagErrorFunc(flagError)
	return root
}

// flagError says what a flag's value should have been, in place of the Go
// parser's words (strconv.ParseUint: parsing "x": invalid syntax).
func flagError(c *cobra.Command, err error) error {
	var bad *pflag.InvalidValueError
	if !errors.As(err, &bad) {
		return err
	}
	f := bad.GetFlag()
	want := map[string]string{"bool": "true or false", "duration": "a duration such as 300ms, 5s or 2m",
		"int": "a whole number", "int64": "a whole number", "uint64": "a whole number, 0 or more"}[f.Value.Type()]
	if want == "" {
		return fmt.Errorf("--%s %q: %v", f.Name, bad.GetValue(), errors.Unwrap(err))
	}
	return fmt.Errorf("--%s %q: want %s (see %s --help)", f.Name, bad.GetValue(), want, c.CommandPath())
}

// stderr is where logs and diagnostics go; commands print results to
// stdout so that they can be piped.
var stderr io.Writer = os.Stderr

package main

import (
	"fmt"
	"os/exec"
	"time"

	"github.com/spf13/cobra"

	"github.com/aurahost/aura-host/sdk/conformance"
)

func newConformanceCommand(g *globals) *cobra.Command {
	var (
		configFile string
		timeout    time.Duration
		samples    []string
		blocking   string
		asJSON     bool
	)
	cmd := &cobra.Command{
		Use:   "conformance [flags] -- COMMAND [ARGS...]",
		Short: "Check a plugin executable, in any language, against the plugin protocol",
		Long: `Launch COMMAND as a plugin process through go-plugin, exactly as aura-host
launches a deployment's plugins, and run the conformance suite against it:
the handshake (and that it refuses to start without the magic cookie),
Describe, Configure's diagnostics, every declared operation's answers,
argument checks and result kind, error codes, deadlines, cancel, a
duplicate call_id, a half-close that cancels nothing, calls
multiplexed on the call stream, values at the depth limit, health and
shutdown. One line per check (PASS, FAIL with the reason, or SKIP with
why), then a summary; --json prints the same as one JSON object
({"plugin", "conforms", "passed", "failed", "skipped", "checks": [{"name",
"status": "pass"|"fail"|"skip", "reason"}]}). Exit status 1 if any check
fails.

COMMAND is run as given: a binary, or an interpreter and its script; a
name without a slash is looked up in $PATH.

--config FILE is the plugin's config block as a JSON object, each attribute
in the JSON value form (strings as they are, {"int":"5"}, {"bytes":"cafe"},
{"list":[...]}); without it the plugin is configured with an empty block.
--sample OP=JSON gives valid arguments (same form) for an operation whose
zero arguments are not valid. --blocking OP[=JSON] names a call that blocks
until cancelled (a long sleep): the deadline, cancel, duplicate call_id
and half-close checks need one and are skipped without it. There is no
deployment behind the run: calls the plugin makes to the host answer
unavailable, and an operation that then answers unavailable is skipped,
not failed.`,
		Example: `  aura-host plugin conformance -- ./my-plugin
  aura-host plugin conformance -- node examples/node-plugin/plugin.js
  aura-host plugin conformance --config cfg.json --blocking 'demo.sleep={"ms":{"int":"3600000"}}' -- ./my-plugin`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.ArgsLenAtDash() != 0 {
				return fmt.Errorf("put the plugin's command after --: aura-host plugin conformance [flags] -- COMMAND [ARGS...]")
			}
			if _, err := exec.LookPath(args[0]); err != nil {
				return fmt.Errorf("cannot run the plugin: %w", err)
			}
			cfg := conformance.Config{Timeout: timeout, Host: conformance.NoHost}
			if configFile != "" {
				if err := cfg.ReadConfigFile(configFile, g.maxFileSize); err != nil {
					return fmt.Errorf("--config: %w", err)
				}
			}
			for _, s := range samples {
				if err := cfg.AddSample(s); err != nil {
					return fmt.Errorf("--sample %w", err)
				}
			}
			if blocking != "" {
				var err error
				if cfg.Blocking, err = conformance.ParseCall(blocking); err != nil {
					return fmt.Errorf("--blocking %w", err)
				}
			}
			logger, err := g.logger(stderr, true)
			if err != nil {
				return err
			}
			target := &conformance.Command{Path: args[0], Args: args[1:]}
			if g.logLevel != "" { // go-plugin's own lines only when asked for
				target.Logger = logger.Named("plugin")
			}
			report := conformance.Run(cmd.Context(), target, cfg)
			write := report.WriteText
			if asJSON {
				write = report.WriteJSON
			}
			if err := write(cmd.OutOrStdout()); err != nil {
				return err
			}
			if len(report.Failed()) > 0 {
				return &exitError{code: 1}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&configFile, "config", "", "the plugin's config block: a JSON object of attributes in the JSON value form")
	f.DurationVar(&timeout, "timeout", 5*time.Second, "how long the suite waits for each answer")
	f.StringArrayVar(&samples, "sample", nil, "valid arguments for an operation, OP=JSON (repeatable)")
	f.StringVar(&blocking, "blocking", "", "a call that blocks until cancelled, OP or OP=JSON (enables the deadline, cancel, duplicate call_id and half-close checks)")
	f.BoolVar(&asJSON, "json", false, "print the report as one JSON object")
	return cmd
}

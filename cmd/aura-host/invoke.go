package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/agent"
	"github.com/aurahost/aura-host/host/tracing"
)

func newInvokeCommand(g *globals) *cobra.Command {
	var (
		timeout  time.Duration
		asJSON   bool
		as       string
		argsJSON string
		mode     *modeValue
	)
	cmd := &cobra.Command{
		Use:   "invoke FILE OP [NAME=VALUE...]",
		Short: "Make one routed call into the deployment and print the result",
		Long: `Route one call to OP through the deployment's router and print the result:
into the host serving it (` + "`aura-host run`" + `), else into the deployment started
for the call. With agent blocks the call acts as one agent (--as) and passes
its guard chain: what its allow list does not grant is denied, and nothing
is journaled. Without, the host is a plain plugin host: calls are unguarded.

Each argument is NAME=VALUE, read according to the kind the operation
declares for NAME (see ` + "`aura-host plugins FILE`" + `):

  bytes    hex digits              msg=68656c6c6f
  string   as written              key=greeting
  int/uint decimal                 n=32
  bool     true or false           strict=true
  list/map/any  the JSON value form {"list":[{"int":"1"}]}

NAME=@PATH reads the value from a file (NAME=@- from stdin): its raw
bytes for a bytes argument, its text (UTF-8) for a string, the trimmed
text read as above for the rest (write @@ for a value that starts with a
literal @).

--args-json FILE (or - for stdin) reads arguments as one JSON object,
{"NAME": VALUE, ...}: each value in the JSON value form, or for bytes,
int, uint and bool its text as above ("68656c6c6f", "32"), or a JSON number
for an int. Files and --args-json together are read up to 16 MiB; through a
running host the admin endpoint takes requests up to 1 MiB.

Results print bytes as hex; a map prints one field per line. --json prints
the result in the JSON value form instead. Exit status 1 if the call fails;
a call still running at --timeout is cancelled and says "timed out after".

` + modeHelp + ` In testing mode the call's randomness (a generated key,
say) comes from the seed, so the same invocation gives the same answer.`,
		Example: `  aura-host invoke examples/quickstart/deployment.hcl crypto.hash data=68656c6c6f
  aura-host invoke examples/quickstart/deployment.hcl storage.store key=greeting value=68656c6c6f
  aura-host invoke examples/quickstart/deployment.hcl storage.store key=photo value=@photo.jpg
  echo '{"key": "greeting"}' | aura-host invoke examples/quickstart/deployment.hcl storage.retrieve --args-json -
  aura-host invoke examples/quickstart/deployment.hcl crypto.ed25519_generate_keypair --mode testing`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			op, err := effects.ParseOpID(args[1])
			if err != nil {
				return err
			}
			logger, err := g.logger(stderr, true)
			if err != nil {
				return err
			}
			dep, err := loadDeployment(g, args[0], mode)
			if err != nil {
				return err
			}
			in, err := agent.ReadTextArgs(args[2:], argsJSON, cmd.InOrStdin())
			if err != nil {
				return err
			}
			// Standard output is the result: spans of a deployment
			// started for the call go to standard error, with the log
			// (a running host traces the call it routes itself).
			tp, err := tracing.StartDeployment(cmd.Context(), dep, tracing.Options{Stdout: stderr})
			if err != nil {
				return err
			}
			defer shutdown(tp.Shutdown, logger)
			// Into the running host unless --mode asks for another.
			v, pid, err := agent.InvokeOnce(cmd.Context(), dep, as, op, in, timeout, mode.mode == "",
				host.Config{Logger: logger, TracerProvider: tp.TracerProvider()})
			if pid != 0 {
				fmt.Fprintf(stderr, "invoking through the running host (pid %d)\n", pid)
			}
			if reportDiagnostics(dep.Files, err) {
				return &exitError{code: 1}
			}
			if e := effects.AsError(err); e != nil && e.Code == effects.CodeUnknownOp {
				return fmt.Errorf("%w (run `aura-host plugins %s` to list operations)", err, args[0])
			} else if te := (*agent.TimeoutError)(nil); errors.As(err, &te) {
				return fmt.Errorf("%w (give it longer with --timeout)", err)
			} else if err != nil {
				return err
			}
			return v.WriteAs(cmd.OutOrStdout(), asJSON)
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", 30*time.Second, "deadline for the call")
	cmd.Flags().StringVar(&argsJSON, "args-json", "", `read the arguments as one JSON object from FILE, or from stdin with -, e.g. {"key": "greeting"}`)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result in the JSON value form")
	cmd.Flags().StringVar(&as, "as", "", "the agent to act as, through its guard chain (default: the deployment's only agent; a deployment without agent blocks has none)")
	mode = addModeFlag(cmd.Flags())
	return cmd
}

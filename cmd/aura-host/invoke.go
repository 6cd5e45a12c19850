package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/agent"
)

func newInvokeCommand(g *globals) *cobra.Command {
	var (
		timeout time.Duration
		asJSON  bool
		as      string
		mode    *modeValue
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

Results print bytes as hex; a map prints one field per line. --json prints
the result in the JSON value form instead. Exit status 1 if the call fails.

` + modeHelp + ` In testing mode the call's randomness (a generated key,
say) comes from the seed, so the same invocation gives the same answer.`,
		Example: `  aura-host invoke examples/quickstart/deployment.hcl crypto.hash data=68656c6c6f
  aura-host invoke examples/quickstart/deployment.hcl storage.store key=greeting value=68656c6c6f
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
			// Into the running host unless --mode asks for another.
			v, pid, err := agent.InvokeOnce(cmd.Context(), dep, as, op, args[2:], timeout, mode.mode == "", host.Config{Logger: logger})
			if pid != 0 {
				fmt.Fprintf(stderr, "invoking through the running host (pid %d)\n", pid)
			}
			if reportDiagnostics(dep.Files, err) {
				return &exitError{code: 1}
			}
			if e := effects.AsError(err); e != nil && e.Code == effects.CodeUnknownOp {
				return fmt.Errorf("%w (run `aura-host plugins %s` to list operations)", err, args[0])
			} else if err != nil {
				return err
			}
			return v.WriteAs(cmd.OutOrStdout(), asJSON)
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", 30*time.Second, "deadline for the call")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result in the JSON value form")
	cmd.Flags().StringVar(&as, "as", "", "the agent to act as, through its guard chain (default: the deployment's only agent; a deployment without agent blocks has none)")
	mode = addModeFlag(cmd.Flags())
	return cmd
}

package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/admin"
	"github.com/aurahost/aura-host/host/agent"
	"github.com/aurahost/aura-host/plugins"
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
		Long: `Route one call to OP through the deployment's router and print the result.
If the deployment is being served (` + "`aura-host run`" + `), the call goes into that
host; otherwise invoke starts the deployment, makes the call and stops it.

In a deployment with agent blocks the call acts as one agent, --as AGENT
(default: the only one), and passes that agent's guard chain: an operation
its allow list does not grant is refused (denied) and nothing is
journaled. A deployment without agent blocks is a plain plugin host: its
calls are not guarded.

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
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			var v effects.Value
			if remote := runningHost(ctx, args[0], mode); remote != nil {
				// The deployment is being served: call into it rather than
				// start a second copy (its storage is locked by the first).
				spec, err := remote.Operation(ctx, op)
				if err != nil {
					return err
				}
				callArgs, err := spec.ParseTextArgs(args[2:])
				if err != nil {
					return err
				}
				if v, err = remote.InvokeAs(ctx, as, op, callArgs); err != nil {
					return err
				}
			} else if v, err = invokeHere(cmd.Context(), ctx, g, args[0], mode, as, op, args[2:]); err != nil {
				return err
			}
			if asJSON {
				out, _ := v.MarshalJSON()
				fmt.Fprintln(cmd.OutOrStdout(), string(out))
				return nil
			}
			v.WriteText(cmd.OutOrStdout())
			return nil
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", 30*time.Second, "deadline for the call")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result in the JSON value form")
	cmd.Flags().StringVar(&as, "as", "", "the agent to act as, through its guard chain (default: the deployment's only agent; a deployment without agent blocks has none)")
	mode = addModeFlag(cmd.Flags())
	return cmd
}

// invokeHere starts the deployment (as the agent the call acts as, if it
// has agents), makes one call and stops it. start bounds start-up, ctx the
// call.
func invokeHere(start, ctx context.Context, g *globals, file string, mode *modeValue, as string, op effects.OpID, pairs []string) (effects.Value, error) {
	logger, err := g.logger(stderr, true)
	if err != nil {
		return effects.Value{}, err
	}
	dep, err := loadDeployment(g, file)
	if err != nil {
		return effects.Value{}, err
	}
	dep = mode.apply(dep)
	if len(dep.Agents) == 0 && as != "" {
		return effects.Value{}, fmt.Errorf("--as %s: %s declares no agents, so there is none to act as (%s)", as, file, noAgents)
	}
	h, stop, err := agent.StartAs(start, dep, as, host.Config{Logger: logger})
	if err != nil {
		return effects.Value{}, reportHostError(dep, err)
	}
	defer shutdown(stop, logger)
	entry, ok := h.Registry().Lookup(op)
	if !ok {
		return effects.Value{}, fmt.Errorf("no plugin in %s serves %s (run `aura-host plugins %s` to list operations)", file, op, file)
	}
	callArgs, err := entry.Spec.ParseTextArgs(pairs)
	if err != nil {
		return effects.Value{}, err
	}
	return h.Invoke(ctx, &effects.Call{Op: op, Args: callArgs})
}

// runningHost is the admin client of an `aura-host run` serving the
// deployment in file, if there is one and no --mode asks for another
// mode; nil otherwise (invoke then starts the deployment itself).
func runningHost(ctx context.Context, file string, mode *modeValue) *admin.Client {
	if mode.mode != "" {
		return nil
	}
	dep, diags := config.Load(file, config.Options{Builtins: plugins.Names()})
	if diags.HasErrors() {
		return nil // invokeHere reports the diagnostics
	}
	c, st, ok := admin.FindRunning(ctx, dep.StateDir, dep.Name)
	if !ok {
		return nil // none, or a stale pointer left by a host that was killed
	}
	fmt.Fprintf(stderr, "invoking through the running host (pid %d)\n", st.PID)
	return c
}

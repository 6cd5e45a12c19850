package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/aurahost/aura-host/host/session"
	"github.com/aurahost/aura-host/host/sim/bundle"
)

func newTraceDiffCommand() *cobra.Command {
	var context int
	cmd := &cobra.Command{
		Use:   "diff A.jsonl B.jsonl",
		Short: "Show where two recorded traces, or two simulation bundles, first differ",
		Long: `Compare two traces entry by entry and show the first divergence: its index,
a few entries of context on both sides (index, ordering key, effect ID,
kind, role, operation), every field that differs there, down to each
path inside a value (outputs.public, outputs.n), and how many more entries
differ after it. Secret fields (private, secret, nonces: private keys, key
shares, signing nonces) show as (secret) on both sides, as protocol run
hides them. Both hashes are printed first, and
header fields that differ (seed, session, scheduler, the protocol), though
the hash — so "identical" — covers the entries only.

Two simulation bundles (` + "`aura-host simulate --record`" + `) are compared line by
line: the first line that differs in what happened (a fault applied, a
trace entry, a run's outcome) is shown with its line number, where it is
(run, role, agent, entry), the lines around it and the JSON path of each
differing field. Headers hold the seed and are listed apart; digests that
differ only because they chain from them are no divergence. Bundles are
identical when their bytes (hashes) are.

Exit status: 0 if identical, 1 if they differ, 2 if a file cannot be read
(missing, not a trace or bundle, a bundle against a trace, or altered:
` + "`trace replay`" + ` names the altered entry), as diff(1) does.`,
		Example: `  aura-host protocol run examples/protocols/guardian_recovery.hcl -d examples/protocols/deployment/deployment.hcl --seed 1 --record a.jsonl
  aura-host protocol run examples/protocols/guardian_recovery.hcl -d examples/protocols/deployment/deployment.hcl --seed 2 --record b.jsonl
  aura-host trace diff a.jsonl b.jsonl

  aura-host simulate examples/simulation/deployment.hcl --seed 7 --record seed-7.jsonl
  aura-host simulate examples/simulation/deployment.hcl --seed 8 --record seed-8.jsonl
  aura-host trace diff seed-7.jsonl seed-8.jsonl`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if context < 0 {
				return fmt.Errorf("--context %d: want 0 or more entries", context)
			}
			a, b := bundle.IsFile(args[0]), bundle.IsFile(args[1])
			if a != b {
				bundleFile, traceFile := args[0], args[1]
				if b {
					bundleFile, traceFile = traceFile, bundleFile
				}
				fmt.Fprintf(stderr, "Error: %s is a simulation bundle (from `aura-host simulate --record`) and %s is not; compare two bundles, or two protocol traces\n", bundleFile, traceFile)
				return &exitError{code: 2}
			}
			var same bool
			if a {
				bundles, err := readBoth(args, bundle.ReadChecked)
				if err != nil {
					return err
				}
				same = bundle.WriteDiff(cmd.OutOrStdout(), args[0], args[1], bundles[0], bundles[1], context)
			} else {
				traces, err := readBoth(args, readTraceFile)
				if err != nil {
					return err
				}
				same = session.WriteTraceDiff(cmd.OutOrStdout(), args[0], args[1], traces[0], traces[1], context)
			}
			if !same {
				return &exitError{code: 1}
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&context, "context", 3, "entries (lines, for bundles) of context to show before and after the first divergence")
	return cmd
}

// readBoth reads the two files trace diff compares; one that cannot be
// read ends the command with status 2, as diff(1) does.
func readBoth[T any](files []string, read func(string) (T, error)) ([2]T, error) {
	var out [2]T
	for i, file := range files {
		v, err := read(file)
		if err != nil {
			if _, ok := err.(*exitError); !ok {
				fmt.Fprintln(stderr, "Error:", err)
			}
			return out, &exitError{code: 2}
		}
		out[i] = v
	}
	return out, nil
}

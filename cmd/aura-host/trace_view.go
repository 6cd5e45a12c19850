package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/aurahost/aura-host/host/sim/bundle/view"
	"github.com/aurahost/aura-host/internal/atomicfile"
)

func newTraceViewCommand() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "view FILE.jsonl",
		Short: "Write a recorded run as a sequence diagram in one self-contained HTML page",
		Long: `Draw a simulation bundle (` + "`aura-host simulate --record`" + `) or a protocol
trace (` + "`aura-host protocol run --record`" + `) as a sequence diagram in one HTML
file: a lifeline per agent (a simulation) or per role (a protocol run), each
message an arrow from its send to its arrival labelled with its label and
size, effect calls marked on their lifeline, faults (drop, delay, duplicate,
partition, crash, storage failure) and each run's outcome marked across the
lifelines it touches, the time on the left, and a step slider (and the arrow
keys) that reveals the run one step at a time with the current step's
details beside it.

The page is self-contained: its style and script are inline, it fetches
nothing (a Content-Security-Policy forbids it), and it works offline from a
file. Byte values are shown only as their length and a short fingerprint,
and private keys, key-share scalars and nonces as (secret), as ` + "`protocol run`" + `
hides them. An altered record is refused, as ` + "`trace replay`" + ` would find it.

Without -o the page is written beside the record, FILE.html; -o - writes it
to standard output.`,
		Example: `  aura-host simulate examples/simulation/deployment.hcl --seed 7 --decide 'Guardian[*]=Approve' --record seed-7.jsonl
  aura-host trace view seed-7.jsonl -o run.html
  aura-host trace view recovery.jsonl -o - > recovery.html`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := view.ReadFile(args[0], view.Options{})
			if err != nil {
				return err
			}
			if out == "-" {
				return v.WriteHTML(cmd.OutOrStdout())
			}
			if out == "" {
				out = strings.TrimSuffix(args[0], filepath.Ext(args[0])) + ".html"
			}
			if err := atomicfile.Write(out, v.WriteHTML); err != nil {
				return fmt.Errorf("write %s: %w", out, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: %d lifelines, %d messages, %d steps\n", out, len(v.Lifelines), len(v.Messages), len(v.Rows))
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "the HTML file to write (default: FILE.html beside the record; - for standard output)")
	return cmd
}

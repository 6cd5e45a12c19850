package main

import (
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/vm/trace"
)

func newTraceDiffCommand() *cobra.Command {
	var context int
	cmd := &cobra.Command{
		Use:   "diff A.jsonl B.jsonl",
		Short: "Show where two recorded traces, or two simulation bundles, first differ",
		Long: `Compare two traces entry by entry and show the first divergence: its index,
a few entries of context on both sides (index, ordering key, effect ID,
kind, role, operation), and every field that differs there, down to the
path inside a value (outputs.public).

Both traces' hashes are printed first; header fields that differ (seed,
session, scheduler, the protocol itself) are listed, though the hash — and
so "identical" — covers the entries only.

Two simulation bundles (written by ` + "`aura-host simulate --record`" + `) are
compared line by line: the first line that differs in what happened — a
fault applied, a machine's trace entry, a run's outcome — is shown with its
line number, the part of the bundle it is in (which run, role and agent,
which entry), the lines around it on both sides, and for each field that
differs the path inside the JSON line (outputs.bytes). The bundles' headers
and each machine trace's header hold the seed and are listed apart; a
difference only in the entries' digests (which chain from those headers)
is not a divergence. Bundles are identical when they are byte for byte
(their hashes match).

Exit status: 0 if the entries (bundles: the bytes) are identical, 1 if
they differ, 2 if a file cannot be read — missing, not a trace or bundle,
a bundle compared with a trace, or altered (its digests no longer chain:
` + "`trace replay`" + ` names the altered entry) — as diff(1) does.`,
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
			switch a, b := isBundleFile(args[0]), isBundleFile(args[1]); {
			case a && b:
				return diffBundleFiles(cmd.OutOrStdout(), args[0], args[1], context)
			case a != b:
				bundle, trace := args[0], args[1]
				if b {
					bundle, trace = trace, bundle
				}
				fmt.Fprintf(stderr, "Error: %s is a simulation bundle (from `aura-host simulate --record`) and %s is not; compare two bundles, or two protocol traces\n", bundle, trace)
				return &exitError{code: 2}
			}
			var traces [2]*trace.Trace
			for i, file := range args {
				t, err := readTraceFile(file)
				if err != nil {
					if _, ok := err.(*exitError); !ok {
						fmt.Fprintln(stderr, "Error:", err)
					}
					return &exitError{code: 2}
				}
				traces[i] = t
			}
			if !diffTraces(cmd.OutOrStdout(), args[0], args[1], traces[0], traces[1], context) {
				return &exitError{code: 1}
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&context, "context", 3, "entries (lines, for bundles) of context to show before and after the first divergence")
	return cmd
}

// diffBundleFiles compares two simulation bundles: exit status 0 if they
// are identical, 1 if they differ, 2 if one cannot be read.
func diffBundleFiles(w io.Writer, fileA, fileB string, context int) error {
	var bundles [2]*simBundle
	for i, file := range []string{fileA, fileB} {
		b, err := readBundle(file)
		if err == nil {
			err = b.checkDigests()
		}
		if err != nil {
			fmt.Fprintln(stderr, "Error:", err)
			return &exitError{code: 2}
		}
		bundles[i] = b
	}
	if !diffBundles(w, fileA, fileB, bundles[0], bundles[1], context) {
		return &exitError{code: 1}
	}
	return nil
}

// diffTraces prints the comparison of a and b (trace.Compare) and reports
// whether their entries are identical.
func diffTraces(w io.Writer, nameA, nameB string, a, b *trace.Trace, context int) bool {
	ha, hb := a.Hash(), b.Hash()
	fmt.Fprintf(w, "A: %s: %d entries, hash %s\n", nameA, len(a.Entries), hex.EncodeToString(ha[:]))
	fmt.Fprintf(w, "B: %s: %d entries, hash %s\n", nameB, len(b.Entries), hex.EncodeToString(hb[:]))
	d := trace.Compare(a, b)
	for _, h := range d.Header {
		fmt.Fprintf(w, "header differs: %s\n", h)
	}
	at := d.At
	if d.Identical() {
		fmt.Fprintf(w, "identical: the %d entries match\n", len(a.Entries))
		return true
	}
	fmt.Fprintf(w, "\nfirst divergence at index %d\n", at)
	for _, side := range []struct {
		name string
		t    *trace.Trace
	}{{"A", a}, {"B", b}} {
		fmt.Fprintf(w, "\n%s:\n", side.name)
		writeContext(w, side.t.Entries, at, context)
	}
	fmt.Fprintln(w)
	switch {
	case at >= len(a.Entries):
		fmt.Fprintf(w, "A ends after %d entries; B continues\n", len(a.Entries))
	case at >= len(b.Entries):
		fmt.Fprintf(w, "B ends after %d entries; A continues\n", len(b.Entries))
	default:
		fmt.Fprintf(w, "fields that differ at index %d:\n", at)
		tw := newTable(w)
		for _, f := range d.Fields {
			fmt.Fprintf(tw, "  %s\tA: %s\n  \tB: %s\n", f.Field, renderField(f.Field, f.A), renderField(f.Field, f.B))
		}
		_ = tw.Flush()
	}
	return false
}

// renderField renders one side of a field difference: a value inside
// inputs or outputs abbreviated, the error as it is, a number in decimal,
// any other string quoted.
func renderField(field string, v effects.Value) string {
	switch {
	case strings.HasPrefix(field, "inputs") || strings.HasPrefix(field, "outputs"):
		return abbreviate(v, 100)
	case field == "error":
		s, _ := v.AsString()
		return s
	case v.Kind() == effects.KindUint:
		n, _ := v.AsUint()
		return strconv.FormatUint(n, 10)
	}
	s, _ := v.AsString()
	return strconv.Quote(s)
}

// writeContext prints the entries around index at, marking it.
func writeContext(w io.Writer, entries []trace.Entry, at, context int) {
	tw := newTable(w)
	fmt.Fprintln(tw, "  \tINDEX\tKEY\tEFFECT\tKIND\tROLE\tPEER\tOPERATION\tOUTPUTS")
	lo, hi := max(0, at-context), min(len(entries), at+context+1)
	for i := lo; i < hi; i++ {
		e := &entries[i]
		mark := ""
		if i == at {
			mark = ">"
		}
		out := abbreviate(e.Outputs, 48)
		if e.Error != nil {
			out = "error " + string(e.Error.Code)
		}
		fmt.Fprintf(tw, "  %s\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\n", mark, i, e.OrderingKey, e.EffectID, e.Kind, e.Role, dash(e.Peer), e.Operation, out)
	}
	if at >= len(entries) {
		fmt.Fprintf(tw, "  >\t%d\t(no entry: the trace ends)\n", at)
	}
	_ = tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// fieldDiff is one field that differs between two lines of simulation
// bundles, rendered.
type fieldDiff struct{ field, a, b string }

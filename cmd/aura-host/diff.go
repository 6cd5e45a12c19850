package main

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/session"
	"github.com/aurahost/aura-host/host/sim"
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
			switch a, b := sim.IsBundleFile(args[0]), sim.IsBundleFile(args[1]); {
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
	var bundles [2]*sim.Bundle
	for i, file := range []string{fileA, fileB} {
		b, err := sim.ReadBundleFile(file)
		if err == nil {
			err = b.CheckDigests()
		}
		var te *sim.TraceError
		if errors.As(err, &te) && te.AlteredLine > 0 {
			err = fmt.Errorf("%s: %w; `aura-host trace replay %s` names it", file, err, file)
		} else if te != nil {
			err = fmt.Errorf("%s: %w", file, err)
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

// diffBundles prints the comparison of two trace bundles (sim.DiffBundles)
// and reports whether they are identical, byte for byte.
func diffBundles(w io.Writer, nameA, nameB string, a, b *sim.Bundle, context int) bool {
	for _, side := range []struct {
		name, file string
		b          *sim.Bundle
	}{{"A", nameA, a}, {"B", nameB, b}} {
		fmt.Fprintf(w, "%s: %s: simulation bundle of deployment %q, seed %d, %d lines, hash %s\n",
			side.name, side.file, side.b.Header.Deployment, side.b.Header.Seed, len(side.b.Lines), side.b.Hash())
	}
	d := sim.DiffBundles(a, b)
	if d.Identical {
		fmt.Fprintf(w, "identical: the %d lines match, byte for byte\n", len(a.Lines))
		return true
	}
	for _, f := range d.Header {
		fmt.Fprintf(w, "header differs: %s: %s vs %s\n", f.Field, f.A, f.B)
	}
	if len(d.TraceHeaderFields) > 0 {
		fmt.Fprintf(w, "trace headers differ: %s (each machine's trace header holds the seed and what derives from it)\n",
			strings.Join(d.TraceHeaderFields, ", "))
	}
	if d.At < 0 {
		fmt.Fprintln(w, "\nno divergence: every fault, message, effect and outcome matches; the bundles differ only in their headers")
		if d.DigestsOnly > 0 {
			fmt.Fprintf(w, "(and in the digests of %d trace entries, which chain from the headers)\n", d.DigestsOnly)
		}
		return false
	}
	heading := fmt.Sprintf("line %d, in %s\n", d.At+1, a.Where(d.At))
	if wb := b.Where(d.At); wb != a.Where(d.At) {
		heading += fmt.Sprintf("  (in B: %s)\n", wb)
	}
	fields := make([][3]string, len(d.Fields))
	for i, f := range d.Fields {
		fields[i] = [3]string{f.Field, f.A, f.B}
	}
	writeDivergence(w, divergence{heading: heading, index: d.At, at: fmt.Sprintf("line %d", d.At+1), items: "lines",
		lenA: len(a.Lines), lenB: len(b.Lines), fields: fields,
		context: func(w io.Writer, side int) { writeLineContext(w, []*sim.Bundle{a, b}[side].Lines, d.At, context) }})
	return false
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
	if d.Identical() {
		fmt.Fprintf(w, "identical: the %d entries match\n", len(a.Entries))
		return true
	}
	fields := make([][3]string, len(d.Fields))
	for i, f := range d.Fields {
		fields[i] = [3]string{f.Field, renderField(f.Field, f.A), renderField(f.Field, f.B)}
	}
	writeDivergence(w, divergence{heading: fmt.Sprintf("index %d\n", d.At), index: d.At, at: fmt.Sprintf("index %d", d.At), items: "entries",
		lenA: len(a.Entries), lenB: len(b.Entries), fields: fields,
		context: func(w io.Writer, side int) { writeContext(w, []*trace.Trace{a, b}[side].Entries, d.At, context) }})
	return false
}

// divergence is the first difference of two traces or bundles, for
// writeDivergence.
type divergence struct {
	heading    string // what follows "first divergence at ", with its newline
	index      int    // of the first diverging entry or line, from 0
	at         string // "index 3", "line 12"
	items      string // entries, lines
	lenA, lenB int
	context    func(w io.Writer, side int) // prints side 0 (A) or 1 (B) around the divergence
	fields     [][3]string                 // field, A, B
}

// writeDivergence prints the first divergence: where, the context on both
// sides, then which side ends or each field that differs.
func writeDivergence(w io.Writer, d divergence) {
	fmt.Fprintf(w, "\nfirst divergence at %s", d.heading)
	for side, name := range []string{"A", "B"} {
		fmt.Fprintf(w, "\n%s:\n", name)
		d.context(w, side)
	}
	fmt.Fprintln(w)
	switch {
	case d.index >= d.lenA:
		fmt.Fprintf(w, "A ends after %d %s; B continues\n", d.lenA, d.items)
	case d.index >= d.lenB:
		fmt.Fprintf(w, "B ends after %d %s; A continues\n", d.lenB, d.items)
	default:
		fmt.Fprintf(w, "fields that differ at %s:\n", d.at)
		tw := newTable(w)
		for _, f := range d.fields {
			fmt.Fprintf(tw, "  %s\tA: %s\n  \tB: %s\n", f[0], f[1], f[2])
		}
		_ = tw.Flush()
	}
}

// writeLineContext prints the lines around index at (from 0), numbered
// from 1 and abbreviated, marking it.
func writeLineContext(w io.Writer, lines []string, at, context int) {
	lo, hi := max(0, at-context), min(len(lines), at+context+1)
	width := len(fmt.Sprint(hi))
	for i := lo; i < hi; i++ {
		mark := " "
		if i == at {
			mark = ">"
		}
		fmt.Fprintf(w, "  %s %*d  %s\n", mark, width, i+1, session.AbbreviateLine(lines[i], 150))
	}
	if at >= len(lines) {
		fmt.Fprintf(w, "  > %*d  (no line: the bundle ends)\n", width, at+1)
	}
}

// renderField renders one side of a field difference: a value inside
// inputs or outputs abbreviated, the error as it is, a number in decimal,
// any other string quoted.
func renderField(field string, v effects.Value) string {
	switch {
	case strings.HasPrefix(field, "inputs") || strings.HasPrefix(field, "outputs"):
		return session.Abbreviate(v, 100)
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
		out := session.Abbreviate(e.Outputs, 48)
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

package bundle

import (
	"fmt"
	"io"
	"strings"

	"github.com/aurahost/aura-host/host/session"
)

// WriteDiff prints the comparison of two bundles (Compare):
// both headers and hashes, the header fields that differ, then the first
// line that differs in what happened with the lines around it on both
// sides, the part of the bundle it is in, and every field that differs
// there. It reports whether the bundles are identical, byte for byte.
func WriteDiff(w io.Writer, nameA, nameB string, a, b *Bundle, context int) bool {
	for _, side := range []struct {
		name, file string
		b          *Bundle
	}{{"A", nameA, a}, {"B", nameB, b}} {
		fmt.Fprintf(w, "%s: %s: simulation bundle of deployment %q, seed %d, %d lines, hash %s\n",
			side.name, side.file, side.b.Header.Deployment, side.b.Header.Seed, len(side.b.Lines), side.b.Hash())
	}
	d := Compare(a, b)
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
	session.WriteDivergence(w, session.Divergence{Heading: heading, Index: d.At, At: fmt.Sprintf("line %d", d.At+1), Items: "lines",
		LenA: len(a.Lines), LenB: len(b.Lines), Fields: fields, More: d.More,
		Context: func(w io.Writer, side int) { writeLineContext(w, []*Bundle{a, b}[side].Lines, d.At, context) }})
	return false
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
		fmt.Fprintf(w, "  %s %*d  %s\n", mark, width, i+1, redactedLine(lines[i], 150))
	}
	if at >= len(lines) {
		fmt.Fprintf(w, "  > %*d  (no line: the bundle ends)\n", width, at+1)
	}
}

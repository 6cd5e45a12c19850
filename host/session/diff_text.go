package session

import (
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/vm/trace"
)

// WriteTraceDiff prints the comparison of two traces (trace.Compare): both
// hashes, the header fields that differ, the first divergence with context
// entries on both sides and every field that differs there. It reports
// whether the entries are identical.
func WriteTraceDiff(w io.Writer, nameA, nameB string, a, b *trace.Trace, context int) bool {
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
	WriteDivergence(w, Divergence{Heading: fmt.Sprintf("index %d\n", d.At), Index: d.At, At: fmt.Sprintf("index %d", d.At), Items: "entries",
		LenA: len(a.Entries), LenB: len(b.Entries), Fields: fields, More: d.More,
		Context: func(w io.Writer, side int) { writeContext(w, []*trace.Trace{a, b}[side].Entries, d.At, context) }})
	return false
}

// Divergence is the first difference of two traces or bundles, for
// WriteDivergence.
type Divergence struct {
	Heading    string // what follows "first divergence at ", with its newline
	Index      int    // of the first diverging entry or line, from 0
	At         string // "index 3", "line 12"
	Items      string // entries, lines
	LenA, LenB int
	Context    func(w io.Writer, side int) // prints side 0 (A) or 1 (B) around the divergence
	Fields     [][3]string                 // field, A, B; secrets already hidden
	More       int                         // entries or lines after Index that differ too
}

// maxFieldsShown bounds the fields WriteDivergence lists: two values that
// differ everywhere (a list of ten thousand items) are summed up past it.
const maxFieldsShown = 50

// WriteDivergence prints the first divergence: where, the context on both
// sides, then which side ends or each field that differs.
func WriteDivergence(w io.Writer, d Divergence) {
	fmt.Fprintf(w, "\nfirst divergence at %s", d.Heading)
	for side, name := range []string{"A", "B"} {
		fmt.Fprintf(w, "\n%s:\n", name)
		d.Context(w, side)
	}
	fmt.Fprintln(w)
	switch {
	case d.Index >= d.LenA:
		fmt.Fprintf(w, "A ends after %d %s; B continues\n", d.LenA, d.Items)
	case d.Index >= d.LenB:
		fmt.Fprintf(w, "B ends after %d %s; A continues\n", d.LenB, d.Items)
	default:
		fmt.Fprintf(w, "fields that differ at %s:\n", d.At)
		tw := newTable(w)
		for i, f := range d.Fields {
			if i == maxFieldsShown {
				fmt.Fprintf(tw, "  … and %d more fields\n", len(d.Fields)-maxFieldsShown)
				break
			}
			fmt.Fprintf(tw, "  %s\tA: %s\n  \tB: %s\n", f[0], f[1], f[2])
		}
		_ = tw.Flush()
	}
	switch d.More {
	case 0:
		fmt.Fprintf(w, "no other %s differ after %s\n", d.Items, d.At)
	default:
		fmt.Fprintf(w, "%d more %s differ after %s\n", d.More, d.Items, d.At)
	}
}

// renderField renders one side of a field difference: a value inside
// inputs or outputs abbreviated, the error as it is, a number in decimal,
// any other string quoted.
func renderField(field string, v effects.Value) string {
	switch {
	case SecretPath(field), IsSecret(field[strings.LastIndex(field, ".")+1:], v):
		return Secret
	case strings.HasPrefix(field, "inputs") || strings.HasPrefix(field, "outputs"):
		return Abbreviate(v, 100)
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
		out := Abbreviate(e.Outputs, 48)
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

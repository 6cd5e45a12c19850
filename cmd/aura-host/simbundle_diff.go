package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strings"
)

// diffBundles prints the comparison of two trace bundles and reports
// whether they are identical, byte for byte (what their hashes say).
//
// The first divergence is the first line that differs in what happened:
// the bundle's header and each machine trace's header are compared apart
// (they hold the seed, and a session derived from it), and a trace entry
// whose only difference is its digest is not a divergence, since digests
// chain from the trace's header.
func diffBundles(w io.Writer, nameA, nameB string, a, b *simBundle, context int) bool {
	for _, side := range []struct {
		name, file string
		b          *simBundle
	}{{"A", nameA, a}, {"B", nameB, b}} {
		fmt.Fprintf(w, "%s: %s: simulation bundle of deployment %q, seed %d, %d lines, hash %s\n",
			side.name, side.file, side.b.header.Deployment, side.b.header.Seed, len(side.b.lines), side.b.hash())
	}
	if bytes.Equal(a.raw, b.raw) {
		fmt.Fprintf(w, "identical: the %d lines match, byte for byte\n", len(a.lines))
		return true
	}
	for _, d := range jsonLineDiffs(a.lines[0], b.lines[0], false) {
		fmt.Fprintf(w, "header differs: %s: %s vs %s\n", d.field, d.a, d.b)
	}
	traceHeaderFields := map[string]bool{}
	digestsOnly := 0
	first := -1
	for i := 1; i < max(len(a.lines), len(b.lines)); i++ {
		if i >= len(a.lines) || i >= len(b.lines) {
			first = i
			break
		}
		if a.lines[i] == b.lines[i] {
			continue
		}
		if a.isTraceHeader(i) && b.isTraceHeader(i) {
			for _, d := range jsonLineDiffs(a.lines[i], b.lines[i], false) {
				traceHeaderFields[topField(d.field)] = true
			}
			continue
		}
		if a.isTraceEntry(i) && b.isTraceEntry(i) && len(jsonLineDiffs(a.lines[i], b.lines[i], true)) == 0 {
			digestsOnly++
			continue
		}
		first = i
		break
	}
	if len(traceHeaderFields) > 0 {
		fmt.Fprintf(w, "trace headers differ: %s (each machine's trace header holds the seed and what derives from it)\n",
			strings.Join(slices.Sorted(maps.Keys(traceHeaderFields)), ", "))
	}
	if first < 0 {
		fmt.Fprintln(w, "\nno divergence: every fault, message, effect and outcome matches; the bundles differ only in their headers")
		if digestsOnly > 0 {
			fmt.Fprintf(w, "(and in the digests of %d trace entries, which chain from the headers)\n", digestsOnly)
		}
		return false
	}
	fmt.Fprintf(w, "\nfirst divergence at line %d, in %s\n", first+1, a.where(first))
	if wb := b.where(first); wb != a.where(first) {
		fmt.Fprintf(w, "  (in B: %s)\n", wb)
	}
	for _, side := range []struct {
		name string
		b    *simBundle
	}{{"A", a}, {"B", b}} {
		fmt.Fprintf(w, "\n%s:\n", side.name)
		writeLineContext(w, side.b.lines, first, context)
	}
	fmt.Fprintln(w)
	switch {
	case first >= len(a.lines):
		fmt.Fprintf(w, "A ends after %d lines; B continues\n", len(a.lines))
	case first >= len(b.lines):
		fmt.Fprintf(w, "B ends after %d lines; A continues\n", len(b.lines))
	default:
		diffs := jsonLineDiffs(a.lines[first], b.lines[first], a.isTraceEntry(first) && b.isTraceEntry(first))
		fmt.Fprintf(w, "fields that differ at line %d:\n", first+1)
		tw := newTable(w)
		for _, d := range diffs {
			fmt.Fprintf(tw, "  %s\tA: %s\n  \tB: %s\n", d.field, d.a, d.b)
		}
		_ = tw.Flush()
	}
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
		fmt.Fprintf(w, "  %s %*d  %s\n", mark, width, i+1, abbreviateLine(lines[i], 150))
	}
	if at >= len(lines) {
		fmt.Fprintf(w, "  > %*d  (no line: the bundle ends)\n", width, at+1)
	}
}

// topField is the first segment of a field path.
func topField(path string) string {
	if i := strings.IndexAny(path, ".["); i > 0 {
		return path[:i]
	}
	return path
}

// jsonLineDiffs compares two JSON lines field by field: for each top-level
// field that differs, the path to its first difference and the values
// there. skipDigest leaves out a trace entry's digest. Lines that are not
// both JSON objects differ as a whole.
func jsonLineDiffs(a, b string, skipDigest bool) []fieldDiff {
	va, errA := decodeJSONLine(a)
	vb, errB := decodeJSONLine(b)
	ma, okA := va.(map[string]any)
	mb, okB := vb.(map[string]any)
	if errA != nil || errB != nil || !okA || !okB {
		if a == b {
			return nil
		}
		return []fieldDiff{{"(line)", abbreviateLine(a, 100), abbreviateLine(b, 100)}}
	}
	keys := map[string]bool{}
	for k := range ma {
		keys[k] = true
	}
	for k := range mb {
		keys[k] = true
	}
	var out []fieldDiff
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		if skipDigest && k == "digest" {
			continue
		}
		x, okx := ma[k]
		y, oky := mb[k]
		switch {
		case !okx:
			out = append(out, fieldDiff{k, "(absent)", jsonText(y)})
		case !oky:
			out = append(out, fieldDiff{k, jsonText(x), "(absent)"})
		default:
			if path, dx, dy, ok := jsonFirstDiff(k, x, y); ok {
				out = append(out, fieldDiff{path, dx, dy})
			}
		}
	}
	return out
}

func decodeJSONLine(s string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber() // compare numbers as written: no float rounding
	var v any
	err := dec.Decode(&v)
	return v, err
}

// jsonFirstDiff finds the first place two decoded JSON values differ: its
// path (outputs.bytes, roles[2]) and both values there.
func jsonFirstDiff(path string, x, y any) (string, string, string, bool) {
	if reflect.DeepEqual(x, y) {
		return "", "", "", false
	}
	switch xv := x.(type) {
	case map[string]any:
		if yv, ok := y.(map[string]any); ok {
			keys := map[string]bool{}
			for k := range xv {
				keys[k] = true
			}
			for k := range yv {
				keys[k] = true
			}
			for _, k := range slices.Sorted(maps.Keys(keys)) {
				a, okA := xv[k]
				b, okB := yv[k]
				if okA != okB {
					return path + "." + k, presentText(a, okA), presentText(b, okB), true
				}
				if p, da, db, ok := jsonFirstDiff(path+"."+k, a, b); ok {
					return p, da, db, true
				}
			}
		}
	case []any:
		if yv, ok := y.([]any); ok && len(xv) == len(yv) {
			for i := range xv {
				if p, da, db, ok := jsonFirstDiff(fmt.Sprintf("%s[%d]", path, i), xv[i], yv[i]); ok {
					return p, da, db, true
				}
			}
		}
	}
	return path, jsonText(x), jsonText(y), true
}

func presentText(v any, present bool) string {
	if !present {
		return "(absent)"
	}
	return jsonText(v)
}

// jsonText renders a decoded JSON value compactly, abbreviated.
func jsonText(v any) string {
	out, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return abbreviateLine(string(out), 100)
}

package bundle

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/aurahost/aura-host/host/session"
)

// Diff is where two trace bundles first differ in what happened.
//
// The bundles' headers and each machine trace's header are compared apart
// (they hold the seed, and a session derived from it), and a trace entry
// whose only difference is its digest is not a divergence, since digests
// chain from the trace's header. A machine's trace inside a bundle is
// compared as JSON lines, field by field, like every other line; two
// trace files are compared by vm/trace.Compare.
type Diff struct {
	// Identical is true when the bundles are the same bytes (their hashes
	// match); nothing else is set then.
	Identical bool
	// Header lists the fields of the bundles' first lines that differ.
	Header []FieldDiff
	// TraceHeaderFields names the top-level fields that differ in the
	// machine traces' headers, sorted.
	TraceHeaderFields []string
	// DigestsOnly counts trace entries that differ only in their digest
	// before the first divergence.
	DigestsOnly int
	// At is the first diverging line (from 0), or -1 when the bundles
	// differ only in their headers. It may be past the end of one bundle.
	At int
	// Fields are the fields that differ at line At, when both bundles have it.
	Fields []FieldDiff
}

// FieldDiff is one field that differs between two JSON lines: the path to
// its first difference (outputs.bytes, roles[2]) and both values there,
// compact and abbreviated; "(absent)" for a missing field.
type FieldDiff struct{ Field, A, B string }

// Compare compares two bundles read back.
func Compare(a, b *Bundle) *Diff {
	d := &Diff{At: -1}
	if bytes.Equal(a.Raw, b.Raw) {
		d.Identical = true
		return d
	}
	d.Header = JSONLineDiffs(a.Lines[0], b.Lines[0], false)
	traceHeaderFields := map[string]bool{}
	for i := 1; i < max(len(a.Lines), len(b.Lines)); i++ {
		if i >= len(a.Lines) || i >= len(b.Lines) {
			d.At = i
			break
		}
		if a.Lines[i] == b.Lines[i] {
			continue
		}
		if a.isTraceHeader(i) && b.isTraceHeader(i) {
			for _, fd := range JSONLineDiffs(a.Lines[i], b.Lines[i], false) {
				traceHeaderFields[topField(fd.Field)] = true
			}
			continue
		}
		if a.isTraceEntry(i) && b.isTraceEntry(i) && len(JSONLineDiffs(a.Lines[i], b.Lines[i], true)) == 0 {
			d.DigestsOnly++
			continue
		}
		d.At = i
		break
	}
	d.TraceHeaderFields = slices.Sorted(maps.Keys(traceHeaderFields))
	if d.At >= 0 && d.At < len(a.Lines) && d.At < len(b.Lines) {
		d.Fields = JSONLineDiffs(a.Lines[d.At], b.Lines[d.At], a.isTraceEntry(d.At) && b.isTraceEntry(d.At))
	}
	return d
}

// topField is the first segment of a field path.
func topField(path string) string {
	if i := strings.IndexAny(path, ".["); i > 0 {
		return path[:i]
	}
	return path
}

// JSONLineDiffs compares two JSON lines field by field: for each top-level
// field that differs, the path to its first difference and the values
// there. skipDigest leaves out a trace entry's digest. Lines that are not
// both JSON objects differ as a whole.
func JSONLineDiffs(a, b string, skipDigest bool) []FieldDiff {
	va, errA := decodeJSONLine(a)
	vb, errB := decodeJSONLine(b)
	ma, okA := va.(map[string]any)
	mb, okB := vb.(map[string]any)
	if errA != nil || errB != nil || !okA || !okB {
		if a == b {
			return nil
		}
		return []FieldDiff{{"(line)", session.AbbreviateLine(a, 100), session.AbbreviateLine(b, 100)}}
	}
	var out []FieldDiff
	for _, k := range unionKeys(ma, mb) {
		if skipDigest && k == "digest" {
			continue
		}
		x, okx := ma[k]
		y, oky := mb[k]
		switch {
		case !okx:
			out = append(out, FieldDiff{k, "(absent)", jsonText(y)})
		case !oky:
			out = append(out, FieldDiff{k, jsonText(x), "(absent)"})
		default:
			if path, dx, dy, ok := jsonFirstDiff(k, x, y); ok {
				out = append(out, FieldDiff{path, dx, dy})
			}
		}
	}
	return out
}

func unionKeys(a, b map[string]any) []string {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	return slices.Sorted(maps.Keys(keys))
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
			for _, k := range unionKeys(xv, yv) {
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
	return session.AbbreviateLine(string(out), 100)
}

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
	// Fields are the fields that differ at line At, when both bundles have
	// it: every path to a difference.
	Fields []FieldDiff
	// More counts the lines after At that differ in what happened too
	// (trace headers and digest-only differences left out), and the lines
	// only the longer bundle has.
	More int
}

// FieldDiff is one difference between two JSON lines: its path
// (outputs.map.public.bytes, roles[2]) and both values there, compact and
// abbreviated; "(absent)" for a missing field, "(secret)" for a value
// under a secret field (session.IsSecretField: private keys, key shares,
// nonces), as protocol run hides them.
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
			if d.At < 0 {
				d.At = i
			} else {
				d.More++
			}
			continue
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
			if d.At < 0 {
				d.DigestsOnly++
			}
			continue
		}
		if d.At < 0 {
			d.At = i
		} else {
			d.More++
		}
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

// JSONLineDiffs compares two JSON lines field by field: every path to a
// difference and the values there, secrets hidden. skipDigest leaves out a
// trace entry's digest. Lines that are not both JSON objects differ as a
// whole.
func JSONLineDiffs(a, b string, skipDigest bool) []FieldDiff {
	va, errA := decodeJSONLine(a)
	vb, errB := decodeJSONLine(b)
	ma, okA := va.(map[string]any)
	mb, okB := vb.(map[string]any)
	if errA != nil || errB != nil || !okA || !okB {
		if a == b {
			return nil
		}
		return []FieldDiff{{"(line)", redactedLine(a, 100), redactedLine(b, 100)}}
	}
	if skipDigest {
		delete(ma, "digest")
		delete(mb, "digest")
	}
	var out []FieldDiff
	jsonDiffs("", ma, mb, &out)
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

// jsonDiffs appends every place two decoded JSON values differ: its path
// (outputs.map.public.bytes, roles[2]) and both values there. Objects are
// compared key by key, arrays of the same length item by item.
func jsonDiffs(path string, x, y any, out *[]FieldDiff) {
	if reflect.DeepEqual(x, y) {
		return
	}
	join := func(k string) string {
		if path == "" {
			return k
		}
		return path + "." + k
	}
	switch xv := x.(type) {
	case map[string]any:
		if yv, ok := y.(map[string]any); ok {
			for _, k := range unionKeys(xv, yv) {
				a, okA := xv[k]
				b, okB := yv[k]
				if okA != okB {
					*out = append(*out, FieldDiff{join(k), presentText(join(k), a, okA), presentText(join(k), b, okB)})
					continue
				}
				jsonDiffs(join(k), a, b, out)
			}
			return
		}
	case []any:
		if yv, ok := y.([]any); ok && len(xv) == len(yv) {
			for i := range xv {
				jsonDiffs(fmt.Sprintf("%s[%d]", path, i), xv[i], yv[i], out)
			}
			return
		}
	}
	*out = append(*out, FieldDiff{path, jsonText(path, x), jsonText(path, y)})
}

func presentText(path string, v any, present bool) string {
	if !present {
		return "(absent)"
	}
	return jsonText(path, v)
}

// jsonText renders the decoded JSON value at path compactly, abbreviated,
// with secrets hidden: the whole value when path passes through a secret
// field, the secret fields inside it otherwise.
func jsonText(path string, v any) string {
	if session.SecretPath(path) {
		return session.Secret
	}
	out, err := json.Marshal(session.RedactJSON(v))
	if err != nil {
		return fmt.Sprint(v)
	}
	return session.AbbreviateLine(string(out), 100)
}

// redactedLine is a bundle line as people may read it, abbreviated to
// limit: a JSON line with secret fields is re-encoded with their values
// hidden; any other line is shown as it is.
func redactedLine(line string, limit int) string {
	v, err := decodeJSONLine(line)
	if err == nil {
		if red := session.RedactJSON(v); !reflect.DeepEqual(red, v) {
			if out, err := json.Marshal(red); err == nil {
				line = string(out)
			}
		}
	}
	return session.AbbreviateLine(line, limit)
}

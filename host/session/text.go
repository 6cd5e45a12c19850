package session

import (
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/vm"
)

// WriteText prints the outcome for people: a header, each role with its
// bindings (abbreviated, secrets hidden), then the session's figures.
// Lines start with a fixed word (role, outcome, trace, recorded) so that
// scripts can pick them out.
func (o *Outcome) WriteText(w io.Writer) {
	fmt.Fprintf(w, "protocol %q (%s) on deployment %q (%s), seed %d\n", o.Protocol, o.File, o.Deployment, o.Mode, o.Seed)
	if o.Session != "" {
		fmt.Fprintf(w, "session %s, scheduler %s\n", o.Session, o.Scheduler)
	} else {
		fmt.Fprintf(w, "scheduler %s\n", o.Scheduler)
	}
	for _, r := range o.Roles {
		fmt.Fprintf(w, "\nrole %s: %s, %d trace entries\n", r.Role, r.Status, r.Entries)
		WriteBindings(w, "  ", r.Names, r.Bindings, 160)
	}
	fmt.Fprintln(w)
	switch o.Fault {
	case nil:
		fmt.Fprintf(w, "outcome: done in %d steps (%d instructions run, budget %d), %d host calls\n", o.Steps, o.Executed, o.Budget, o.HostCalls)
	default:
		where := ""
		if o.Fault.Role != "" {
			where = " in role " + o.Fault.Role
		}
		fmt.Fprintf(w, "outcome: faulted: %s%s at step %d (budget %d), %d host calls\n", o.Fault.Kind, where, o.Fault.Step, o.Budget, o.HostCalls)
	}
	if o.TraceHash != "" {
		fmt.Fprintf(w, "trace: %s, %d entries, hash %s\n", o.Granularity, o.TraceEntries, o.TraceHash)
	} else {
		fmt.Fprintln(w, "trace: disabled")
	}
	if o.Recorded != "" {
		fmt.Fprintf(w, "recorded: %s\n", o.Recorded)
	}
}

// FaultDiagnostic is a session fault as a diagnostic for its author: at
// the protocol step when the fault has a place in files, so it reads like
// a checking mistake; without a Subject otherwise (print it plainly).
func FaultDiagnostic(f *vm.Fault, files map[string]*hcl.File) *hcl.Diagnostic {
	summary := "Session faulted: " + f.Kind.String()
	if f.Role != "" {
		summary += " in role " + f.Role
	}
	detail := FaultMessage(f)
	if f.Index >= 0 {
		detail = fmt.Sprintf("At trace index %d: %s", f.Index, detail)
	}
	d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail}
	if f.Range.Filename != "" && files[f.Range.Filename] != nil {
		d.Subject = f.Range.Ptr()
	}
	return d
}

// WriteBindings prints a role's final bindings, one a line, abbreviated
// to limit; a binding to null (unbound on the path taken) says nothing.
func WriteBindings(w io.Writer, indent string, names []string, bindings map[string]effects.Value, limit int) {
	tw := newTable(w)
	shown := 0
	for _, name := range names {
		if v := bindings[name]; !v.IsNull() {
			fmt.Fprintf(tw, "%s$%s\t= %s\n", indent, name, Abbreviate(v, limit))
			shown++
		}
	}
	_ = tw.Flush()
	if shown == 0 {
		fmt.Fprintln(w, indent+"(no bindings)")
	}
}

// secretFields are map keys whose values the text forms hide: private
// keys, key-share scalars and signing nonces. The JSON form and the trace
// keep them (the trace must, to replay).
var secretFields = []string{"private", "secret", "nonces"}

// IsSecretField is the one redaction rule of every text form (protocol
// run's bindings, trace diff, a bundle's diff): the value of a map key
// named private, secret or nonces is hidden, at any depth. So is a field
// named key that holds bytes (IsSecret): the private key crypto's
// ed25519_sign and ed25519_public_key take as an argument; a storage key
// is a string and stays visible.
func IsSecretField(key string) bool { return slices.Contains(secretFields, key) }

// keyField is the field whose bytes are a private key.
const keyField = "key"

// IsSecret reports whether the value v of the map field named field is
// hidden: a secret field's (IsSecretField), or bytes under key.
func IsSecret(field string, v effects.Value) bool {
	return IsSecretField(field) || field == keyField && v.Kind() == effects.KindBytes
}

// SecretPath reports whether a field path (outputs.private,
// outputs.map.keys[1].secret.bytes) passes through a secret field, so that
// the value found there must be hidden.
func SecretPath(path string) bool {
	prev := ""
	for seg := range strings.FieldsFuncSeq(path, func(r rune) bool { return r == '.' || r == '[' || r == ']' }) {
		// key.bytes: bytes under key, in the JSON form of a value.
		if IsSecretField(seg) || prev == keyField && seg == "bytes" {
			return true
		}
		prev = seg
	}
	return false
}

// Secret is how a hidden value is written.
const Secret = "(secret)"

// RedactJSON returns a decoded JSON value (encoding/json's any) with the
// values of its secret object keys replaced by "(secret)", by the rule of
// Redact; v itself is not changed.
func RedactJSON(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, f := range x {
			if IsSecretField(k) || k == keyField && isJSONBytes(f) {
				out[k] = Secret
			} else {
				out[k] = RedactJSON(f)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, it := range x {
			out[i] = RedactJSON(it)
		}
		return out
	}
	return v
}

// isJSONBytes reports whether v is the JSON form of a bytes value:
// {"bytes": "0a1b"}.
func isJSONBytes(v any) bool {
	m, ok := v.(map[string]any)
	_, b := m["bytes"]
	return ok && len(m) == 1 && b
}

// Redact returns v with the values of its secret map fields (at any
// depth: private keys, key-share scalars, signing nonces) replaced by the
// string "(secret)": what may be written where people and logs read it.
func Redact(v effects.Value) effects.Value {
	switch v.Kind() {
	case effects.KindMap:
		fields := map[string]effects.Value{}
		for _, f := range v.Fields() {
			if IsSecret(f.Key, f.Value) {
				fields[f.Key] = effects.String(Secret)
			} else {
				fields[f.Key] = Redact(f.Value)
			}
		}
		return effects.Map(fields)
	case effects.KindList:
		var items []effects.Value
		for _, it := range v.Items() {
			items = append(items, Redact(it))
		}
		return effects.List(items...)
	}
	return v
}

// Abbreviate renders a value on one line for people, at most limit
// characters: bytes as hex (long ones cut, with their length), lists and
// maps in brackets, secrets hidden.
func Abbreviate(v effects.Value, limit int) string {
	var b strings.Builder
	writeAbbrev(&b, v, 0)
	s := b.String()
	if r := []rune(s); len(r) > limit {
		s = string(r[:limit-1]) + "…"
	}
	return s
}

func writeAbbrev(b *strings.Builder, v effects.Value, depth int) {
	const maxItems, maxBytes = 6, 16
	switch v.Kind() {
	case effects.KindBytes:
		raw, _ := v.AsBytes()
		if len(raw) <= maxBytes {
			b.WriteString("0x" + hex.EncodeToString(raw))
			return
		}
		fmt.Fprintf(b, "0x%s…(%d bytes)", hex.EncodeToString(raw[:8]), len(raw))
	case effects.KindString:
		s, _ := v.AsString()
		if r := []rune(s); len(r) > 40 {
			s = string(r[:39]) + "…"
		}
		b.WriteString(strconv.Quote(s))
	case effects.KindInt:
		i, _ := v.AsInt()
		b.WriteString(strconv.FormatInt(i, 10))
	case effects.KindUint:
		u, _ := v.AsUint()
		b.WriteString(strconv.FormatUint(u, 10))
	case effects.KindList:
		items := v.Items()
		if depth >= 2 {
			fmt.Fprintf(b, "[%d items]", len(items))
			return
		}
		b.WriteByte('[')
		for i, it := range items {
			if i == maxItems {
				fmt.Fprintf(b, ", … %d more", len(items)-maxItems)
				break
			}
			if i > 0 {
				b.WriteString(", ")
			}
			writeAbbrev(b, it, depth+1)
		}
		b.WriteByte(']')
	case effects.KindMap:
		fields := v.Fields()
		if depth >= 2 {
			fmt.Fprintf(b, "{%d fields}", len(fields))
			return
		}
		b.WriteByte('{')
		for i, f := range fields {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(f.Key + ": ")
			if IsSecretField(f.Key) {
				b.WriteString(Secret)
				continue
			}
			writeAbbrev(b, f.Value, depth+1)
		}
		b.WriteByte('}')
	default: // null, bool
		b.WriteString(v.String())
	}
}

// newTable is the column layout of every table the text forms print (the
// CLI's own tables use the same).
func newTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
}

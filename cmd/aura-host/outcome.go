package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/vm"
	"github.com/aurahost/aura-host/vm/policy"
	"github.com/aurahost/aura-host/vm/syntax"
)

// runOutcome is what `protocol run` reports; its JSON form is --json's.
type runOutcome struct {
	Protocol     string             `json:"protocol"`
	File         string             `json:"file"`
	Deployment   string             `json:"deployment"`
	DeployFile   string             `json:"deployment_file"`
	Mode         effects.Mode       `json:"mode"`
	Seed         uint64             `json:"seed"`
	Session      string             `json:"session"`
	Scheduler    string             `json:"scheduler"`
	Status       string             `json:"status"` // done or faulted
	Steps        uint64             `json:"steps"`
	Executed     uint64             `json:"executed"`
	Budget       uint64             `json:"budget"`
	HostCalls    uint64             `json:"host_calls"`
	Granularity  policy.Granularity `json:"granularity"`
	TraceEntries int                `json:"trace_entries"`
	TraceHash    string             `json:"trace_hash,omitempty"`
	Recorded     string             `json:"recorded,omitempty"`
	Roles        []roleOutcome      `json:"roles"`
	Fault        *faultReport       `json:"fault,omitempty"`
}

// roleOutcome is one role's part of the outcome.
type roleOutcome struct {
	Role     string                   `json:"role"`
	Status   string                   `json:"status"`        // done, faulted or stopped
	Entries  int                      `json:"trace_entries"` // the role's entries in the trace
	Bindings map[string]effects.Value `json:"bindings"`
	names    []string                 // binding names in register order, for the text form
}

// faultReport is a *vm.Fault for people and scripts.
type faultReport struct {
	Kind     string `json:"kind"`
	Role     string `json:"role,omitempty"`
	Step     uint64 `json:"step"`
	Index    int    `json:"index"` // the trace index of a Determinism fault, else -1
	Position string `json:"position,omitempty"`
	Message  string `json:"message"`
}

func newFaultReport(f *vm.Fault) *faultReport {
	r := &faultReport{Kind: f.Kind.String(), Role: f.Role, Step: f.Step, Index: f.Index, Message: faultMessage(f)}
	if f.Range.Filename != "" {
		r.Position = fmt.Sprintf("%s:%d:%d", f.Range.Filename, f.Range.Start.Line, f.Range.Start.Column)
	}
	return r
}

// faultMessage is what the fault says beyond its kind, role and place.
func faultMessage(f *vm.Fault) string {
	msg := f.Message
	if f.Err != nil && !strings.Contains(msg, f.Err.Error()) {
		if msg != "" {
			msg += ": "
		}
		msg += f.Err.Error()
	}
	return msg
}

func newRunOutcome(file, depFile string, dep *config.Deployment, p *syntax.Protocol, prog *vm.Program, m *vm.Machine, fault *vm.Fault, sh *sessionHost) *runOutcome {
	steps, budget := m.Steps()
	out := &runOutcome{
		Protocol: p.Name, File: file, Deployment: dep.Name, DeployFile: depFile, Mode: dep.Mode, Seed: dep.Seed,
		Scheduler: shortPolicy(m.Policy()), Status: m.Status().String(), Steps: steps, Executed: m.Executed(), Budget: budget,
		HostCalls: sh.calls.Load(),
	}
	entries := map[string]int{}
	if t := m.Trace(); t != nil {
		out.Session = t.Header.SessionText
		out.Granularity = t.Header.Granularity
		out.TraceEntries = len(t.Entries)
		sum := t.Hash()
		out.TraceHash = hex.EncodeToString(sum[:])
		for i := range t.Entries {
			entries[t.Entries[i].Role]++
		}
	} else {
		out.Granularity = policy.Disabled
	}
	if fault != nil {
		out.Status = "faulted"
		out.Fault = newFaultReport(fault)
	}
	for _, rc := range prog.Roles {
		r := roleOutcome{Role: rc.Role, Status: "done", Entries: entries[rc.Role], Bindings: map[string]effects.Value{}}
		switch {
		case fault != nil && fault.Role == rc.Role:
			r.Status = "faulted"
		case fault != nil:
			r.Status = "stopped"
		}
		for _, name := range rc.Slots {
			if v, ok := m.Binding(rc.Role, name); ok {
				if _, dup := r.Bindings[name]; !dup {
					r.names = append(r.names, name)
				}
				r.Bindings[name] = v
			}
		}
		out.Roles = append(out.Roles, r)
	}
	return out
}

func (o *runOutcome) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(o)
}

// writeText prints the outcome for people: a header, each role with its
// bindings, then the session's figures. Lines start with a fixed word
// (role, outcome, trace, recorded) so that scripts can pick them out.
func (o *runOutcome) writeText(w io.Writer) {
	fmt.Fprintf(w, "protocol %q (%s) on deployment %q (%s), seed %d\n", o.Protocol, o.File, o.Deployment, o.Mode, o.Seed)
	if o.Session != "" {
		fmt.Fprintf(w, "session %s, scheduler %s\n", o.Session, o.Scheduler)
	} else {
		fmt.Fprintf(w, "scheduler %s\n", o.Scheduler)
	}
	for _, r := range o.Roles {
		fmt.Fprintf(w, "\nrole %s: %s, %d trace entries\n", r.Role, r.Status, r.Entries)
		tw := newTable(w)
		shown := 0
		for _, name := range r.names {
			v := r.Bindings[name]
			if v.IsNull() {
				continue // unbound on the path taken, or bound to null: nothing to say
			}
			fmt.Fprintf(tw, "  $%s\t= %s\n", name, abbreviate(v, 160))
			shown++
		}
		_ = tw.Flush()
		if shown == 0 {
			fmt.Fprintln(w, "  (no bindings)")
		}
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

// reportFault prints a session fault on stderr: as a diagnostic with a
// snippet of the protocol step when the fault has a place, so it reads
// like a checking mistake; plainly otherwise.
func reportFault(f *vm.Fault, files map[string]*hcl.File) {
	summary := "Session faulted: " + f.Kind.String()
	if f.Role != "" {
		summary += " in role " + f.Role
	}
	detail := faultMessage(f)
	if f.Index >= 0 {
		detail = fmt.Sprintf("At trace index %d: %s", f.Index, detail)
	}
	if f.Range.Filename == "" || files[f.Range.Filename] == nil {
		fmt.Fprintf(stderr, "Error: %s\n\n%s\n", summary, detail)
		return
	}
	d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: f.Range.Ptr()}
	_ = config.WriteDiagnostics(stderr, files, hcl.Diagnostics{d}, colorful(stderr))
}

// secretFields are map keys whose values the text outcome hides: private
// keys, key-share scalars and signing nonces. --json and the trace keep
// them (the trace must, to replay).
var secretFields = []string{"private", "secret", "nonces"}

// abbreviate renders a value on one line for people, at most limit
// characters: bytes as hex (long ones cut, with their length), lists and
// maps in brackets, secrets hidden.
func abbreviate(v effects.Value, limit int) string {
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
			if slices.Contains(secretFields, f.Key) {
				b.WriteString("(hidden)")
				continue
			}
			writeAbbrev(b, f.Value, depth+1)
		}
		b.WriteByte('}')
	default: // null, bool
		b.WriteString(v.String())
	}
}

// newTable is the column layout of every table the CLI prints.
func newTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
}

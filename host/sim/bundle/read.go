package bundle

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/aurahost/aura-host/vm"
	"github.com/aurahost/aura-host/vm/trace"
)

// Bundle is a trace bundle read back (TraceBundle writes it): its lines,
// and where each machine's trace sits in them. Line indexes are from 0.
type Bundle struct {
	File   string // the file it was read from
	Raw    []byte
	Lines  []string // without their newlines
	Header Header
	Traces []Machine
	// Outcomes are the runs' outcome lines, by run name.
	Outcomes map[string]Outcome
	// Faults are the fault lines, in the order applied; EndMs the virtual
	// time of the end line (-1 when the bundle has none).
	Faults []Fault
	EndMs  int64
	// Drawn is the swarm line's faults (kind, at_ms and the kind's
	// parameters), in start order; Swarm says whether the bundle has that
	// line (the deployment has a swarm block).
	Drawn []map[string]any
	Swarm bool
}

// Fault is a fault line: a fault starting or ending on virtual time.
type Fault struct {
	AtMs   int64  `json:"at_ms"`
	Kind   string `json:"kind"`
	Phase  string `json:"phase"`
	Detail string `json:"detail"`
	Line   int    `json:"-"` // the bundle line, from 0
}

// Header is the bundle's first line.
type Header struct {
	Format     string          `json:"format"`
	Deployment string          `json:"deployment"`
	Seed       uint64          `json:"seed"`
	Profile    json.RawMessage `json:"profile"`
}

// Machine is one machine's trace inside a bundle: the {"trace":...}
// line at Marker, then its vm JSON Lines, Lines[First:End] (the trace's
// header at First, its entries after).
type Machine struct {
	Run, Role, Agent string
	Marker           int
	First, End       int
	// Times are the virtual-time marks of its entries, from the
	// {"times":...} line after its trace (Writer.TimedTrace); empty in a
	// bundle recorded without them.
	Times []TimeMark
}

// EntryLine is the bundle line (from 1) of the trace's entry i.
func (t Machine) EntryLine(i int) int { return t.First + i + 2 }

// Outcome is a run's outcome line.
type Outcome struct {
	Run        string `json:"run"`
	Status     string `json:"status"`
	Fault      string `json:"fault"`
	FinishedMs int64  `json:"finished_ms"`
	Steps      uint64 `json:"steps"`
}

// bundleKeys are the keys of the bundle's own lines, each alone on its
// line; every other line inside a trace section is the machine's.
var bundleKeys = []string{"swarm", "fault", "trace", "trace_error", "times", "outcome", "end"}

// Hash is what a simulation reports for the bundle (Hash).
func (b *Bundle) Hash() string { return Hash(b.Raw) }

// IsFile reports whether file starts with a trace bundle's header
// line. Errors are left to the reader that follows.
func IsFile(file string) bool {
	f, err := os.Open(file)
	if err != nil {
		return false
	}
	defer f.Close()
	line, err := bufio.NewReader(f).ReadBytes('\n')
	if err != nil && len(line) == 0 {
		return false
	}
	var h Header
	return json.Unmarshal(line, &h) == nil && h.Format == Format
}

// ReadFile reads and splits a trace bundle file (ReadBundle).
func ReadFile(file string) (*Bundle, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read bundle: %w", err)
	}
	return Read(file, raw)
}

// ReadBundle splits a trace bundle's bytes; file names it in errors.
// Every line must be JSON.
func Read(file string, raw []byte) (*Bundle, error) {
	b := &Bundle{File: file, Raw: raw, Outcomes: map[string]Outcome{}, EndMs: -1}
	text := strings.TrimSuffix(string(raw), "\n")
	if text == "" {
		return nil, fmt.Errorf("read bundle %s: the file is empty", file)
	}
	b.Lines = strings.Split(text, "\n")
	if err := json.Unmarshal([]byte(b.Lines[0]), &b.Header); err != nil || b.Header.Format != Format {
		return nil, fmt.Errorf("read bundle %s: line 1 is not a %s header", file, Format)
	}
	var cur *Machine
	for i := 1; i < len(b.Lines); i++ {
		key, body, err := bundleLine(b.Lines[i])
		if err != nil {
			return nil, fmt.Errorf("read bundle %s: line %d: %w", file, i+1, err)
		}
		if key == "" {
			if cur == nil {
				return nil, fmt.Errorf("read bundle %s: line %d: a trace line outside any {\"trace\":...} section", file, i+1)
			}
			cur.End = i + 1
			continue
		}
		cur = nil
		switch key {
		case "trace":
			t := Machine{Marker: i, First: i + 1, End: i + 1}
			var m struct{ Run, Role, Agent string }
			if err := json.Unmarshal(body, &m); err != nil {
				return nil, fmt.Errorf("read bundle %s: line %d: %w", file, i+1, err)
			}
			t.Run, t.Role, t.Agent = m.Run, m.Role, m.Agent
			b.Traces = append(b.Traces, t)
			cur = &b.Traces[len(b.Traces)-1]
		case "times":
			var m struct {
				Run, Role string
				At        [][2]int64
			}
			if err := json.Unmarshal(body, &m); err != nil {
				return nil, fmt.Errorf("read bundle %s: line %d: %w", file, i+1, err)
			}
			if k := len(b.Traces) - 1; k >= 0 && b.Traces[k].Run == m.Run && b.Traces[k].Role == m.Role {
				for _, p := range m.At {
					b.Traces[k].Times = append(b.Traces[k].Times, TimeMark{Entry: int(p[0]), Ms: p[1]})
				}
			}
		case "outcome":
			var o Outcome
			if err := json.Unmarshal(body, &o); err == nil {
				b.Outcomes[o.Run] = o
			}
		case "swarm":
			var m struct {
				Faults []map[string]any `json:"faults"`
			}
			if err := json.Unmarshal(body, &m); err == nil {
				b.Drawn, b.Swarm = m.Faults, true
			}
		case "fault":
			f := Fault{Line: i}
			if err := json.Unmarshal(body, &f); err == nil {
				b.Faults = append(b.Faults, f)
			}
		case "end":
			var e struct {
				VirtualMs int64 `json:"virtual_ms"`
			}
			if err := json.Unmarshal(body, &e); err == nil {
				b.EndMs = e.VirtualMs
			}
		}
	}
	return b, nil
}

// bundleLine classifies a line: the bundle key and its value for the
// bundle's own lines, "" for a machine's trace line.
func bundleLine(line string) (string, json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		return "", nil, fmt.Errorf("not a JSON object: %w", err)
	}
	if len(m) == 1 {
		for _, k := range bundleKeys {
			if v, ok := m[k]; ok {
				return k, v, nil
			}
		}
	}
	return "", nil, nil
}

// Where says which part of the bundle line i (from 0) belongs to.
func (b *Bundle) Where(i int) string {
	if i == 0 {
		return "the bundle's header"
	}
	for _, t := range b.Traces {
		switch {
		case i == t.Marker:
			return fmt.Sprintf("the start of the trace of run %q, role %s (agent %s)", t.Run, t.Role, t.Agent)
		case i == t.First:
			return fmt.Sprintf("the header of the trace of run %q, role %s (agent %s)", t.Run, t.Role, t.Agent)
		case i > t.First && i < t.End:
			return fmt.Sprintf("the trace of run %q, role %s (agent %s), entry %d", t.Run, t.Role, t.Agent, i-t.First-1)
		}
	}
	if i < len(b.Lines) {
		if key, _, _ := bundleLine(b.Lines[i]); key != "" {
			return "the bundle's " + key + " lines"
		}
	}
	return "the end of the bundle"
}

// isTraceHeader reports whether line i is a machine trace's header.
func (b *Bundle) isTraceHeader(i int) bool {
	for _, t := range b.Traces {
		if i == t.First && t.First < t.End {
			return true
		}
	}
	return false
}

// isTraceEntry reports whether line i is an entry of a machine's trace.
func (b *Bundle) isTraceEntry(i int) bool {
	for _, t := range b.Traces {
		if i > t.First && i < t.End {
			return true
		}
	}
	return false
}

// MachineTrace reads the vm trace of t. A line whose digest no longer
// chains is a *vm.Fault of kind FaultDeterminism at its entry.
func (b *Bundle) MachineTrace(t Machine) (*trace.Trace, error) {
	if t.First == t.End {
		return nil, errors.New("the bundle holds no trace for it")
	}
	text := strings.Join(b.Lines[t.First:t.End], "\n") + "\n"
	return vm.ReadTrace(bytes.NewReader([]byte(text)))
}

// TraceError is a machine trace of a bundle that does not read.
type TraceError struct {
	Machine Machine
	// AlteredLine is the bundle line (from 1) that no longer chains from
	// the trace's header, or 0 when the trace is unreadable otherwise.
	AlteredLine int
	Err         error
}

func (e *TraceError) Error() string {
	if e.AlteredLine > 0 {
		return fmt.Sprintf("line %d was altered (the trace of run %q, role %s, no longer chains from its header there)", e.AlteredLine, e.Machine.Run, e.Machine.Role)
	}
	return fmt.Sprintf("the trace of run %q, role %s (line %d on): %v", e.Machine.Run, e.Machine.Role, e.Machine.First+1, e.Err)
}

func (e *TraceError) Unwrap() error { return e.Err }

// CheckDigests reads every machine trace, so that an altered line (its
// digest no longer chains) is found, at its line of the bundle. The error
// is a *TraceError.
func (b *Bundle) CheckDigests() error {
	for _, bt := range b.Traces {
		_, err := b.MachineTrace(bt)
		var fault *vm.Fault
		switch {
		case errors.As(err, &fault) && fault.Kind == vm.FaultDeterminism:
			return &TraceError{Machine: bt, AlteredLine: bt.EntryLine(fault.Index), Err: err}
		case err != nil:
			return &TraceError{Machine: bt, Err: err}
		}
	}
	return nil
}

// ReadChecked reads a bundle file and checks every machine trace's digests
// (ReadFile, CheckDigests), for a comparison that must not take an altered
// bundle for a different one. A *TraceError is wrapped naming the file;
// an altered line's error points at `aura-host trace replay FILE`, which
// names the altered entry.
func ReadChecked(file string) (*Bundle, error) {
	b, err := ReadFile(file)
	if err == nil {
		err = b.CheckDigests()
	}
	var te *TraceError
	if errors.As(err, &te) && te.AlteredLine > 0 {
		return nil, fmt.Errorf("%s: %w; `aura-host trace replay %s` names it", file, err, file)
	} else if te != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if err != nil {
		return nil, err
	}
	return b, nil
}

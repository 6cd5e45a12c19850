package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"lukechampine.com/blake3"

	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/vm"
	"github.com/aurahost/aura-host/vm/trace"
)

// simBundle is a simulation's trace bundle read back (see
// sim.TraceBundle): its lines, and where each machine's trace sits in
// them.
type simBundle struct {
	file   string
	raw    []byte
	lines  []string // without their newlines
	header bundleHeader
	traces []bundleTrace
	// outcomes are the runs' outcome lines, by run name.
	outcomes map[string]bundleOutcome
}

// bundleHeader is the bundle's first line.
type bundleHeader struct {
	Format     string          `json:"format"`
	Deployment string          `json:"deployment"`
	Seed       uint64          `json:"seed"`
	Profile    json.RawMessage `json:"profile"`
}

// bundleTrace is one machine's trace inside a bundle: the {"trace":...}
// line at marker, then its vm JSON Lines, lines[first:end].
type bundleTrace struct {
	Run, Role, Agent string
	marker           int
	first, end       int
}

// bundleOutcome is a run's outcome line.
type bundleOutcome struct {
	Run    string `json:"run"`
	Status string `json:"status"`
	Fault  string `json:"fault"`
}

// bundleKeys are the keys of the bundle's own lines, each alone on its
// line; every other line inside a trace section is the machine's.
var bundleKeys = []string{"fault", "trace", "trace_error", "outcome", "end"}

// hash is what `simulate` prints for the bundle: BLAKE3-256 of its bytes
// (sim.TraceBundle.Hash).
func (b *simBundle) hash() string {
	sum := blake3.Sum256(b.raw)
	return fmt.Sprintf("%x", sum)
}

// isBundleFile reports whether file starts with a trace bundle's header
// line. Errors are left to the reader that follows.
func isBundleFile(file string) bool {
	f, err := os.Open(file)
	if err != nil {
		return false
	}
	defer f.Close()
	line, err := bufio.NewReader(f).ReadBytes('\n')
	if err != nil && len(line) == 0 {
		return false
	}
	var h bundleHeader
	return json.Unmarshal(line, &h) == nil && h.Format == sim.BundleFormat
}

// readBundle reads and splits a trace bundle. Every line must be JSON.
func readBundle(file string) (*simBundle, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read bundle: %w", err)
	}
	b := &simBundle{file: file, raw: raw, outcomes: map[string]bundleOutcome{}}
	text := strings.TrimSuffix(string(raw), "\n")
	if text == "" {
		return nil, fmt.Errorf("read bundle %s: the file is empty", file)
	}
	b.lines = strings.Split(text, "\n")
	if err := json.Unmarshal([]byte(b.lines[0]), &b.header); err != nil || b.header.Format != sim.BundleFormat {
		return nil, fmt.Errorf("read bundle %s: line 1 is not a %s header", file, sim.BundleFormat)
	}
	var cur *bundleTrace
	for i := 1; i < len(b.lines); i++ {
		key, body, err := bundleLine(b.lines[i])
		if err != nil {
			return nil, fmt.Errorf("read bundle %s: line %d: %w", file, i+1, err)
		}
		if key == "" {
			if cur == nil {
				return nil, fmt.Errorf("read bundle %s: line %d: a trace line outside any {\"trace\":...} section", file, i+1)
			}
			cur.end = i + 1
			continue
		}
		cur = nil
		switch key {
		case "trace":
			t := bundleTrace{marker: i, first: i + 1, end: i + 1}
			var m struct{ Run, Role, Agent string }
			if err := json.Unmarshal(body, &m); err != nil {
				return nil, fmt.Errorf("read bundle %s: line %d: %w", file, i+1, err)
			}
			t.Run, t.Role, t.Agent = m.Run, m.Role, m.Agent
			b.traces = append(b.traces, t)
			cur = &b.traces[len(b.traces)-1]
		case "outcome":
			var o bundleOutcome
			if err := json.Unmarshal(body, &o); err == nil {
				b.outcomes[o.Run] = o
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

// where says which part of the bundle line i (from 0) belongs to.
func (b *simBundle) where(i int) string {
	if i == 0 {
		return "the bundle's header"
	}
	for _, t := range b.traces {
		switch {
		case i == t.marker:
			return fmt.Sprintf("the start of the trace of run %q, role %s (agent %s)", t.Run, t.Role, t.Agent)
		case i == t.first:
			return fmt.Sprintf("the header of the trace of run %q, role %s (agent %s)", t.Run, t.Role, t.Agent)
		case i > t.first && i < t.end:
			return fmt.Sprintf("the trace of run %q, role %s (agent %s), entry %d", t.Run, t.Role, t.Agent, i-t.first-1)
		}
	}
	if i < len(b.lines) {
		if key, _, _ := bundleLine(b.lines[i]); key != "" {
			return "the bundle's " + key + " lines"
		}
	}
	return "the end of the bundle"
}

// isTraceHeader reports whether line i is a machine trace's header.
func (b *simBundle) isTraceHeader(i int) bool {
	for _, t := range b.traces {
		if i == t.first && t.first < t.end {
			return true
		}
	}
	return false
}

// isTraceEntry reports whether line i is an entry of a machine's trace.
func (b *simBundle) isTraceEntry(i int) bool {
	for _, t := range b.traces {
		if i > t.first && i < t.end {
			return true
		}
	}
	return false
}

// machineTrace reads the vm trace of t.
func (b *simBundle) machineTrace(t bundleTrace) (*trace.Trace, error) {
	if t.first == t.end {
		return nil, errors.New("the bundle holds no trace for it")
	}
	text := strings.Join(b.lines[t.first:t.end], "\n") + "\n"
	return vm.ReadTrace(bytes.NewReader([]byte(text)))
}

// checkDigests reads every machine trace, so that an altered line (its
// digest no longer chains) is found, at its line of the bundle.
func (b *simBundle) checkDigests() error {
	for _, bt := range b.traces {
		_, err := b.machineTrace(bt)
		var fault *vm.Fault
		switch {
		case errors.As(err, &fault) && fault.Kind == vm.FaultDeterminism:
			return fmt.Errorf("%s: line %d was altered (the trace of run %q, role %s, no longer chains from its header there); `aura-host trace replay %s` names it",
				b.file, bt.first+fault.Index+2, bt.Run, bt.Role, b.file)
		case err != nil:
			return fmt.Errorf("%s: the trace of run %q, role %s (line %d on): %w", b.file, bt.Run, bt.Role, bt.first+1, err)
		}
	}
	return nil
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/vm"
)

// simOutcome is what `simulate` reports for one seed; its JSON form is
// --json's.
type simOutcome struct {
	Deployment  string      `json:"deployment"`
	File        string      `json:"file"`
	Seed        uint64      `json:"seed"`
	Agents      int         `json:"agents"`
	Faults      int         `json:"faults"`
	Status      string      `json:"status"` // ok, or failed when any run failed
	VirtualMs   int64       `json:"virtual_ms"`
	BundleHash  string      `json:"bundle_hash"`
	BundleLines int         `json:"bundle_lines"`
	Recorded    string      `json:"recorded,omitempty"`
	Runs        []runReport `json:"runs"`
	Reproduce   string      `json:"reproduce,omitempty"` // set for a failing seed of a sweep
	outcome     *sim.Outcome
}

// runReport is one run block's result.
type runReport struct {
	Name       string        `json:"name"`
	Protocol   string        `json:"protocol"`
	Status     string        `json:"status"` // ok or failed
	FinishedMs int64         `json:"finished_ms"`
	Steps      uint64        `json:"steps"`
	Fault      *faultReport  `json:"fault,omitempty"`
	Roles      []roleBinding `json:"roles,omitempty"`
	err        error
	decl       *config.Run
}

// roleBinding is a role of a run, the agent that played it, and its final
// bindings.
type roleBinding struct {
	Role     string                   `json:"role"`
	Agent    string                   `json:"agent"`
	Bindings map[string]effects.Value `json:"bindings"`
	names    []string                 // in the role's slot order, for the text form
}

func (sc *scenario) report(seed uint64, out *sim.Outcome) *simOutcome {
	agents := len(sc.dep.Agents)
	if agents == 0 {
		agents = 1 // the deployment's implicit agent
	}
	o := &simOutcome{Deployment: sc.dep.Name, File: sc.file, Seed: seed, Agents: agents, Faults: len(sc.dep.Faults),
		Status: "ok", VirtualMs: out.VirtualMs, BundleHash: out.Bundle.Hash(),
		BundleLines: bytes.Count(out.Bundle.Bytes(), []byte{'\n'}), outcome: out}
	for i, r := range out.Runs {
		rr := runReport{Name: r.Name, Status: "ok", FinishedMs: r.FinishedMs, Steps: r.Steps, err: r.Err}
		var prog *vm.Program
		if i < len(sc.dep.Runs) && sc.dep.Runs[i].Name == r.Name {
			rr.decl, prog = sc.dep.Runs[i], sc.progs[i]
			rr.Protocol = prog.Protocol.Name
		}
		if r.Err != nil {
			rr.Status, o.Status = "failed", "failed"
			rr.Fault = errorReport(r.Err)
		}
		if prog != nil {
			for _, rc := range prog.Roles {
				rb := roleBinding{Role: rc.Role, Agent: rr.decl.Roles[rc.Role], Bindings: map[string]effects.Value{}}
				for _, name := range rc.Slots {
					if v, ok := r.Binding(rc.Role, name); ok {
						if _, dup := rb.Bindings[name]; !dup {
							rb.names = append(rb.names, name)
						}
						rb.Bindings[name] = v
					}
				}
				rr.Roles = append(rr.Roles, rb)
			}
		}
		o.Runs = append(o.Runs, rr)
	}
	return o
}

// errorReport is a run's failure for people and scripts: its fault, or
// why it could not run.
func errorReport(err error) *faultReport {
	var f *vm.Fault
	if errors.As(err, &f) {
		return newFaultReport(f)
	}
	return &faultReport{Kind: "Error", Index: -1, Message: err.Error()}
}

// simulateOne runs one seed, prints its outcome, records its bundle, and
// reports each failed run's fault.
func (sc *scenario) simulateOne(ctx context.Context, w io.Writer, seed uint64, f *simulateFlags) error {
	out, err := sc.simulate(ctx, seed)
	if err != nil {
		return sc.hostError(seed, err)
	}
	o := sc.report(seed, out)
	if f.record != "" {
		if err := writeFileAtomic(f.record, func(w io.Writer) error { _, err := out.Bundle.WriteTo(w); return err }); err != nil {
			return fmt.Errorf("--record: %w", err)
		}
		o.Recorded = f.record
	}
	if f.asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(o); err != nil {
			return err
		}
	} else {
		o.writeText(w, f.bindings)
	}
	for _, r := range o.Runs {
		if r.err != nil {
			sc.reportRunFault(seed, &r)
		}
	}
	if o.Status != "ok" {
		return &exitError{code: 1}
	}
	return nil
}

// writeText prints the outcome for people. Lines start with a fixed word
// (simulation, run, bundle, recorded) so that scripts can pick them out.
func (o *simOutcome) writeText(w io.Writer, bindings bool) {
	fmt.Fprintf(w, "simulation of deployment %q (%s), seed %d: %s, %s, %s\n", o.Deployment, o.File, o.Seed,
		plural(o.Agents, "agent"), plural(len(o.Runs), "run"), plural(o.Faults, "fault"))
	for _, r := range o.Runs {
		fmt.Fprintf(w, "run %s: %s\n", r.Name, r.summary())
		if bindings {
			r.writeBindings(w)
		}
	}
	fmt.Fprintf(w, "virtual time: %s\n", virtualTime(o.VirtualMs))
	fmt.Fprintf(w, "bundle: %d lines, hash %s\n", o.BundleLines, o.BundleHash)
	if o.Recorded != "" {
		fmt.Fprintf(w, "recorded: %s\n", o.Recorded)
	}
}

// summary is a run's outcome on one line.
func (r *runReport) summary() string {
	if r.Fault == nil {
		return fmt.Sprintf("ok, finished at %s of virtual time in %d steps", virtualTime(r.FinishedMs), r.Steps)
	}
	where := ""
	if r.Fault.Role != "" {
		where = " in role " + r.Fault.Role
	}
	return fmt.Sprintf("failed at %s of virtual time after %d steps: %s%s: %s", virtualTime(r.FinishedMs), r.Steps, r.Fault.Kind, where, r.Fault.Message)
}

func (r *runReport) writeBindings(w io.Writer) {
	for _, rb := range r.Roles {
		fmt.Fprintf(w, "  role %s (agent %s)\n", rb.Role, rb.Agent)
		tw := newTable(w)
		shown := 0
		for _, name := range rb.names {
			v := rb.Bindings[name]
			if v.IsNull() {
				continue
			}
			fmt.Fprintf(tw, "    $%s\t= %s\n", name, abbreviate(v, 120))
			shown++
		}
		_ = tw.Flush()
		if shown == 0 {
			fmt.Fprintln(w, "    (no bindings)")
		}
	}
}

// reportRunFault prints a failed run's fault on stderr as a diagnostic:
// at the protocol step when the fault knows it, else at the run block (its
// timeout, for a run that timed out), so that every failure has a line.
func (sc *scenario) reportRunFault(seed uint64, r *runReport) {
	summary := fmt.Sprintf("Run %q failed (seed %d): %s", r.Name, seed, r.Fault.Kind)
	if r.Fault.Role != "" {
		summary += " in role " + r.Fault.Role
	}
	detail := r.Fault.Message
	if r.Fault.Index >= 0 {
		detail = fmt.Sprintf("At trace index %d: %s", r.Fault.Index, detail)
	}
	detail += fmt.Sprintf("\nThe run ended at %s of virtual time.", virtualTime(r.FinishedMs))
	var subject *hcl.Range
	var f *vm.Fault
	switch {
	case errors.As(r.err, &f) && f.Range.Filename != "" && sc.files[f.Range.Filename] != nil:
		subject = f.Range.Ptr()
	case r.decl != nil && f != nil && f.Kind == vm.FaultTimeout && r.decl.TimeoutRange.Filename != "":
		subject = r.decl.TimeoutRange.Ptr()
	case r.decl != nil:
		subject = r.decl.DeclRange.Ptr()
	}
	if subject == nil {
		fmt.Fprintf(stderr, "Error: %s\n\n%s\n", summary, detail)
		return
	}
	d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: subject}
	_ = config.WriteDiagnostics(stderr, sc.files, hcl.Diagnostics{d}, colorful(stderr))
}

// virtualTime renders milliseconds of virtual time: "0s", "3.412s", "1h0m0s".
func virtualTime(ms int64) string {
	return (time.Duration(ms) * time.Millisecond).String()
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// pluralWord picks the singular or plural form for n.
func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// shellQuote quotes s for a POSIX shell when it needs it, so that a
// printed command can be pasted as it is.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,+@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

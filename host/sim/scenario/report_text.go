package scenario

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/host/session"
	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/host/sim/swarm"
	"github.com/aurahost/aura-host/vm"
)

// WriteText prints the report for people; bindings adds each role's final
// bindings under its run. Lines start with a fixed word (simulation, run,
// bundle, recorded) so that scripts can pick them out.
func (o *Report) WriteText(w io.Writer, bindings bool) {
	drawn := ""
	if o.Drawn > 0 {
		drawn = fmt.Sprintf(" (and %d drawn by the swarm block)", o.Drawn)
	}
	if o.FaultFile != "" {
		drawn = fmt.Sprintf(" from %s (in place of the file's fault blocks and swarm block)", o.FaultFile)
	}
	fmt.Fprintf(w, "simulation of deployment %q (%s), seed %d: %s, %s, %s%s\n", o.Deployment, o.File, o.Seed,
		Plural(o.Agents, "agent"), Plural(len(o.Runs), "run"), Plural(o.Faults, "fault"), drawn)
	if len(o.Coverage) > 0 {
		var fired, idle []string
		for _, k := range swarm.CoverageKinds {
			if f, ok := o.Coverage[k]; ok && f {
				fired = append(fired, k)
			} else if ok {
				idle = append(idle, k)
			}
		}
		fmt.Fprintf(w, "faults fired: %s; did not fire: %s\n", listOrNone(fired), listOrNone(idle))
	}
	for _, r := range o.Runs {
		fmt.Fprintf(w, "run %s: %s\n", r.Name, r.Summary())
		if bindings {
			for _, rb := range r.Roles {
				fmt.Fprintf(w, "  role %s (agent %s)\n", rb.Role, rb.Agent)
				session.WriteBindings(w, "    ", rb.Names, rb.Bindings, 120)
			}
		}
	}
	if v := o.Violation; v != nil {
		fmt.Fprintf(w, "invariant %s: violated at step %d (%s of virtual time): %s\n", v.Invariant, v.Step, VirtualTime(v.VirtualMs), v.Message)
	}
	fmt.Fprintf(w, "virtual time: %s\n", VirtualTime(o.VirtualMs))
	fmt.Fprintf(w, "bundle: %d lines, hash %s\n", o.BundleLines, o.BundleHash)
	if o.Recorded != "" {
		fmt.Fprintf(w, "recorded: %s\n", o.Recorded)
	}
}

// Summary is a run's outcome on one line.
func (r *RunReport) Summary() string {
	if r.Fault == nil {
		return fmt.Sprintf("ok, finished at %s of virtual time in %d steps", VirtualTime(r.FinishedMs), r.Steps)
	}
	where := ""
	if r.Fault.Role != "" {
		where = " in role " + r.Fault.Role
	}
	return fmt.Sprintf("failed at %s of virtual time after %d steps: %s%s: %s", VirtualTime(r.FinishedMs), r.Steps, r.Fault.Kind, where, r.Fault.Message)
}

// RunFaultDiagnostic is a failed run's fault (of the simulation of seed)
// as a diagnostic: at the invariant block whose invariant stopped it, at
// the protocol step when the fault knows it, else at
// the run block (its timeout, for a run that timed out), so that every
// failure has a line; without a Subject only when the run is not the
// deployment's (print it plainly).
func (sc *Scenario) RunFaultDiagnostic(seed uint64, r *RunReport) *hcl.Diagnostic {
	summary := fmt.Sprintf("Run %q failed (seed %d): %s", r.Name, seed, r.Fault.Kind)
	if r.Fault.Role != "" {
		summary += " in role " + r.Fault.Role
	}
	detail := r.Fault.Message
	if r.Fault.Index >= 0 {
		detail = fmt.Sprintf("At trace index %d: %s", r.Fault.Index, detail)
	}
	detail += fmt.Sprintf("\nThe run ended at %s of virtual time.", VirtualTime(r.FinishedMs))
	var subject *hcl.Range
	var f *vm.Fault
	var iv *sim.InvariantViolation
	switch {
	case errors.As(r.Err, &iv) && sc.Deployment.Invariant(iv.Invariant) != nil:
		subject = sc.Deployment.Invariant(iv.Invariant).DeclRange.Ptr()
	case errors.As(r.Err, &f) && f.Range.Filename != "" && sc.Files[f.Range.Filename] != nil:
		subject = f.Range.Ptr()
	case r.Decl != nil && f != nil && f.Kind == vm.FaultTimeout && r.Decl.TimeoutRange.Filename != "":
		subject = r.Decl.TimeoutRange.Ptr()
	case r.Decl != nil:
		subject = r.Decl.DeclRange.Ptr()
	}
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: subject}
}

// WriteFailing prints a failing seed of a sweep: each failed run (and the
// violated invariant, when no run failed with it), and the
// command that reproduces the seed (Reproduce).
func (o *Report) WriteFailing(w io.Writer) {
	onRun := false
	for _, r := range o.Runs {
		if r.Fault != nil {
			fmt.Fprintf(w, "seed %d: run %s %s\n", o.Seed, r.Name, r.Summary())
			onRun = onRun || r.Fault.Kind == InvariantKind
		}
	}
	if v := o.Violation; v != nil && !onRun { // found when every run had ended
		fmt.Fprintf(w, "seed %d: invariant %s violated at step %d (%s of virtual time): %s\n", o.Seed, v.Invariant, v.Step, VirtualTime(v.VirtualMs), v.Message)
	}
	fmt.Fprintf(w, "  reproduce: %s\n", o.Reproduce)
}

// WriteSummary prints the sweep's last lines for people: how many seeds
// were simulated (of how many, if it was interrupted), how many failed,
// which.
func (rep *SweepReport) WriteSummary(w io.Writer) {
	r := rep.seeds
	interrupted := rep.Interrupted()
	elapsed := (time.Duration(rep.ElapsedMs) * time.Millisecond).Round(time.Millisecond)
	of := ""
	if interrupted {
		of = fmt.Sprintf(" (interrupted: %d of %d)", rep.Simulated, r.Count())
	}
	fmt.Fprintf(w, "summary: %s simulated%s in %s: %d ok, %d failed; %d distinct bundles\n",
		Plural(int(rep.Simulated), "seed"), of, elapsed, rep.OK, rep.Failed, rep.Distinct)
	if rep.Failed > 0 {
		seeds := make([]string, len(rep.Failures))
		for i, o := range rep.Failures {
			seeds[i] = strconv.FormatUint(o.Seed, 10)
		}
		fmt.Fprintf(w, "failing seeds: %s\n", strings.Join(seeds, ", "))
	}
	rep.WriteCoverage(w)
}

// WriteCoverage prints the sweep's coverage table: per fault kind
// scheduled, in how many seeds it was scheduled and fired, and the share
// of the seeds in which it fired; a kind that never fired says so. It
// prints nothing when no seed scheduled a fault.
func (rep *SweepReport) WriteCoverage(w io.Writer) {
	if len(rep.Coverage) == 0 {
		return
	}
	fmt.Fprintf(w, "fault coverage: the share of the %s in which each kind fired\n", Plural(int(rep.Simulated), "seed"))
	fmt.Fprintf(w, "  %-15s %9s %6s %6s\n", "kind", "scheduled", "fired", "share")
	for _, k := range rep.Coverage {
		note := ""
		if k.Fired == 0 {
			note = "  never fired"
		}
		fmt.Fprintf(w, "  %-15s %9d %6d %5.1f%%%s\n", k.Kind, k.Scheduled, k.Fired, 100*k.Share, note)
	}
}

// VirtualTime renders milliseconds of virtual time: "0s", "3.412s", "1h0m0s".
func VirtualTime(ms int64) string {
	return (time.Duration(ms) * time.Millisecond).String()
}

// Plural counts noun: "1 run", "3 runs".
func Plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func listOrNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

package conformance

import (
	"fmt"
	"io"
	"strings"
)

// Status is the outcome of one check.
type Status int

const (
	// Pass: the plugin does what the contract says.
	Pass Status = iota
	// Fail: it does not; the reason says what it did and what to do.
	Fail
	// Skip: the check could not run (nothing to run it on, or an earlier
	// failure); the reason says why.
	Skip
)

func (s Status) String() string {
	switch s {
	case Pass:
		return "PASS"
	case Fail:
		return "FAIL"
	}
	return "SKIP"
}

// Check is one named check's outcome.
type Check struct {
	Name   string
	Status Status
	Reason string // why it failed or was skipped; for a pass, what was seen (may be empty)
}

// Report is the outcome of a run, one Check per check in the order run.
type Report struct {
	// Plugin is the name the plugin described itself with ("" if Describe
	// never answered).
	Plugin string
	Checks []Check
}

// Failed returns the failed checks.
func (r *Report) Failed() []Check {
	var out []Check
	for _, c := range r.Checks {
		if c.Status == Fail {
			out = append(out, c)
		}
	}
	return out
}

// Find returns the check of that name.
func (r *Report) Find(name string) (Check, bool) {
	for _, c := range r.Checks {
		if c.Name == name {
			return c, true
		}
	}
	return Check{}, false
}

// WriteText writes one line per check ("PASS handshake", "FAIL call_id:
// result for call 7 came back as call 8") and a summary line.
func (r *Report) WriteText(w io.Writer) error {
	counts := map[Status]int{}
	for _, c := range r.Checks {
		counts[c.Status]++
		line := c.Status.String() + " " + c.Name
		if c.Reason != "" {
			line += ": " + c.Reason
		}
		if _, err := fmt.Fprintln(w, line); err != nil {
			return err
		}
	}
	verdict := "conforms"
	if counts[Fail] > 0 {
		verdict = "does not conform"
	}
	name := r.Plugin
	if name == "" {
		name = "the plugin"
	}
	_, err := fmt.Fprintf(w, "%s %s: %d passed, %d failed, %d skipped\n", name, verdict, counts[Pass], counts[Fail], counts[Skip])
	return err
}

func (r *Report) add(name string, s Status, format string, args ...any) {
	reason := format
	if len(args) > 0 {
		reason = fmt.Sprintf(format, args...)
	}
	// One line per check: a reason quoting a multi-line message stays on it.
	reason = strings.Join(strings.Fields(strings.ReplaceAll(reason, "\n", " \n ")), " ")
	r.Checks = append(r.Checks, Check{Name: name, Status: s, Reason: reason})
}

func (r *Report) pass(name, format string, args ...any) { r.add(name, Pass, format, args...) }
func (r *Report) fail(name, format string, args ...any) { r.add(name, Fail, format, args...) }
func (r *Report) skip(name, format string, args ...any) { r.add(name, Skip, format, args...) }

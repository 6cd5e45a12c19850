package conformance

import (
	"encoding/json"
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

// WriteJSON writes the report as one JSON object, for CI and tools:
//
//	{"plugin": "greeter", "conforms": false, "passed": 14, "failed": 1, "skipped": 2,
//	 "checks": [{"name": "handshake", "status": "pass", "reason": "…"}, …]}
//
// status is "pass", "fail" or "skip"; reason is left out when empty.
func (r *Report) WriteJSON(w io.Writer) error {
	type check struct {
		Name   string `json:"name"`
		Status string `json:"status"`
		Reason string `json:"reason,omitempty"`
	}
	out := struct {
		Plugin   string  `json:"plugin"`
		Conforms bool    `json:"conforms"`
		Passed   int     `json:"passed"`
		Failed   int     `json:"failed"`
		Skipped  int     `json:"skipped"`
		Checks   []check `json:"checks"`
	}{Plugin: r.Plugin, Checks: []check{}}
	for _, c := range r.Checks {
		switch c.Status {
		case Pass:
			out.Passed++
		case Fail:
			out.Failed++
		default:
			out.Skipped++
		}
		out.Checks = append(out.Checks, check{Name: c.Name, Status: strings.ToLower(c.Status.String()), Reason: c.Reason})
	}
	out.Conforms = out.Failed == 0
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
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

package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Durations are written as Go duration strings in quotes: "250ms", "5s",
// "1m30s", "1h". A bare number is always a mistake (is 5 seconds or
// milliseconds?), so it is reported with the unit to add rather than
// guessed.

// durationUnits is the sentence listing the units a duration takes.
const durationUnits = `units ns, us, ms, s, m and h`

// zeroRule says whether a duration attribute may be zero.
type zeroRule bool

const (
	positive    zeroRule = false // must be > 0
	nonNegative zeroRule = true  // may be 0
)

// durationAttr decodes a duration attribute. example is a valid value
// without quotes ("5s"); rule says whether zero is allowed.
func (d *decoder) durationAttr(a *hcl.Attribute, example string, rule zeroRule) (time.Duration, bool) {
	s, dur, ok := d.parseDuration(a, example)
	if !ok {
		return 0, false
	}
	problem := ""
	switch {
	case dur < 0:
		problem = fmt.Sprintf("%s cannot be negative (%q). Give a positive duration such as %q.", a.Name, s, example)
	case dur == 0 && rule == positive:
		problem = fmt.Sprintf("%s must be more than zero. Give a positive duration such as %q, or remove %s for the default.", a.Name, example, a.Name)
	}
	if problem != "" {
		d.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid duration",
			Detail:   problem,
			Subject:  a.Expr.Range().Ptr(),
		})
		return 0, false
	}
	return dur, true
}

// signedDuration decodes a duration that may be negative but not zero (a
// clock skew's offset: "-30ms" behind, "30ms" ahead), returning its range
// only when the value is valid.
func (d *decoder) signedDuration(a *hcl.Attribute, example string) (time.Duration, hcl.Range) {
	_, dur, ok := d.parseDuration(a, example)
	if !ok {
		return 0, hcl.Range{}
	}
	if dur == 0 {
		d.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid duration",
			Detail:   fmt.Sprintf("%s must not be zero: give how far ahead (%q) or, negative, behind (\"-%s\") it is.", a.Name, strings.TrimPrefix(example, "-"), strings.TrimPrefix(example, "-")),
			Subject:  a.Expr.Range().Ptr(),
		})
		return 0, hcl.Range{}
	}
	return dur, a.Expr.Range()
}

// parseDuration reads a duration attribute's text and value, any sign,
// reporting a bare word, a bare number, another type or unparsable text.
func (d *decoder) parseDuration(a *hcl.Attribute, example string) (string, time.Duration, bool) {
	if _, ok := bareWord(a.Expr); ok {
		d.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Unquoted string",
			Detail:   fmt.Sprintf("The value of %s is a duration, a number with a unit in double quotes: write, for example, %s = %q (%s).", a.Name, a.Name, example, durationUnits),
			Subject:  a.Expr.Range().Ptr(),
		})
		return "", 0, false
	}
	v, ok := d.evalAttr(a.Expr)
	if !ok {
		return "", 0, false
	}
	if !v.IsNull() && v.Type() == cty.Number {
		n := numberText(v.AsBigFloat())
		d.add(missingUnit(a, n, example))
		return "", 0, false
	}
	if v.IsNull() || v.Type() != cty.String {
		d.wrongType(a.Expr.Range(), a.Name, "a duration in quotes", v, fmt.Sprintf("%s = %q", a.Name, example))
		return "", 0, false
	}
	s := v.AsString()
	dur, err := time.ParseDuration(s)
	if err != nil {
		d.add(invalidDuration(a, s, example))
		return "", 0, false
	}
	return s, dur, true
}

// missingUnit reports a duration written as a bare number n (as text, a
// number or a string of digits).
func missingUnit(a *hcl.Attribute, n, example string) *hcl.Diagnostic {
	fix := fmt.Sprintf("%s = %q", a.Name, example)
	if _, err := strconv.ParseFloat(n, 64); err == nil && !strings.ContainsAny(n, "eE") {
		fix = fmt.Sprintf("%s = %q for seconds, or %q for milliseconds", a.Name, n+"s", n+"ms")
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Missing duration unit",
		Detail:   fmt.Sprintf("%s is a duration, and %s has no unit. Write it in quotes with a unit: %s (%s).", a.Name, n, fix, durationUnits),
		Subject:  a.Expr.Range().Ptr(),
	}
}

// invalidDuration reports a string that time.ParseDuration rejects,
// recognising the usual mistakes: a number without a unit, days, spaces.
func invalidDuration(a *hcl.Attribute, s, example string) *hcl.Diagnostic {
	t := strings.TrimSpace(s)
	if _, err := strconv.ParseFloat(t, 64); err == nil && t != "" {
		return missingUnit(a, t, example)
	}
	hint := ""
	switch {
	case t != s || strings.ContainsAny(t, " \t"):
		if _, err := time.ParseDuration(strings.Join(strings.Fields(t), "")); err == nil {
			hint = fmt.Sprintf(" Remove the spaces: %q.", strings.Join(strings.Fields(t), ""))
		}
	case strings.HasSuffix(t, "d"):
		if n, err := strconv.ParseFloat(strings.TrimSuffix(t, "d"), 64); err == nil && n >= 0 && n*24 < math.MaxInt32 {
			hint = fmt.Sprintf(" There is no day unit: write %q.", strconv.FormatFloat(n*24, 'f', -1, 64)+"h")
		}
	case strings.HasSuffix(t, "sec") || strings.HasSuffix(t, "min") || strings.HasSuffix(t, "secs") || strings.HasSuffix(t, "mins"):
		hint = " Write the unit as s or m."
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Invalid duration",
		Detail:   fmt.Sprintf("%q is not a duration.%s A duration is a number with a unit, such as %s (%s).", s, hint, durationExamples(example), durationUnits),
		Subject:  a.Expr.Range().Ptr(),
	}
}

// durationExamples lists example and two more durations for messages.
func durationExamples(example string) string {
	examples := []string{example}
	for _, e := range []string{"250ms", "1m30s", "5s"} {
		if len(examples) < 3 && e != example {
			examples = append(examples, e)
		}
	}
	return quotedList(examples, "or")
}

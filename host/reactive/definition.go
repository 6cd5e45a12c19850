package reactive

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aurahost/aura-host/effects"
)

// Kind is what a signal's value comes from.
type Kind string

// The kinds of signals.
const (
	// Source signals reduce the journal's facts that match their source.
	Source Kind = "source"
	// Emit signals are set by the application (reactive.emit).
	Emit Kind = "emit"
	// Map signals apply a named function to one signal.
	Map Kind = "map"
	// Combine signals are a map of several signals' values, by name.
	Combine Kind = "combine"
	// Filter signals take their input's value when it matches, and keep
	// the last one that did otherwise.
	Filter Kind = "filter"
)

// Reduction is how a source signal reduces its facts. Every reduction is a
// function of the set of matching facts, not of the order they arrive in:
// the same facts give the same value however they were batched, merged
// twice or read back from the journal.
type Reduction string

// The reductions.
const (
	Count  Reduction = "count"  // how many distinct facts (int)
	Latest Reduction = "latest" // the body of the newest fact: greatest time, then greatest ID (null: none)
	IDs    Reduction = "ids"    // the facts' IDs, sorted (list of 32-byte bytes)
	Sum    Reduction = "sum"    // the sum of the int body field Definition.Field (int; a fact without it adds 0)
)

// The functions of map signals.
const (
	FnLen     = "len"     // the length of a list, map, string or bytes; 0 for anything else
	FnNot     = "not"     // true for false and null, false for everything else
	FnPresent = "present" // whether the value is not null
	FnField   = "field"   // the field Definition.Field of a map (null if absent)
)

// The operators of a filter's Match.
const (
	OpEq      = "eq"
	OpNe      = "ne"
	OpLt      = "lt"
	OpLe      = "le"
	OpGt      = "gt"
	OpGe      = "ge"
	OpPresent = "present"
	OpAbsent  = "absent"
)

// Limits of definitions.
const (
	MaxNameBytes     = 128
	MaxCombineInputs = 32
)

// FactSource selects facts: each field that is set must match the fact's.
type FactSource struct {
	Predicate string        // the fact's predicate ("" matches any)
	Type      string        // the fact's type ("" matches any)
	Authority effects.Value // the fact's authority, bytes or string, matched exactly (null matches any)
}

// Matches reports whether f is selected.
func (s FactSource) Matches(f *Fact) bool {
	return (s.Predicate == "" || s.Predicate == f.Predicate) &&
		(s.Type == "" || s.Type == f.Type) &&
		(s.Authority.IsNull() || s.Authority.Equal(f.Authority))
}

// Match is a filter's predicate over a value (or over one field of a map
// value): eq and ne compare whole values; lt, le, gt and ge compare two
// ints, two uints or two strings (anything else does not match); present
// and absent test for null.
type Match struct {
	Op    string
	Value effects.Value
	Field string // "" for the value itself
}

// Definition declares a signal. Make one with ParseDefinition (from the
// map a reactive.register carries) or fill it in and Check it.
type Definition struct {
	Name string
	Kind Kind

	Source FactSource // Source
	Reduce Reduction  // Source
	// Field is the body field a Sum adds, or the field a map's FnField
	// takes.
	Field string

	Initial effects.Value // Emit: the value before the first emit

	Input  string   // Map, Filter: the signal it derives from
	Fn     string   // Map
	Inputs []string // Combine, in the order given (the value is a map: order does not matter)
	Match  Match    // Filter
}

// Depends returns the signals d derives from.
func (d Definition) Depends() []string {
	switch d.Kind {
	case Map, Filter:
		return []string{d.Input}
	case Combine:
		return slices.Clone(d.Inputs)
	}
	return nil
}

// Equal reports whether two definitions declare the same signal.
func (d Definition) Equal(e Definition) bool { return d.Value().Equal(e.Value()) }

// CheckName checks a signal's name.
func CheckName(name string) error {
	if name == "" || len(name) > MaxNameBytes {
		return fmt.Errorf("a signal's name must be 1 to %d bytes, got %d", MaxNameBytes, len(name))
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_-.:", r)) {
			return fmt.Errorf("signal name %q: %q is not allowed; use letters, digits, '_', '-', '.' or ':'", name, r)
		}
	}
	return nil
}

// Check checks that d is well formed (not that its inputs exist). The
// error says what to change.
func (d Definition) Check() error {
	if err := CheckName(d.Name); err != nil {
		return err
	}
	switch d.Kind {
	case Source:
		return d.checkSource()
	case Emit:
		if n := len(d.Initial.Canonical()); n > MaxValueBytes {
			return fmt.Errorf("signal %s: initial encodes to %d bytes, more than %d", d.Name, n, MaxValueBytes)
		}
		return nil
	case Map:
		if err := d.checkInput(d.Input, "map"); err != nil {
			return err
		}
		switch d.Fn {
		case FnLen, FnNot, FnPresent:
			if d.Field != "" {
				return fmt.Errorf("signal %s: field belongs to fn = \"field\", not %q", d.Name, d.Fn)
			}
			return nil
		case FnField:
			if d.Field == "" {
				return fmt.Errorf("signal %s: fn = \"field\" needs field = NAME, the field to take", d.Name)
			}
			return nil
		}
		return fmt.Errorf("signal %s: fn %q is not one of len, not, present, field", d.Name, d.Fn)
	case Combine:
		if len(d.Inputs) == 0 || len(d.Inputs) > MaxCombineInputs {
			return fmt.Errorf("signal %s: combine takes 1 to %d signals, got %d", d.Name, MaxCombineInputs, len(d.Inputs))
		}
		seen := map[string]bool{}
		for _, in := range d.Inputs {
			if err := d.checkInput(in, "combine"); err != nil {
				return err
			}
			if seen[in] {
				return fmt.Errorf("signal %s: combine names %s twice", d.Name, in)
			}
			seen[in] = true
		}
		return nil
	case Filter:
		if err := d.checkInput(d.Input, "filter"); err != nil {
			return err
		}
		return d.checkMatch()
	}
	return fmt.Errorf("signal %s: a definition needs exactly one of source, emit, map, combine or filter", d.Name)
}

func (d Definition) checkSource() error {
	switch d.Reduce {
	case Count, Latest, IDs:
		if d.Field != "" {
			return fmt.Errorf("signal %s: field belongs to reduce = \"sum\", not %q", d.Name, d.Reduce)
		}
	case Sum:
		if d.Field == "" {
			return fmt.Errorf("signal %s: reduce = \"sum\" needs field = NAME, the int field of the facts' bodies to add", d.Name)
		}
	default:
		return fmt.Errorf("signal %s: reduce %q is not one of count, latest, ids, sum", d.Name, d.Reduce)
	}
	if a := d.Source.Authority; !a.IsNull() && ((a.Kind() != effects.KindBytes && a.Kind() != effects.KindString) || a.Len() == 0) {
		return fmt.Errorf("signal %s: source authority must be non-empty bytes or a non-empty string, as the facts carry it", d.Name)
	}
	return nil
}

func (d Definition) checkInput(in, kind string) error {
	if err := CheckName(in); err != nil {
		return fmt.Errorf("signal %s: %s input: %w", d.Name, kind, err)
	}
	if in == d.Name {
		return fmt.Errorf("signal %s: %s cannot derive a signal from itself", d.Name, kind)
	}
	return nil
}

func (d Definition) checkMatch() error {
	switch d.Match.Op {
	case OpEq, OpNe, OpLt, OpLe, OpGt, OpGe:
		if n := len(d.Match.Value.Canonical()); n > MaxValueBytes {
			return fmt.Errorf("signal %s: match value encodes to %d bytes, more than %d", d.Name, n, MaxValueBytes)
		}
		return nil
	case OpPresent, OpAbsent:
		if !d.Match.Value.IsNull() {
			return fmt.Errorf("signal %s: match op %q takes no value", d.Name, d.Match.Op)
		}
		return nil
	}
	return fmt.Errorf("signal %s: match op %q is not one of eq, ne, lt, le, gt, ge, present, absent", d.Name, d.Match.Op)
}

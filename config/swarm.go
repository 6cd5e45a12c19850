package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Swarm is the swarm block: bounds from which each seed of a simulation
// draws its own fault schedule (host/sim draws it, from a stream of its
// own derived from the seed), so that a sweep of seeds tries many
// combinations of faults without a fault block for each.
//
//	swarm {
//	  drop             = 0.05          # the highest drop rate a seed may draw
//	  duplicate        = 0.02          # the highest duplicate rate
//	  delay            = "0ms..50ms"   # the delays a seed's delay may draw from
//	  partitions       = 2             # at most this many partitions per seed
//	  partition_length = "10ms..100ms" # how long each one lasts
//	  crash            = 1             # at most this many agent crashes per seed
//	  crash_length     = "10ms..100ms" # how long a crashed agent stays down
//	  window           = "0ms..300ms"  # when the drawn faults may start
//
//	  reorder                = 0.2           # the highest hold-back rate
//	  reorder_hold           = "5ms..50ms"   # the longest a held message may wait
//	  storage_failure        = 0.3           # the highest storage failure rate
//	  storage_failure_length = "10ms..100ms" # how long a failure window lasts
//	  clock_skew             = "10ms..200ms" # how far an agent's clock may be off, either way
//	  plugin_crash           = 1             # at most this many plugin crash-restarts per seed
//	}
//
// Every attribute is optional; a kind whose bound is absent or zero is
// never drawn. A field's range is the zero Range when its attribute is
// absent.
type Swarm struct {
	// DeclRange is the block header, `swarm`.
	DeclRange hcl.Range

	// Drop and Duplicate are the highest rates a seed may draw (0 to 1).
	Drop           float64
	DropRange      hcl.Range
	Duplicate      float64
	DuplicateRange hcl.Range
	// Delay bounds the delay a seed may draw; its Range is zero when
	// absent (no delay is drawn).
	Delay Span

	// Partitions is the most partitions a seed may draw, each lasting a
	// time drawn from PartitionLength.
	Partitions      int
	PartitionsRange hcl.Range
	PartitionLength Span

	// Crash is the most agent crashes a seed may draw, each agent down
	// for a time drawn from CrashLength.
	Crash       int
	CrashRange  hcl.Range
	CrashLength Span

	// Reorder is the highest hold-back rate a seed may draw (0 to 1),
	// with a longest hold drawn from ReorderHold.
	Reorder      float64
	ReorderRange hcl.Range
	ReorderHold  Span

	// StorageFailure is the highest storage failure rate a seed may draw
	// (0 to 1), for one agent or all, for a window drawn from
	// StorageFailureLength.
	StorageFailure       float64
	StorageFailureRange  hcl.Range
	StorageFailureLength Span

	// ClockSkew bounds how far ahead or behind of virtual time an agent's
	// clock may read; its Range is zero when absent (no skew is drawn).
	ClockSkew Span

	// PluginCrash is the most plugin crash-restarts a seed may draw, each
	// of one agent's own plugins (host/sim knows which plugins an agent
	// owns: not those the simulation shares between agents).
	PluginCrash      int
	PluginCrashRange hcl.Range

	// Window bounds when a drawn fault may start.
	Window Span
}

// Span is a range of durations, written "10ms..100ms": Min ≤ Max.
type Span struct {
	Min, Max time.Duration
	// Range is the attribute's value; zero when the attribute is absent
	// (the span holds its default then).
	Range hcl.Range
}

func (s Span) String() string { return fmt.Sprintf("%v..%v", s.Min, s.Max) }

// The spans a swarm block takes when it does not write them.
var (
	DefaultSwarmWindow          = Span{Min: 0, Max: 300 * time.Millisecond}
	DefaultSwarmPartitionLength = Span{Min: 10 * time.Millisecond, Max: 100 * time.Millisecond}
	DefaultSwarmCrashLength     = Span{Min: 10 * time.Millisecond, Max: 100 * time.Millisecond}
	DefaultSwarmReorderHold     = Span{Min: 5 * time.Millisecond, Max: 50 * time.Millisecond}
	DefaultSwarmStorageLength   = Span{Min: 10 * time.Millisecond, Max: 100 * time.Millisecond}
)

var swarmSpec = bodySpec[Swarm]{
	where: "in the swarm block",
	attrs: []attrSpec[Swarm]{
		{name: "drop", decode: func(d *decoder, s *Swarm, a *hcl.Attribute) {
			if x, ok := d.fractionAttr(a, "0.05"); ok {
				s.Drop, s.DropRange = x, a.Expr.Range()
			}
		}},
		{name: "duplicate", decode: func(d *decoder, s *Swarm, a *hcl.Attribute) {
			if x, ok := d.fractionAttr(a, "0.02"); ok {
				s.Duplicate, s.DuplicateRange = x, a.Expr.Range()
			}
		}},
		{name: "delay", decode: func(d *decoder, s *Swarm, a *hcl.Attribute) {
			s.Delay, _ = d.spanAttr(a, "0ms..50ms", nonNegative)
		}},
		{name: "partitions", decode: func(d *decoder, s *Swarm, a *hcl.Attribute) {
			s.Partitions, s.PartitionsRange = d.count(a, "2", 0, "")
		}},
		{name: "partition_length", decode: func(d *decoder, s *Swarm, a *hcl.Attribute) {
			s.PartitionLength, _ = d.spanAttr(a, "10ms..100ms", positive)
		}},
		{name: "crash", decode: func(d *decoder, s *Swarm, a *hcl.Attribute) {
			s.Crash, s.CrashRange = d.count(a, "1", 0, "")
		}},
		{name: "crash_length", decode: func(d *decoder, s *Swarm, a *hcl.Attribute) {
			s.CrashLength, _ = d.spanAttr(a, "10ms..100ms", positive)
		}},
		{name: "reorder", decode: func(d *decoder, s *Swarm, a *hcl.Attribute) {
			if x, ok := d.fractionAttr(a, "0.2"); ok {
				s.Reorder, s.ReorderRange = x, a.Expr.Range()
			}
		}},
		{name: "reorder_hold", decode: func(d *decoder, s *Swarm, a *hcl.Attribute) {
			s.ReorderHold, _ = d.spanAttr(a, "5ms..50ms", positive)
		}},
		{name: "storage_failure", decode: func(d *decoder, s *Swarm, a *hcl.Attribute) {
			if x, ok := d.fractionAttr(a, "0.3"); ok {
				s.StorageFailure, s.StorageFailureRange = x, a.Expr.Range()
			}
		}},
		{name: "storage_failure_length", decode: func(d *decoder, s *Swarm, a *hcl.Attribute) {
			s.StorageFailureLength, _ = d.spanAttr(a, "10ms..100ms", positive)
		}},
		{name: "clock_skew", decode: func(d *decoder, s *Swarm, a *hcl.Attribute) {
			s.ClockSkew, _ = d.spanAttr(a, "10ms..200ms", positive)
		}},
		{name: "plugin_crash", decode: func(d *decoder, s *Swarm, a *hcl.Attribute) {
			s.PluginCrash, s.PluginCrashRange = d.count(a, "1", 0, "")
		}},
		{name: "window", decode: func(d *decoder, s *Swarm, a *hcl.Attribute) {
			s.Window, _ = d.spanAttr(a, "0ms..300ms", nonNegative)
		}},
	},
}

func decodeSwarmBlock(d *decoder, dep *Deployment, b *hcl.Block) {
	s := &Swarm{DeclRange: b.DefRange}
	swarmSpec.decode(d, s, b.Body)
	if s.Window.Range == (hcl.Range{}) {
		s.Window = DefaultSwarmWindow
	}
	if s.PartitionLength.Range == (hcl.Range{}) {
		s.PartitionLength = DefaultSwarmPartitionLength
	}
	if s.CrashLength.Range == (hcl.Range{}) {
		s.CrashLength = DefaultSwarmCrashLength
	}
	if s.ReorderHold.Range == (hcl.Range{}) {
		s.ReorderHold = DefaultSwarmReorderHold
	}
	if s.StorageFailureLength.Range == (hcl.Range{}) {
		s.StorageFailureLength = DefaultSwarmStorageLength
	}
	dep.Swarm = s
}

// spanAttr decodes a range of durations, "min..max". With rule positive,
// max must be above zero (min may still be 0).
func (d *decoder) spanAttr(a *hcl.Attribute, example string, rule zeroRule) (Span, bool) {
	v, ok := d.evalAttr(a.Expr)
	if !ok {
		return Span{}, false
	}
	if v.IsNull() || v.Type() != cty.String {
		d.wrongType(a.Expr.Range(), a.Name, `a range of durations in quotes, "min..max"`, v, fmt.Sprintf("%s = %q", a.Name, example))
		return Span{}, false
	}
	bad := func(detail string) (Span, bool) {
		d.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid range",
			Detail:   detail,
			Subject:  a.Expr.Range().Ptr(),
		})
		return Span{}, false
	}
	s := v.AsString()
	lo, hi, found := strings.Cut(s, "..")
	if !found {
		return bad(fmt.Sprintf("%s is a range of durations, the shortest and the longest joined by two dots: write, for example, %s = %q, not %q.", a.Name, a.Name, example, s))
	}
	var out Span
	for i, part := range []string{lo, hi} {
		dur, err := time.ParseDuration(strings.TrimSpace(part))
		if err != nil || dur < 0 {
			which := []string{"first", "second"}[i]
			return bad(fmt.Sprintf("The %s bound of %s, %q, is not a duration of 0 or more (%s). Write, for example, %s = %q.", which, a.Name, part, durationUnits, a.Name, example))
		}
		if i == 0 {
			out.Min = dur
		} else {
			out.Max = dur
		}
	}
	if out.Min > out.Max {
		return bad(fmt.Sprintf("%s goes from %v down to %v: write the shorter bound first, %s = \"%v..%v\".", a.Name, out.Min, out.Max, a.Name, out.Max, out.Min))
	}
	if rule == positive && out.Max == 0 {
		return bad(fmt.Sprintf("%s must allow more than zero: a fault that lasts 0 is no fault. Write, for example, %s = %q.", a.Name, a.Name, example))
	}
	out.Range = a.Expr.Range()
	return out, true
}

// checkSwarm reports swarm bounds the deployment cannot meet: partitions
// need two agents to cut apart, crashes an agent to crash.
func (d *decoder) checkSwarm(dep *Deployment) {
	s := dep.Swarm
	if s == nil {
		return
	}
	if s.Partitions > 0 && len(dep.Agents) < 2 {
		d.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "No agents to partition",
			Detail:   fmt.Sprintf("A partition cuts agents off from each other, so partitions = %d needs at least two agent blocks; this deployment declares %d. Declare more agents, or remove partitions.", s.Partitions, len(dep.Agents)),
			Subject:  s.PartitionsRange.Ptr(),
		})
	}
	if s.Crash > 0 && len(dep.Agents) == 0 {
		d.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "No agents to crash",
			Detail:   fmt.Sprintf("crash = %d crashes agents, but this deployment declares no agent block. Declare one, or remove crash.", s.Crash),
			Subject:  s.CrashRange.Ptr(),
		})
	}
	if s.PluginCrash > 0 && len(dep.Agents) == 0 {
		d.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "No agents to crash",
			Detail:   fmt.Sprintf("plugin_crash = %d crashes agents' plugins, but this deployment declares no agent block. Declare one, or remove plugin_crash.", s.PluginCrash),
			Subject:  s.PluginCrashRange.Ptr(),
		})
	}
	if s.ClockSkew.Range != (hcl.Range{}) && len(dep.Agents) == 0 {
		d.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "No agents to skew",
			Detail:   "clock_skew sets agents' clocks apart, but this deployment declares no agent block. Declare one, or remove clock_skew.",
			Subject:  s.ClockSkew.Range.Ptr(),
		})
	}
}

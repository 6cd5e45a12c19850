package config

import (
	"fmt"
	"slices"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// The kinds of fault a simulation can inject (Fault.Kind).
const (
	// FaultPartition drops every message between any two of the agents in
	// Between, from At until HealAfter later (never healing if 0).
	FaultPartition = "partition"
	// FaultDrop drops each message with probability Rate, from At for
	// Duration (to the end if 0).
	FaultDrop = "drop"
	// FaultDelay delays each message by a time drawn from [Min, Max], from
	// At for Duration (to the end if 0).
	FaultDelay = "delay"
	// FaultDuplicate delivers each message twice with probability Rate,
	// from At for Duration (to the end if 0).
	FaultDuplicate = "duplicate"
	// FaultCrash crashes Agent at At and restarts it RestartAfter later
	// (never if 0).
	FaultCrash = "crash"
	// FaultStorageFailure fails each storage operation of Agent (of every
	// agent if Agent is "") with probability Rate, from At for Duration (to
	// the end if 0).
	FaultStorageFailure = "storage_failure"
	// FaultReorder holds each message back with probability Rate, by up
	// to Hold, so that messages sent after it on its link overtake it, from
	// At for Duration (to the end if 0).
	FaultReorder = "reorder"
	// FaultClockSkew sets Agent's clock Offset ahead (behind, if
	// negative) of virtual time, from At for Duration (to the end if 0):
	// what the agent reads moves, virtual time itself does not.
	FaultClockSkew = "clock_skew"
	// FaultPluginCrash crashes Agent's plugin Plugin at At: the plugin's
	// process ends and its supervisor starts a new one at once, over the
	// plugin's state directory (what it made durable survives, what it
	// held in memory is gone). It has no end.
	FaultPluginCrash = "plugin_crash"
)

// Fault is a fault block: one fault injected on the simulation's virtual
// time.
//
//	fault "partition"       { at = "2s"  between = ["alice", "bob"]  heal_after = "1s" }
//	fault "drop"            { at = "1s"  rate = 0.1  duration = "2s" }
//	fault "delay"           { at = "0s"  min = "10ms"  max = "50ms"  duration = "5s" }
//	fault "duplicate"       { at = "0s"  rate = 0.05  duration = "1s" }
//	fault "crash"           { at = "3s"  agent = "carol"  restart_after = "1s" }
//	fault "storage_failure" { at = "1s"  agent = "alice"  rate = 0.5  duration = "1s" }
//	fault "reorder"         { at = "0s"  rate = 0.2  hold = "20ms"  duration = "1s" }
//	fault "clock_skew"      { at = "0s"  agent = "bob"  offset = "-50ms"  duration = "1s" }
//	fault "plugin_crash"    { at = "40ms"  agent = "carol"  plugin = "journal" }
//
// Each kind takes the attributes shown for it and no others (see the Fault*
// constants for what they mean); at is required for all. A field is zero,
// and its range the zero Range, when its attribute is absent.
type Fault struct {
	// Kind is the block's label, one of the Fault* constants.
	Kind      string
	KindRange hcl.Range
	// DeclRange is the block header, `fault "kind"`.
	DeclRange hcl.Range

	// At is when the fault starts, on the simulation's clock (0 or more).
	At      time.Duration
	AtRange hcl.Range

	Duration          time.Duration
	DurationRange     hcl.Range
	HealAfter         time.Duration
	HealAfterRange    hcl.Range
	RestartAfter      time.Duration
	RestartAfterRange hcl.Range
	// Min and Max bound a delay; Min ≤ Max.
	Min      time.Duration
	MinRange hcl.Range
	Max      time.Duration
	MaxRange hcl.Range

	// Rate is a probability from 0 to 1.
	Rate      float64
	RateRange hcl.Range

	// Between names the agents a partition separates, at least two;
	// BetweenRanges holds the range of each name.
	Between       []string
	BetweenRange  hcl.Range
	BetweenRanges []hcl.Range

	// Agent names the agent a crash, storage failure, clock skew or
	// plugin crash hits.
	Agent      string
	AgentRange hcl.Range
	// Plugin names the plugin (a plugin block's name) a plugin crash
	// restarts.
	Plugin      string
	PluginRange hcl.Range

	// Hold is the longest a reorder holds a message back, each held
	// message drawing its own hold up to it (DefaultReorderHold when
	// absent).
	Hold      time.Duration
	HoldRange hcl.Range
	// Offset is how far ahead of virtual time a skewed clock reads
	// (behind, if negative); never 0.
	Offset      time.Duration
	OffsetRange hcl.Range

	// written holds the name range of each attribute written, valid or not,
	// for the per-kind checks.
	written map[string]hcl.Range
}

// faultKind is what one kind of fault takes besides at.
type faultKind struct {
	name     string
	required []string
	optional []string
}

var faultKinds = []faultKind{
	{FaultPartition, []string{"between"}, []string{"heal_after"}},
	{FaultDrop, []string{"rate"}, []string{"duration"}},
	{FaultDelay, []string{"max"}, []string{"min", "duration"}},
	{FaultDuplicate, []string{"rate"}, []string{"duration"}},
	{FaultCrash, []string{"agent"}, []string{"restart_after"}},
	{FaultStorageFailure, []string{"rate"}, []string{"agent", "duration"}},
	{FaultReorder, []string{"rate"}, []string{"hold", "duration"}},
	{FaultClockSkew, []string{"agent", "offset"}, []string{"duration"}},
	{FaultPluginCrash, []string{"agent", "plugin"}, nil},
}

// DefaultReorderHold is how long a reorder fault that writes no hold holds
// a message back: a few transmissions' worth at the sim-network's delays.
const DefaultReorderHold = 20 * time.Millisecond

// faultExamples shows a value for each attribute, in messages.
var faultExamples = map[string]string{
	"at": `"1s"`, "duration": `"2s"`, "heal_after": `"1s"`, "restart_after": `"1s"`,
	"min": `"10ms"`, "max": `"50ms"`, "rate": "0.1", "between": `["alice", "bob"]`, "agent": `"alice"`,
	"hold": `"20ms"`, "offset": `"-50ms"`, "plugin": `"journal"`,
}

// faultMeanings says what each attribute is, in messages about a missing
// one.
var faultMeanings = map[string]string{
	"between": "the agents to cut off from each other",
	"rate":    "the probability, from 0 to 1, that each message or operation is hit",
	"max":     "the longest delay",
	"agent":   "the agent it hits",
	"offset":  "how far ahead (or, negative, behind) of virtual time the agent's clock reads",
	"plugin":  "the plugin of the agent that crashes and restarts",
}

// faultSiblings groups attributes that say similar things, so one written
// on the wrong kind can point at the one that kind takes.
var faultSiblings = [][]string{
	{"duration", "heal_after", "restart_after", "hold"},
	{"agent", "between"},
}

func (k *faultKind) takes(name string) bool {
	return name == "at" || slices.Contains(k.required, name) || slices.Contains(k.optional, name)
}

func lookupFaultKind(name string) *faultKind {
	for i := range faultKinds {
		if faultKinds[i].name == name {
			return &faultKinds[i]
		}
	}
	return nil
}

var faultSpec = bodySpec[Fault]{
	where: "in a fault block",
	attrs: []attrSpec[Fault]{
		{name: "at", required: true, example: `"1s"`, decode: func(d *decoder, f *Fault, a *hcl.Attribute) {
			f.At, f.AtRange = d.duration(a, "1s", nonNegative)
		}},
		{name: "duration", decode: func(d *decoder, f *Fault, a *hcl.Attribute) {
			f.Duration, f.DurationRange = d.duration(a, "2s", positive)
		}},
		{name: "heal_after", decode: func(d *decoder, f *Fault, a *hcl.Attribute) {
			f.HealAfter, f.HealAfterRange = d.duration(a, "1s", positive)
		}},
		{name: "restart_after", decode: func(d *decoder, f *Fault, a *hcl.Attribute) {
			f.RestartAfter, f.RestartAfterRange = d.duration(a, "1s", positive)
		}},
		{name: "min", decode: func(d *decoder, f *Fault, a *hcl.Attribute) {
			f.Min, f.MinRange = d.duration(a, "10ms", nonNegative)
		}},
		{name: "max", decode: func(d *decoder, f *Fault, a *hcl.Attribute) {
			f.Max, f.MaxRange = d.duration(a, "50ms", positive)
		}},
		{name: "rate", decode: func(d *decoder, f *Fault, a *hcl.Attribute) {
			if x, ok := d.fractionAttr(a, "0.1"); ok {
				f.Rate, f.RateRange = x, a.Expr.Range()
			}
		}},
		{name: "hold", decode: func(d *decoder, f *Fault, a *hcl.Attribute) {
			f.Hold, f.HoldRange = d.duration(a, "20ms", positive)
		}},
		{name: "offset", decode: func(d *decoder, f *Fault, a *hcl.Attribute) {
			f.Offset, f.OffsetRange = d.signedDuration(a, "-50ms")
		}},
		{name: "between", decode: decodeBetween},
		{name: "agent", decode: func(d *decoder, f *Fault, a *hcl.Attribute) {
			if s, ok := d.stringAttr(a, `"alice"`); ok {
				f.Agent, f.AgentRange = s, a.Expr.Range()
			}
		}},
		{name: "plugin", decode: func(d *decoder, f *Fault, a *hcl.Attribute) {
			if s, ok := d.stringAttr(a, `"journal"`); ok {
				f.Plugin, f.PluginRange = s, a.Expr.Range()
			}
		}},
	},
}

func decodeFaultBlock(d *decoder, dep *Deployment, b *hcl.Block) {
	f := &Fault{Kind: b.Labels[0], KindRange: b.LabelRanges[0], DeclRange: b.DefRange, written: make(map[string]hcl.Range)}
	if sb, ok := b.Body.(*hclsyntax.Body); ok {
		for name, a := range sb.Attributes {
			f.written[name] = a.NameRange
		}
	}
	kind := lookupFaultKind(f.Kind)
	if kind == nil {
		names := make([]string, len(faultKinds))
		for i, k := range faultKinds {
			names[i] = k.name
		}
		d.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Unknown fault kind",
			Detail:   fmt.Sprintf("There is no fault of kind %q.%s A simulation can inject %s faults.", f.Kind, didYouMean(f.Kind, names), quotedList(names, "and")),
			Subject:  f.KindRange.Ptr(),
		})
	}
	faultSpec.decode(d, f, b.Body)
	if kind == nil {
		return
	}
	d.checkFault(f, kind)
	if f.Kind == FaultReorder && f.HoldRange == (hcl.Range{}) {
		f.Hold = DefaultReorderHold
	}
	dep.Faults = append(dep.Faults, f)
}

// checkFault applies the rules of f's kind: which attributes it takes and
// needs, and how they relate.
func (d *decoder) checkFault(f *Fault, kind *faultKind) {
	for _, name := range sortedNames(f.written) {
		if faultSpec.attr(name) == nil || kind.takes(name) {
			continue // unknown names are already reported
		}
		hint := ""
		for _, group := range faultSiblings {
			if !slices.Contains(group, name) {
				continue
			}
			for _, sib := range group {
				if sib != name && kind.takes(sib) {
					hint = fmt.Sprintf(" Did you mean %s?", sib)
				}
			}
		}
		d.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Argument not allowed for this fault",
			Detail:   fmt.Sprintf("A %q fault takes no %s.%s It takes %s.", f.Kind, name, hint, joinList(append(append([]string{"at"}, kind.required...), kind.optional...), "and")),
			Subject:  f.written[name].Ptr(),
		})
	}
	for _, name := range kind.required {
		if _, ok := f.written[name]; ok {
			continue
		}
		d.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Missing fault argument",
			Detail:   fmt.Sprintf("A %q fault needs %s, %s. Add it, for example: %s = %s", f.Kind, name, faultMeanings[name], name, faultExamples[name]),
			Subject:  f.DeclRange.Ptr(),
		})
	}
	if f.MinRange != (hcl.Range{}) && f.MaxRange != (hcl.Range{}) && f.Min > f.Max {
		d.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "min above max",
			Detail:   fmt.Sprintf("A delay is drawn from min to max, so min (%v) cannot be above max (%v). Swap them, or lower min.", f.Min, f.Max),
			Subject:  f.MinRange.Ptr(),
		})
	}
	if f.BetweenRange != (hcl.Range{}) && f.Between != nil && len(f.Between) < 2 {
		d.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Partition of one agent",
			Detail:   "A partition cuts the agents in between off from each other, so it needs at least two: between = [\"alice\", \"bob\"].",
			Subject:  f.BetweenRange.Ptr(),
		})
	}
}

func decodeBetween(d *decoder, f *Fault, a *hcl.Attribute) {
	f.BetweenRange = a.Expr.Range()
	items, ok := d.stringListAttr(a, `["alice", "bob"]`)
	if !ok {
		return
	}
	names := make([]string, 0, len(items))
	ranges := make([]hcl.Range, 0, len(items))
	for _, it := range items {
		if i := slices.Index(names, it.Value); i >= 0 {
			d.add(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Duplicate agent",
				Detail:   fmt.Sprintf("between lists %q twice; the first is at %s. Remove one.", it.Value, lineOf(ranges[i], it.ValueRange)),
				Subject:  it.ValueRange.Ptr(),
			})
			continue
		}
		names = append(names, it.Value)
		ranges = append(ranges, it.ValueRange)
	}
	f.Between, f.BetweenRanges = names, ranges
}

// checkFaultAgents reports agents that faults name but no agent block
// declares.
func (d *decoder) checkFaultAgents(dep *Deployment) {
	for _, f := range dep.Faults {
		for i, name := range f.Between {
			d.checkAgentRef(dep, name, f.BetweenRanges[i], fmt.Sprintf("The %s fault at line %d partitions agent %q", f.Kind, f.DeclRange.Start.Line, name))
		}
		if f.AgentRange != (hcl.Range{}) {
			d.checkAgentRef(dep, f.Agent, f.AgentRange, fmt.Sprintf("The %s fault at line %d hits agent %q", f.Kind, f.DeclRange.Start.Line, f.Agent))
		}
		if f.PluginRange != (hcl.Range{}) && dep.Plugin(f.Plugin) == nil {
			names := make([]string, len(dep.Plugins))
			for i, p := range dep.Plugins {
				names[i] = p.Name
			}
			d.add(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unknown plugin",
				Detail: fmt.Sprintf("The %s fault at line %d crashes plugin %q, but no plugin block declares it.%s The deployment declares %s.",
					f.Kind, f.DeclRange.Start.Line, f.Plugin, didYouMean(f.Plugin, names), quotedList(names, "and")),
				Subject: f.PluginRange.Ptr(),
			})
		}
	}
}

// checkAgentRef reports name, written at r, if no agent block declares it;
// lead is the sentence's start, naming who refers to the agent.
func (d *decoder) checkAgentRef(dep *Deployment, name string, r hcl.Range, lead string) {
	d.checkRef(dep, name, r, lead, false)
}

// checkRef is checkAgentRef; with peersToo, a peer block's name is good
// too (a run's role or a sync partner may be on another machine).
func (d *decoder) checkRef(dep *Deployment, name string, r hcl.Range, lead string, peersToo bool) {
	if dep.Agent(name) != nil || (peersToo && dep.PeerNamed(name) != nil) {
		return
	}
	if dep.RelayNamed(name) != nil {
		d.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "A relay plays no role",
			Detail:   fmt.Sprintf("%s, but peer %q is a relay (relay = true): it runs no agent, so it plays no role and syncs nothing. Name an agent or an agent's peer.", lead, name),
			Subject:  r.Ptr(),
		})
		return
	}
	var names []string
	for _, a := range dep.Agents {
		names = append(names, a.Name)
	}
	blocks, what := "agent block", "agents"
	if peersToo && len(dep.Peers) > 0 {
		blocks, what = "agent or peer block", "agents and peers"
		for _, p := range dep.Peers {
			if !p.Relay && !slices.Contains(names, p.Name) {
				names = append(names, p.Name)
			}
		}
	}
	declared := fmt.Sprintf(" This deployment declares no agent: add agent %q {}.", name)
	if len(names) > 0 {
		declared = fmt.Sprintf(" Declared %s: %s. Fix the name, or declare agent %q {}.", what, quotedList(names, "and"), name)
	}
	d.add(&hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Unknown agent",
		Detail:   fmt.Sprintf("%s, but no %s is named %q.%s%s", lead, blocks, name, didYouMean(name, names), declared),
		Subject:  r.Ptr(),
	})
}

// sortedNames returns the keys of ranges in source order.
func sortedNames(ranges map[string]hcl.Range) []string {
	names := make([]string, 0, len(ranges))
	for n := range ranges {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int { return ranges[a].Start.Byte - ranges[b].Start.Byte })
	return names
}

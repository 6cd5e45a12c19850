package config

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/effects"
)

// Agent is an agent block: one authority hosted by this deployment, with
// the operations it may call and its flow budget.
//
//	agent "alice" {
//	  authority = "alice"                            # default: the agent's name
//	  allow     = ["invitation.*", "crypto.ed25519_sign", "*"]
//	  flow_budget { limit = 100 }
//	}
type Agent struct {
	// Name is the block's label, unique among agents; fault blocks and
	// protocol runs refer to agents by it.
	Name      string
	NameRange hcl.Range
	// DeclRange is the block header, `agent "name"`.
	DeclRange hcl.Range

	// Authority is the agent's authority as written, validated like the
	// deployment's: a label (deterministic modes derive the ID from it and
	// the seed) or a full "authority-<32 hex digits>" ID. The agent's name
	// when absent (AuthorityRange is then zero). No two agents share one.
	Authority      string
	AuthorityRange hcl.Range

	// Allow lists the capability patterns the agent holds: an operation ID
	// ("crypto.ed25519_sign"), a whole family ("invitation.*") or
	// everything ("*"); see effects.MatchOp. nil when absent. AllowRanges
	// holds the range of each pattern.
	Allow       []string
	AllowRange  hcl.Range
	AllowRanges []hcl.Range

	// FlowBudgetLimit is the limit of the agent's flow budget; 0 when the
	// flow_budget block is absent. FlowBudgetRange is the range of the
	// limit's value (the zero Range when absent).
	FlowBudgetLimit uint64
	FlowBudgetRange hcl.Range

	// Sync is the agent's sync block: the anti-entropy service keeping
	// its journal's signed facts converged with its peers'; nil when
	// absent.
	Sync *Sync

	// Listen is where the agent's network transport listens in production
	// (multiaddrs, or host:port for TCP); nil when absent. A file with peer
	// blocks needs it: its peers dial this address.
	Listen      []string
	ListenRange hcl.Range
}

var agentSpec = bodySpec[Agent]{
	where: "in an agent block",
	attrs: []attrSpec[Agent]{
		{name: "authority", decode: func(d *decoder, ag *Agent, a *hcl.Attribute) {
			if s, ok := d.authorityAttr(a); ok {
				ag.Authority, ag.AuthorityRange = s, a.Expr.Range()
			}
		}},
		{name: "allow", decode: decodeAllow},
		{name: "listen", decode: func(d *decoder, ag *Agent, a *hcl.Attribute) {
			if addrs, ok := d.addressesAttr(a); ok {
				ag.Listen, ag.ListenRange = addrs, a.Expr.Range()
			}
		}},
	},
	blocks: []blockSpec[Agent]{
		{typ: "flow_budget", single: true, decode: func(d *decoder, ag *Agent, b *hcl.Block) {
			flowBudgetSpec.decode(d, ag, b.Body)
		}},
		{typ: "sync", single: true, decode: func(d *decoder, ag *Agent, b *hcl.Block) {
			ag.Sync = &Sync{DeclRange: b.DefRange}
			syncSpec.decode(d, ag.Sync, b.Body)
		}},
	},
}

// Sync is an agent's sync block: which agents (here or peers elsewhere)
// its journal's signed facts are kept converged with, and how often.
//
//	sync {
//	  with     = ["device_2", "guardian_1"]  # agents or peers
//	  interval = "30s"                       # optional: default 30s; a reconnected peer syncs at once
//	}
type Sync struct {
	DeclRange hcl.Range
	// With names the agents and peers to sync with; WithRanges holds each
	// name's range.
	With       []string
	WithRange  hcl.Range
	WithRanges []hcl.Range
	// Interval is the time between two periodic rounds; 0 when absent.
	Interval      time.Duration
	IntervalRange hcl.Range
}

var syncSpec = bodySpec[Sync]{
	where: "in a sync block",
	attrs: []attrSpec[Sync]{
		{name: "with", required: true, example: `["device_2"]`, decode: func(d *decoder, s *Sync, a *hcl.Attribute) {
			items, ok := d.stringListAttr(a, `["device_2"]`)
			if !ok {
				return
			}
			if len(items) == 0 {
				d.add(&hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Nothing to sync with",
					Detail:  "with names the agents or peers whose journals this agent's converges with, e.g. with = [\"device_2\"]; remove the sync block to sync with none.",
					Subject: a.Expr.Range().Ptr()})
				return
			}
			for _, it := range items {
				if i := slices.Index(s.With, it.Value); i >= 0 {
					d.add(&hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Listed twice",
						Detail:  fmt.Sprintf("%q is already in with, at line %d: list each agent or peer once.", it.Value, s.WithRanges[i].Start.Line),
						Subject: it.ValueRange.Ptr()})
					continue
				}
				s.With, s.WithRanges = append(s.With, it.Value), append(s.WithRanges, it.ValueRange)
			}
			s.WithRange = a.Expr.Range()
		}},
		{name: "interval", decode: func(d *decoder, s *Sync, a *hcl.Attribute) {
			if v, ok := d.durationAttr(a, "30s", positive); ok {
				s.Interval, s.IntervalRange = v, a.Expr.Range()
			}
		}},
	},
}

// checkSyncAgents reports sync blocks naming what is neither an agent nor
// a peer, or the agent itself.
func (d *decoder) checkSyncAgents(dep *Deployment) {
	for _, ag := range dep.Agents {
		if ag.Sync == nil {
			continue
		}
		for i, name := range ag.Sync.With {
			if name == ag.Name {
				d.add(&hcl.Diagnostic{Severity: hcl.DiagError, Summary: "An agent syncs with itself",
					Detail:  fmt.Sprintf("Agent %q names itself in its sync block: name the other agents or peers it syncs with.", name),
					Subject: ag.Sync.WithRanges[i].Ptr()})
				continue
			}
			d.checkRef(dep, name, ag.Sync.WithRanges[i], fmt.Sprintf("Agent %q syncs with %q", ag.Name, name), true)
		}
	}
}

// flowBudgetSpec is the flow_budget block of an agent; it fills the
// agent's FlowBudget fields.
var flowBudgetSpec = bodySpec[Agent]{
	where: "in a flow_budget block",
	attrs: []attrSpec[Agent]{
		{name: "limit", required: true, example: "100", decode: func(d *decoder, ag *Agent, a *hcl.Attribute) {
			n, ok := d.uintAttr(a, "100")
			if !ok {
				return
			}
			if n == 0 {
				d.add(&hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid flow budget",
					Detail:   "limit = 0 would stop the agent's first send. Give a limit of at least 1, or remove the flow_budget block.",
					Subject:  a.Expr.Range().Ptr(),
				})
				return
			}
			ag.FlowBudgetLimit, ag.FlowBudgetRange = n, a.Expr.Range()
		}},
	},
}

// Agent returns the agent declared with name, or nil.
func (d *Deployment) Agent(name string) *Agent {
	for _, a := range d.Agents {
		if a.Name == name {
			return a
		}
	}
	return nil
}

func decodeAgentBlock(d *decoder, dep *Deployment, b *hcl.Block) {
	ag := &Agent{Name: b.Labels[0], NameRange: b.LabelRanges[0], DeclRange: b.DefRange}
	duplicate := false
	if !validName(ag.Name) {
		d.add(invalidName("agent", ag.Name, ag.NameRange))
	} else if first := dep.Agent(ag.Name); first != nil {
		duplicate = true
		d.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Duplicate agent name",
			Detail:   fmt.Sprintf("An agent named %q is already declared at %s. Agent names must be unique: rename or remove one of them.", ag.Name, lineOf(first.NameRange, ag.NameRange)),
			Subject:  ag.NameRange.Ptr(),
		})
	}
	agentSpec.decode(d, ag, b.Body)
	if ag.AuthorityRange == (hcl.Range{}) {
		ag.Authority = ag.Name
	}
	if duplicate {
		return
	}
	for _, other := range dep.Agents {
		if other.Authority != ag.Authority {
			continue
		}
		subject, fix := ag.AuthorityRange, "Give each agent its own authority."
		if subject == (hcl.Range{}) {
			subject, fix = ag.NameRange, fmt.Sprintf("Agent %q has no authority argument, so its name is its authority: give it its own, authority = \"<label>\".", ag.Name)
		}
		d.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Two agents with one authority",
			Detail:   fmt.Sprintf("Agents %q (line %d) and %q both act for authority %q, but each agent is its own authority. %s", other.Name, other.DeclRange.Start.Line, ag.Name, ag.Authority, fix),
			Subject:  subject.Ptr(),
		})
		break
	}
	dep.Agents = append(dep.Agents, ag)
}

func decodeAllow(d *decoder, ag *Agent, a *hcl.Attribute) {
	ag.AllowRange = a.Expr.Range()
	items, ok := d.stringListAttr(a, `["invitation.*", "crypto.ed25519_sign"]`)
	if !ok {
		return
	}
	allow := make([]string, 0, len(items))
	ranges := make([]hcl.Range, 0, len(items))
	for _, it := range items {
		if problem := capabilityProblem(it.Value); problem != "" {
			d.add(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid capability pattern",
				Detail:   problem + ` A pattern is an operation ID ("crypto.ed25519_sign"), a whole family ("invitation.*") or "*" for every operation.`,
				Subject:  it.ValueRange.Ptr(),
			})
			continue
		}
		if i := slices.Index(allow, it.Value); i >= 0 {
			d.add(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Duplicate capability",
				Detail:   fmt.Sprintf("allow lists %q twice; the first is at %s. Remove one.", it.Value, lineOf(ranges[i], it.ValueRange)),
				Subject:  it.ValueRange.Ptr(),
			})
			continue
		}
		allow = append(allow, it.Value)
		ranges = append(ranges, it.ValueRange)
	}
	ag.Allow, ag.AllowRanges = allow, ranges
}

// capabilityProblem explains why pattern is not a capability pattern, with
// a corrected one when it is a near miss; "" if it is one.
func capabilityProblem(pattern string) string {
	if pattern == "*" {
		return ""
	}
	if family, ok := strings.CutSuffix(pattern, ".*"); ok {
		if _, err := effects.ParseOpID(family + ".x"); err == nil {
			return ""
		}
	} else if _, err := effects.ParseOpID(pattern); err == nil {
		return ""
	}
	fix := ""
	switch lower := strings.ToLower(strings.TrimSpace(pattern)); {
	case lower != pattern && capabilityProblem(lower) == "":
		fix = lower
	case strings.HasSuffix(lower, "*") && !strings.HasSuffix(lower, ".*"):
		// "invitation*", "invitation_*", "invitation:*"
		family := strings.TrimRight(strings.TrimSuffix(lower, "*"), "._:-/")
		if capabilityProblem(family+".*") == "" {
			fix = family + ".*"
		}
	case strings.ContainsAny(lower, ":/") && !strings.Contains(lower, "."):
		// "crypto:hash", "crypto/hash"
		alt := strings.NewReplacer(":", ".", "/", ".").Replace(lower)
		if capabilityProblem(alt) == "" {
			fix = alt
		}
	case !strings.Contains(lower, ".") && capabilityProblem(lower+".*") == "":
		fix = lower + ".*"
	}
	msg := fmt.Sprintf("%q is not a capability pattern.", pattern)
	if pattern == "" {
		msg = "A capability pattern cannot be empty."
	}
	if fix != "" {
		msg += fmt.Sprintf(" Did you mean %q?", fix)
	}
	return msg
}

// authorityAttr decodes and checks an authority: a label, or a full
// "authority-<32 hex digits>" ID.
func (d *decoder) authorityAttr(a *hcl.Attribute) (string, bool) {
	s, ok := d.stringAttr(a, `"alice"`)
	if !ok {
		return "", false
	}
	problem := ""
	switch {
	case strings.HasPrefix(s, "authority-"):
		if _, err := effects.ParseAuthorityID(s); err != nil {
			problem = fmt.Sprintf("%q starts like an authority ID but is not one: an ID is \"authority-\" followed by 32 hex digits. Fix the ID, or use a plain label such as \"alice\".", s)
		}
	case strings.TrimSpace(s) == "":
		problem = "authority must not be empty: give a label such as \"alice\" or an ID \"authority-<32 hex digits>\", or remove the argument."
	case strings.TrimSpace(s) != s:
		problem = fmt.Sprintf("%q has leading or trailing spaces; remove them.", s)
	}
	if problem != "" {
		d.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid authority",
			Detail:   problem,
			Subject:  a.Expr.Range().Ptr(),
		})
		return "", false
	}
	return s, true
}

package session

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/aurahost/aura-host/vm"
)

// Rule is one decide rule, ROLE=LABEL: the label a role (or every role a
// pattern matches, "Guardian[*]") picks at a choice the protocol leaves
// to the host, whenever that choice offers the label.
type Rule struct {
	Pattern, Label string
}

// RuleError is a decide rule that cannot be used: its text, and why.
type RuleError struct {
	Text   string // the rule as written, ROLE=LABEL
	Reason string // lower-case, e.g. "Guardian[*] never chooses Maybe; ..."
}

func (e *RuleError) Error() string { return fmt.Sprintf("decide rule %q: %s", e.Text, e.Reason) }

// ParseRules reads decide rules (ROLE=LABEL) and checks them against the
// compiled protocols (one for a protocol run, one per run block for a
// simulation), so that a misspelt role or label is an error rather than a
// silently seeded choice. A rule is good if some role of some protocol it
// matches may be asked to choose its label. Errors are *RuleError.
func ParseRules(texts []string, progs ...*vm.Program) ([]Rule, error) {
	var protocols, roles []string
	for _, prog := range progs {
		if !slices.Contains(protocols, prog.Protocol.Name) {
			protocols = append(protocols, prog.Protocol.Name)
		}
		for _, r := range prog.Protocol.Roles {
			if !slices.Contains(roles, r) {
				roles = append(roles, r)
			}
		}
	}
	var rules []Rule
	for _, text := range texts {
		bad := func(format string, a ...any) error {
			return &RuleError{Text: text, Reason: fmt.Sprintf(format, a...)}
		}
		pattern, label, ok := strings.Cut(text, "=")
		if !ok || pattern == "" || label == "" {
			return nil, bad("want ROLE=LABEL, e.g. --decide 'Guardian[*]=Approve'")
		}
		if _, err := path.Match(pattern, ""); err != nil {
			return nil, bad("bad role pattern: %v", err)
		}
		r := Rule{pattern, label}
		matched, offered, found := r.offers(progs)
		switch {
		case len(matched) == 0:
			return nil, bad("no role of %s is %s; the roles are %s", strings.Join(protocols, " or "), pattern, strings.Join(roles, ", "))
		case len(offered) == 0:
			return nil, bad("%s makes no choice left to the host (its choices, if any, have a decide rule)", pattern)
		case !found:
			return nil, bad("%s never chooses %s; the host decides among %s", pattern, label, strings.Join(offered, ", "))
		}
		rules = append(rules, r)
	}
	return rules, nil
}

// offers lists the roles of progs the rule matches and the labels the
// host decides among for them, and reports whether the rule's is one.
func (r Rule) offers(progs []*vm.Program) (matched, offered []string, found bool) {
	for _, prog := range progs {
		for _, rc := range prog.Roles {
			if !r.Matches(rc.Role) {
				continue
			}
			matched = append(matched, rc.Role)
			for _, l := range rc.HostDecidedLabels() {
				if l == r.Label {
					found = true
				}
				if !slices.Contains(offered, l) {
					offered = append(offered, l)
				}
			}
		}
	}
	return matched, offered, found
}

// Pick returns the label of the first rule that names the role and whose
// label the choice offers.
func Pick(rules []Rule, req *vm.DecisionRequest) (string, bool) {
	for _, r := range rules {
		if r.Matches(req.Role) && slices.Contains(req.Labels, r.Label) {
			return r.Label, true
		}
	}
	return "", false
}

// Matches reports whether the rule names role: exactly, or "Family[*]"
// for every member, or a shell pattern.
func (r Rule) Matches(role string) bool {
	if r.Pattern == role {
		return true
	}
	if fam, ok := strings.CutSuffix(r.Pattern, "[*]"); ok {
		return strings.HasPrefix(role, fam+"[") && strings.HasSuffix(role, "]")
	}
	ok, _ := path.Match(r.Pattern, role)
	return ok
}

// SeededDecider applies the rules, and leaves every other choice to the
// seed exactly as a run without rules would: a RegistryEffects with the
// seed answers every decision, so that its per-role counters advance as
// the simulation's own would, and its answer is kept only when no rule
// applies. It is the shape of sim.Config.Decide.
func SeededDecider(rules []Rule, seed uint64) func(*vm.DecisionRequest, uint64) (string, error) {
	seeded := vm.NewRegistryEffects(vm.RegistryEffectsConfig{Seed: seed})
	return func(req *vm.DecisionRequest, _ uint64) (string, error) {
		// The seeded choice only checks the context for cancellation; the
		// simulation's own context reaches the machine, not this callback.
		label, err := seeded.Decide(context.Background(), req)
		if picked, ok := Pick(rules, req); ok {
			return picked, nil
		}
		return label, err
	}
}

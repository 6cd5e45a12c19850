package session

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/vm"
)

func compileExample(t *testing.T, name string) *vm.Program {
	t.Helper()
	file := filepath.Join("..", "..", "examples", "protocols", name)
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	_, prog, _, diags := Compile(src, file, "")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return prog
}

func TestRuleMatches(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		pattern, role string
		want          bool
	}{
		{"Account", "Account", true},
		{"Guardian[*]", "Guardian[2]", true},
		{"Guardian[*]", "Guardians", false},
		{"G*", "Guardian[0]", true},
		{"Account", "Guardian[0]", false},
	} {
		if got := (Rule{Pattern: c.pattern}).Matches(c.role); got != c.want {
			t.Errorf("%s matches %s: %v, want %v", c.pattern, c.role, got, c.want)
		}
	}
}

// TestParseRulesChecksRolesAndLabels: a misspelt role or label is an
// error naming what there is, not a silently seeded choice.
func TestParseRulesChecksRolesAndLabels(t *testing.T) {
	t.Parallel()
	prog := compileExample(t, "two_phase_commit.hcl")
	rules, err := ParseRules([]string{"Participant[*]=Yes"}, prog)
	if err != nil || len(rules) != 1 {
		t.Fatalf("good rule: %v, %v", rules, err)
	}
	if l, ok := Pick(rules, &vm.DecisionRequest{Caller: vm.Caller{Role: "Participant[0]"}, Labels: []string{"No", "Yes"}}); !ok || l != "Yes" {
		t.Errorf("pick: %q %v", l, ok)
	}
	for text, want := range map[string]string{
		"Participant[*]":       "want ROLE=LABEL",
		"Nobody=Yes":           "no role of",
		"Participant[*]=Maybe": "never chooses Maybe",
		"[=Yes":                "bad role pattern",
	} {
		_, err := ParseRules([]string{text}, prog)
		var re *RuleError
		if !errors.As(err, &re) || re.Text != text || !strings.Contains(re.Reason, want) {
			t.Errorf("%s: %v, want a RuleError saying %q", text, err, want)
		}
	}
}

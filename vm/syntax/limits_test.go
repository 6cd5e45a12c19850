package syntax

import (
	"fmt"
	"strings"
	"testing"
)

// TestFamilyStepsCannotMultiplyPastTheProjectionLimit: a few bytes of
// family-wide steps over a 1024-member family used to expand to millions
// of steps, each projected once per role (8 steps: 600 MB; 20 steps,
// from a 500-byte file: about 1.5 GB). They are refused before expansion.
func TestFamilyStepsCannotMultiplyPastTheProjectionLimit(t *testing.T) {
	t.Parallel()
	src := "protocol \"f\" {\n  roles = [\"A\", \"G[1024]\"]\n" + strings.Repeat("  send \"A\" \"G[*]\" \"M\" {}\n", 20) + "}\n"
	_, diags := Parse([]byte(src), "f.hcl")
	if len(diags) != 1 || diags[0].Summary != "Protocol too large to project" || diags[0].Subject.Start.Line != 1 {
		t.Fatalf("Parse: %v", diags)
	}
	if !strings.Contains(diags[0].Detail, "20480 steps and 1025 roles") {
		t.Errorf("detail %q does not give the sizes", diags[0].Detail)
	}
	ok := "protocol \"f\" {\n  roles = [\"A\", \"G[1024]\"]\n" + strings.Repeat("  send \"A\" \"G[*]\" \"M\" {}\n", 3) + "}\n"
	if _, diags := Parse([]byte(ok), "ok.hcl"); diags.HasErrors() {
		t.Fatalf("three family steps over 1024 members: %v", diags)
	}
}

// TestTooManyRolesAreRefused: "F[1024]" is seven bytes for 1024 roles,
// so a short roles list used to allocate millions of role names.
func TestTooManyRolesAreRefused(t *testing.T) {
	t.Parallel()
	var fams []string
	for i := range 10_000 {
		fams = append(fams, fmt.Sprintf("%q", fmt.Sprintf("F%d[1024]", i)))
	}
	src := "protocol \"f\" {\n  roles = [\"A\", " + strings.Join(fams, ", ") + "]\n  send \"A\" \"F0[0]\" \"M\" {}\n}\n"
	_, diags := Parse([]byte(src), "f.hcl")
	if len(diags) != 1 || diags[0].Summary != "Too many roles" || diags[0].Subject.Start.Line != 2 {
		t.Fatalf("Parse: %v", diags)
	}
	// The JSON front end ends with CheckGlobal, which holds the same limit.
	p := &Protocol{Global: &Global{Kind: GEnd}}
	for i := range MaxRoles + 1 {
		p.Roles = append(p.Roles, fmt.Sprintf("R%d", i))
	}
	if diags := CheckGlobal(p); len(diags) != 1 || diags[0].Summary != "Too many roles" {
		t.Fatalf("CheckGlobal: %v", diags)
	}
}

// TestLongProtocolIsRefused: the projector, checks and compiler recurse
// one level per step in sequence; 330,000 sends in an 8 MB file used to
// overflow the compiler's stack. Past MaxSteps a protocol is refused.
func TestLongProtocolIsRefused(t *testing.T) {
	t.Parallel()
	src := "protocol \"long\" {\n  roles = [\"A\", \"B\"]\n" + strings.Repeat("  send \"A\" \"B\" \"M\" {}\n", MaxSteps+1) + "}\n"
	_, diags := Parse([]byte(src), "long.hcl")
	if len(diags) != 1 || diags[0].Summary != "Protocol too long" || diags[0].Subject.Start.Line != 1 {
		t.Fatalf("Parse: %v", diags)
	}
	p := &Protocol{Roles: []string{"A", "B"}, Global: &Global{Kind: GEnd}}
	for range MaxSteps + 1 {
		p.Global = &Global{Kind: GComm, From: "A", To: "B", Branches: []*GBranch{{Label: Label{Name: "M", Sort: SortUnit}, Next: p.Global}}}
	}
	if diags := CheckGlobal(p); len(diags) != 1 || diags[0].Summary != "Protocol too long" {
		t.Fatalf("CheckGlobal: %v", diags)
	}
}

package vm

import (
	"bytes"
	"cmp"
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Load parses a protocol in either language: the JSON interchange form
// when filename ends in .json or the content starts with '{', the HCL
// protocol language otherwise.
func Load(src []byte, filename string) (*Protocol, hcl.Diagnostics) {
	if strings.HasSuffix(filename, ".json") || bytes.HasPrefix(bytes.TrimSpace(src), []byte("{")) {
		return ParseJSON(src, filename)
	}
	return Parse(src, filename)
}

// CheckFile is `aura-host protocol check FILE`: it loads, checks,
// projects and compiles the protocol, and reports it with every role's
// local type in text form. The diagnostics carry file:line:col; print
// them with hcl.NewDiagnosticTextWriter.
func CheckFile(src []byte, filename string) ([]byte, hcl.Diagnostics) {
	p, diags := Load(src, filename)
	if diags.HasErrors() {
		return nil, diags
	}
	prog, d := Compile(p)
	diags = append(diags, d...)
	if diags.HasErrors() {
		return nil, diags
	}
	var b strings.Builder
	fmt.Fprintf(&b, "protocol %s is well formed\n", p.Name)
	fmt.Fprintf(&b, "roles: %s\n", strings.Join(p.Roles, ", "))
	exec, _ := LookupExecutionPolicy(p.Policy)
	sched := p.Scheduler
	how := "declared"
	if sched == "" {
		sched, how = SelectPolicy(SchedulerSignals{Heavy: exec.Heavy}), "by rule, without contention"
	}
	fmt.Fprintf(&b, "scheduler: %s (%s)\n", sched, how)
	if p.Policy != "" {
		fmt.Fprintf(&b, "execution policy: %s\n", p.Policy)
	}
	depths := make([]int, len(prog.Roles))
	for i, rc := range prog.Roles {
		depths[i] = rc.Depth
	}
	mult := cmp.Or(p.StepMultiplier, exec.StepMultiplier, DefaultStepMultiplier)
	fmt.Fprintf(&b, "step budget: %d (multiplier %d)\n", Budget(depths, 0, mult), mult)
	for _, rc := range prog.Roles {
		fmt.Fprintf(&b, "\n%s", prog.Projection.Text(rc.Role))
		fmt.Fprintf(&b, "  (%d instructions, depth %d)\n", len(rc.Code), rc.Depth)
	}
	return []byte(b.String()), diags
}

// ProjectFile is `aura-host protocol project FILE [--role R] [--json]`:
// the local type of one role, or of every role, as text or in the JSON
// interchange form (for every role, a JSON object keyed by role).
func ProjectFile(src []byte, filename, role string, asJSON bool) ([]byte, hcl.Diagnostics) {
	p, diags := Load(src, filename)
	if diags.HasErrors() {
		return nil, diags
	}
	pr, d := Project(p)
	diags = append(diags, d...)
	if diags.HasErrors() {
		return nil, diags
	}
	roles := p.Roles
	if role != "" {
		if p.RoleIndex(role) < 0 {
			return nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown role",
				Detail: fmt.Sprintf("%q is not a role of %s; the roles are %s.", role, p.Name, strings.Join(p.Roles, ", ")), Subject: p.Range.Ptr()})
		}
		roles = []string{role}
	}
	var b bytes.Buffer
	if !asJSON {
		for i, r := range roles {
			if i > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(pr.Text(r))
		}
		return b.Bytes(), diags
	}
	if role != "" {
		out, err := pr.JSON(role)
		if err != nil {
			return nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot render JSON", Detail: err.Error(), Subject: p.Range.Ptr()})
		}
		return append(out, '\n'), diags
	}
	b.WriteString("{\n")
	for i, r := range roles {
		out, err := pr.JSON(r)
		if err != nil {
			return nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot render JSON", Detail: err.Error(), Subject: p.Range.Ptr()})
		}
		fmt.Fprintf(&b, "  %q: %s", r, bytes.ReplaceAll(out, []byte("\n"), []byte("\n  ")))
		if i < len(roles)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("}\n")
	return b.Bytes(), diags
}

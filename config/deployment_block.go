package config

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/effects"
)

// deploymentSpec is the body of the deployment block:
//
//	deployment "quickstart" {
//	  mode      = "production" # or "testing", "simulation"
//	  seed      = 7
//	  state_dir = "state"      # relative to the deployment file
//	  authority = "alice"      # a label or "authority-<32 hex digits>"
//	}
var deploymentSpec = bodySpec[Deployment]{
	where: "in the deployment block",
	attrs: []attrSpec[Deployment]{
		{name: "mode", decode: decodeMode},
		{name: "seed", decode: decodeSeed},
		{name: "state_dir", decode: decodeStateDir},
		{name: "authority", decode: decodeAuthority},
	},
}

var modes = []string{string(effects.Production), string(effects.Testing), string(effects.Simulation)}

func decodeDeploymentBlock(d *decoder, dep *Deployment, b *hcl.Block) {
	dep.Name, dep.NameRange, dep.DeclRange = b.Labels[0], b.LabelRanges[0], b.DefRange
	if !validName(dep.Name) {
		d.add(invalidName("deployment", dep.Name, dep.NameRange))
	}
	deploymentSpec.decode(d, dep, b.Body)
}

func decodeMode(d *decoder, dep *Deployment, a *hcl.Attribute) {
	s, ok := d.stringAttr(a, `"production"`)
	if !ok {
		return
	}
	m, err := effects.ParseMode(s)
	if err != nil {
		d.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid mode",
			Detail:   fmt.Sprintf("mode must be %s, not %q.%s", quotedList(modes, "or"), s, didYouMean(s, modes)),
			Subject:  a.Expr.Range().Ptr(),
		})
		return
	}
	dep.Mode, dep.ModeRange = m, a.Expr.Range()
}

func decodeSeed(d *decoder, dep *Deployment, a *hcl.Attribute) {
	if n, ok := d.uintAttr(a, "7"); ok {
		dep.Seed, dep.SeedRange = n, a.Expr.Range()
	}
}

func decodeStateDir(d *decoder, dep *Deployment, a *hcl.Attribute) {
	s, ok := d.stringAttr(a, `"state"`)
	if !ok {
		return
	}
	if p, ok := d.resolvePath(s, a); ok {
		dep.StateDir, dep.StateDirRange = p, a.Expr.Range()
	}
}

func decodeAuthority(d *decoder, dep *Deployment, a *hcl.Attribute) {
	if s, ok := d.authorityAttr(a); ok {
		dep.Authority, dep.AuthorityRange = s, a.Expr.Range()
	}
}

// invalidName reports a deployment or plugin label that is not a
// lower-case identifier, proposing a fixed one.
func invalidName(kind, name string, r hcl.Range) *hcl.Diagnostic {
	if len(name) > MaxNameLength {
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  fmt.Sprintf("Invalid %s name", kind),
			Detail: fmt.Sprintf("The name %q… is %d bytes long; a name is at most %d, since it becomes a directory and socket name. Choose a shorter one.",
				name[:min(len(name), 20)], len(name), MaxNameLength),
			Subject: r.Ptr(),
		}
	}
	fix := ""
	if f := fixName(name); f != "" {
		fix = fmt.Sprintf(" Try %q.", f)
	}
	article := "a"
	if strings.ContainsRune("aeiou", rune(kind[0])) {
		article = "an"
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  fmt.Sprintf("Invalid %s name", kind),
		Detail:   fmt.Sprintf("%q cannot name %s %s: a name is %s.%s", name, article, kind, nameRule, fix),
		Subject:  r.Ptr(),
	}
}

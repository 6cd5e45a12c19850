package agent

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
)

// CheckServable says why dep, the deployment in file, cannot be served
// on its own (`aura-host run`): in simulation mode its agents share one
// virtual clock and one simulated network that only the simulator
// advances, so a served host would wait on time that never passes. It is
// nil when dep can be served. The diagnostic's Subject is the file's mode
// attribute, nil when the file does not set the mode; its Detail names
// the commands to use instead.
func CheckServable(file string, dep *config.Deployment) *hcl.Diagnostic {
	if dep.Mode != effects.Simulation || len(dep.Agents) == 0 {
		return nil
	}
	names := AgentNames(dep)
	detail := fmt.Sprintf("In simulation mode, the %d agents of this deployment (%s) share one virtual clock and one simulated network, "+
		"which only the simulator advances; `run` serves a single host on its own. Run its protocols with\n\n"+
		"  aura-host simulate %s\n\nor serve it with its real plugins:\n\n  aura-host run %s --mode production",
		len(names), strings.Join(names, ", "), file, file)
	d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "A multi-agent simulation cannot be served by run", Detail: detail}
	if dep.ModeRange.Filename != "" {
		d.Subject = dep.ModeRange.Ptr()
	}
	return d
}

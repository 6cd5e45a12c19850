package agent

import "github.com/aurahost/aura-host/host/agent/builtin"

// AddServiceKind adds a builtin service kind for the test's duration.
func AddServiceKind(k builtin.ServiceKind) (remove func()) {
	serviceKinds[k.Kind] = k
	return func() { delete(serviceKinds, k.Kind) }
}

package agent

import "github.com/aurahost/aura-host/effects/facade"

// Ceremonies is the guardian ceremony tracker (plugins/ceremony), as this
// agent: propose a ceremony over guardian invitations it sent, advance it
// as acceptances arrive (completion commits the pending key rotation), or
// cancel it (which rolls the rotation back).
func (a *Agent) Ceremonies() *facade.Ceremonies { return a.Effects().Ceremonies }

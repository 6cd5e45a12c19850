package crypto

import "github.com/aurahost/aura-host/sdk"

func (p *plugin) frostOperations() []sdk.Operation { return nil }

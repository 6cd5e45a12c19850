package host

import (
	"context"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/vm"
)

// VMEffects is the VM's effect boundary for a session run by an agent:
// invokes go through the agent's router (as RegistryEffects does when given
// it), and time comes from the agent's clock effect — virtual time in
// simulation — rather than the RegistryEffects's counter. Decisions, host()
// payloads and randomness stay seeded by the RegistryEffects.
type VMEffects struct {
	*vm.RegistryEffects
	router *Router
}

// NewVMEffects is the VM's effect boundary for sessions an agent runs over r.
func NewVMEffects(r *Router, cfg vm.RegistryEffectsConfig) *VMEffects {
	cfg.Handler = r
	return &VMEffects{RegistryEffects: vm.NewRegistryEffects(cfg), router: r}
}

// Now reads the clock effect (clock.physical_time) when the deployment
// serves it, else falls back to the seeded counter.
func (h *VMEffects) Now(ctx context.Context, req *vm.ClockRequest) (int64, error) {
	if !h.router.Registry().Has(effects.ClockPhysicalTime) {
		return h.RegistryEffects.Now(ctx, req)
	}
	v, err := h.router.Invoke(ctx, &effects.Call{Op: effects.ClockPhysicalTime, Args: effects.Map(nil)})
	if err != nil {
		return 0, err
	}
	ms, _ := v.Get("ms")
	t, ok := ms.AsInt()
	if !ok {
		return 0, effects.Errorf(effects.CodeInternal, "clock.physical_time returned %v, not {ms: int}", v)
	}
	return t, nil
}

package supervise

import (
	"time"

	"github.com/aurahost/aura-host/config"
)

// Policy is how one plugin is supervised: the deployment's health, restart
// and call blocks (config.Health, config.Restart, config.Call, whose
// WithDefaults fill what is unset) and the stop bound. The zero value of
// each field means its default.
type Policy struct {
	// Health configures the periodic liveness probe (grpc.health.v1, and
	// for services their own Health). Process exit is noticed at once,
	// independently of the probe. A hung plugin is replaced within
	// Interval + Timeout × UnhealthyThreshold.
	Health config.Health
	// Restart configures restarts: capped exponential backoff with
	// jitter, reset after a stable period, and an intensity limit.
	Restart config.Restart
	// Call configures calls: the default deadline and the circuit breaker.
	Call config.Call
	// StopTimeout bounds the plugin's stop; past half of it the process
	// group is SIGKILLed. Default: Config.StopTimeout.
	StopTimeout time.Duration
}

// withDefaults fills unset fields.
func (p Policy) withDefaults() Policy {
	p.Health = p.Health.WithDefaults()
	p.Restart = p.Restart.WithDefaults()
	p.Call = p.Call.WithDefaults()
	return p
}

// policyFor is a plugin's policy: the deployment's health, restart and call
// blocks, then Config.Policies for what they leave unset, then defaults.
func policyFor(decl *config.Plugin, base Policy) Policy {
	p := base
	set := func(dst *time.Duration, v time.Duration) {
		if v > 0 {
			*dst = v
		}
	}
	if h := decl.Health; h != nil {
		set(&p.Health.Interval, h.Interval)
		set(&p.Health.Timeout, h.Timeout)
		set(&p.Health.Grace, h.Grace)
		if h.UnhealthyThreshold > 0 {
			p.Health.UnhealthyThreshold = h.UnhealthyThreshold
		}
	}
	if r := decl.Restart; r != nil {
		if r.Attempts > 0 {
			p.Restart.Attempts = r.Attempts
		}
		set(&p.Restart.Window, r.Window)
		set(&p.Restart.Delay, r.Delay)
		set(&p.Restart.MaxDelay, r.MaxDelay)
		set(&p.Restart.StableAfter, r.StableAfter)
		if r.Mode != "" {
			p.Restart.Mode = r.Mode
		}
	}
	if c := decl.Call; c != nil {
		set(&p.Call.Timeout, c.Timeout)
		set(&p.Call.BreakerCooldown, c.BreakerCooldown)
		if c.BreakerThreshold != 0 {
			p.Call.BreakerThreshold = c.BreakerThreshold
		}
	}
	set(&p.StopTimeout, decl.StopTimeout)
	return p
}

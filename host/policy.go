package host

import (
	"time"

	"github.com/aurahost/aura-host/config"
)

// Policy is how one plugin is supervised. The zero value of each field
// means its default; a deployment's health, restart and call blocks set
// them per plugin.
type Policy struct {
	Health  HealthPolicy
	Restart RestartPolicy
	Call    CallPolicy
	// StopTimeout bounds the plugin's stop; past half of it the process
	// group is SIGKILLed. Default: Config.StopTimeout.
	StopTimeout time.Duration
}

// HealthPolicy configures the periodic liveness probe (grpc.health.v1,
// and for services their own Health). Process exit is noticed at once,
// independently of the probe.
type HealthPolicy struct {
	// Interval between probes. Default 1s.
	Interval time.Duration
	// Timeout of each probe. Default 250ms.
	Timeout time.Duration
	// UnhealthyThreshold is how many consecutive failed probes make the
	// plugin unresponsive: its process group is SIGKILLed and it is
	// restarted. The first failure marks it degraded, and the next probes
	// follow at once, so a hung plugin is replaced within
	// Interval + Timeout × UnhealthyThreshold. Default 3.
	UnhealthyThreshold int
	// Grace after a (re)start before probes begin. Default 0.
	Grace time.Duration
}

// RestartMode says what happens past the restart-intensity limit.
type RestartMode string

// Restart modes.
const (
	// RestartFail marks the plugin failed: its operations fail fast until
	// an operator resets it.
	RestartFail RestartMode = "fail"
	// RestartKeepTrying keeps restarting at the maximum delay.
	RestartKeepTrying RestartMode = "keep-trying"
)

// RestartPolicy configures restarts: capped exponential backoff with
// jitter, reset after a stable period, and an intensity limit.
type RestartPolicy struct {
	// Attempts is how many restarts are allowed within Window before the
	// limit applies. Default 5.
	Attempts int
	// Window of the intensity limit. Default 1m.
	Window time.Duration
	// Delay before the first restart; it doubles per consecutive restart.
	// Default 10ms.
	Delay time.Duration
	// MaxDelay caps the backoff. Default 5s.
	MaxDelay time.Duration
	// Mode past the limit. Default RestartFail.
	Mode RestartMode
	// StableAfter: an instance that served this long resets the backoff.
	// Default 10s.
	StableAfter time.Duration
}

// CallPolicy configures calls to the plugin.
type CallPolicy struct {
	// Timeout is the deadline of a call that has none, or a later one.
	// Default 30s.
	Timeout time.Duration
	// BreakerThreshold is how many consecutive failed calls (unavailable
	// or timeout) open the circuit: calls then fail fast until a half-open
	// trial call succeeds. Default 5; negative disables the breaker.
	BreakerThreshold int
	// BreakerCooldown is how long the circuit stays open before a trial
	// call is let through. Default 1s.
	BreakerCooldown time.Duration
}

// withDefaults fills unset fields.
func (p Policy) withDefaults() Policy {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&p.Health.Interval, time.Second)
	def(&p.Health.Timeout, 250*time.Millisecond)
	if p.Health.UnhealthyThreshold <= 0 {
		p.Health.UnhealthyThreshold = 3
	}
	if p.Restart.Attempts <= 0 {
		p.Restart.Attempts = 5
	}
	def(&p.Restart.Window, time.Minute)
	def(&p.Restart.Delay, 10*time.Millisecond)
	def(&p.Restart.MaxDelay, 5*time.Second)
	def(&p.Restart.StableAfter, 10*time.Second)
	if p.Restart.Mode == "" {
		p.Restart.Mode = RestartFail
	}
	def(&p.Call.Timeout, 30*time.Second)
	if p.Call.BreakerThreshold == 0 {
		p.Call.BreakerThreshold = 5
	}
	def(&p.Call.BreakerCooldown, time.Second)
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
			p.Restart.Mode = RestartMode(r.Mode)
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

package config

import (
	"fmt"
	"math"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// How a plugin is started, probed, restarted and called. Every field is
// zero when its attribute is absent, and the host applies its default then
// (the defaults are in the comments); each range is the zero Range when the
// attribute is absent.

// Start modes of a plugin (Plugin.Start).
const (
	// StartEager launches the plugin when the deployment starts.
	StartEager = "eager"
	// StartLazy launches the plugin when one of its operations is first
	// needed.
	StartLazy = "lazy"
)

// Restart modes (Restart.Mode): what happens past the restart-intensity
// limit.
const (
	// RestartFail marks the plugin failed: its operations fail fast until
	// an operator resets it.
	RestartFail = "fail"
	// RestartKeepTrying keeps restarting at the maximum delay.
	RestartKeepTrying = "keep-trying"
)

var (
	startModes   = []string{StartEager, StartLazy}
	restartModes = []string{RestartFail, RestartKeepTrying}
)

// Health is a plugin's health block: the periodic liveness probe.
//
//	health { interval = "1s"  timeout = "250ms"  unhealthy_threshold = 3  grace = "0s" }
type Health struct {
	// DeclRange is the block header, `health`.
	DeclRange hcl.Range

	// Interval between probes (default 1s).
	Interval      time.Duration
	IntervalRange hcl.Range
	// Timeout of each probe (default 250ms).
	Timeout      time.Duration
	TimeoutRange hcl.Range
	// UnhealthyThreshold is how many consecutive failed probes make the
	// plugin unresponsive (default 3); at least 1 when set.
	UnhealthyThreshold      int
	UnhealthyThresholdRange hcl.Range
	// Grace after a (re)start before probes begin (default 0); the only
	// duration here that may be written as zero.
	Grace      time.Duration
	GraceRange hcl.Range
}

var healthSpec = bodySpec[Health]{
	where: "in a health block",
	attrs: []attrSpec[Health]{
		{name: "interval", decode: func(d *decoder, h *Health, a *hcl.Attribute) {
			h.Interval, h.IntervalRange = d.duration(a, "1s", positive)
		}},
		{name: "timeout", decode: func(d *decoder, h *Health, a *hcl.Attribute) {
			h.Timeout, h.TimeoutRange = d.duration(a, "250ms", positive)
		}},
		{name: "unhealthy_threshold", decode: func(d *decoder, h *Health, a *hcl.Attribute) {
			h.UnhealthyThreshold, h.UnhealthyThresholdRange = d.count(a, "3", 1, "")
		}},
		{name: "grace", decode: func(d *decoder, h *Health, a *hcl.Attribute) {
			h.Grace, h.GraceRange = d.duration(a, "2s", nonNegative)
		}},
	},
}

// Restart is a plugin's restart block: capped exponential backoff with
// jitter, reset after a stable period, and a restart-intensity limit.
//
//	restart { attempts = 5  window = "1m"  delay = "10ms"  max_delay = "5s"  mode = "fail"  stable_after = "10s" }
type Restart struct {
	// DeclRange is the block header, `restart`.
	DeclRange hcl.Range

	// Attempts is how many restarts are allowed within Window before Mode
	// applies (default 5); at least 1 when set.
	Attempts      int
	AttemptsRange hcl.Range
	// Window of the intensity limit (default 1m).
	Window      time.Duration
	WindowRange hcl.Range
	// Delay before the first restart, doubling per consecutive restart
	// (default 10ms).
	Delay      time.Duration
	DelayRange hcl.Range
	// MaxDelay caps the backoff (default 5s); not below Delay when both
	// are set.
	MaxDelay      time.Duration
	MaxDelayRange hcl.Range
	// Mode past the limit: RestartFail (default) or RestartKeepTrying; ""
	// when absent.
	Mode      string
	ModeRange hcl.Range
	// StableAfter is how long an instance must serve to reset the backoff
	// (default 10s).
	StableAfter      time.Duration
	StableAfterRange hcl.Range
}

var restartSpec = bodySpec[Restart]{
	where: "in a restart block",
	attrs: []attrSpec[Restart]{
		{name: "attempts", decode: func(d *decoder, r *Restart, a *hcl.Attribute) {
			r.Attempts, r.AttemptsRange = d.count(a, "5", 1, "")
		}},
		{name: "window", decode: func(d *decoder, r *Restart, a *hcl.Attribute) {
			r.Window, r.WindowRange = d.duration(a, "1m", positive)
		}},
		{name: "delay", decode: func(d *decoder, r *Restart, a *hcl.Attribute) {
			r.Delay, r.DelayRange = d.duration(a, "10ms", positive)
		}},
		{name: "max_delay", decode: func(d *decoder, r *Restart, a *hcl.Attribute) {
			r.MaxDelay, r.MaxDelayRange = d.duration(a, "5s", positive)
		}},
		{name: "mode", decode: func(d *decoder, r *Restart, a *hcl.Attribute) {
			r.Mode, r.ModeRange = d.oneOf(a, "restart mode", restartModes, "Past the restart limit, \"fail\" marks the plugin failed until an operator resets it; \"keep-trying\" restarts it forever at max_delay")
		}},
		{name: "stable_after", decode: func(d *decoder, r *Restart, a *hcl.Attribute) {
			r.StableAfter, r.StableAfterRange = d.duration(a, "10s", positive)
		}},
	},
}

// Call is a plugin's call block: deadlines and the circuit breaker.
//
//	call { timeout = "30s"  breaker_threshold = 5  breaker_cooldown = "1s" }
type Call struct {
	// DeclRange is the block header, `call`.
	DeclRange hcl.Range

	// Timeout is the deadline of a call that has none, or a later one
	// (default 30s).
	Timeout      time.Duration
	TimeoutRange hcl.Range
	// BreakerThreshold is how many consecutive failed calls open the
	// circuit (default 5); -1 disables the breaker. 0 only when absent.
	BreakerThreshold      int
	BreakerThresholdRange hcl.Range
	// BreakerCooldown is how long the circuit stays open before a trial
	// call (default 1s).
	BreakerCooldown      time.Duration
	BreakerCooldownRange hcl.Range
}

var callSpec = bodySpec[Call]{
	where: "in a call block",
	attrs: []attrSpec[Call]{
		{name: "timeout", decode: func(d *decoder, c *Call, a *hcl.Attribute) {
			c.Timeout, c.TimeoutRange = d.duration(a, "30s", positive)
		}},
		{name: "breaker_threshold", decode: func(d *decoder, c *Call, a *hcl.Attribute) {
			n, r := d.count(a, "5", -1, "of at least 1 (consecutive failed calls that open the circuit), or -1 to disable the breaker")
			if r != (hcl.Range{}) && n == 0 {
				d.add(&hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid number",
					Detail:   "breaker_threshold = 0 would open the circuit before any call failed. Write a number of consecutive failures of at least 1, or -1 to disable the breaker.",
					Subject:  r.Ptr(),
				})
				r = hcl.Range{}
			}
			c.BreakerThreshold, c.BreakerThresholdRange = n, r
		}},
		{name: "breaker_cooldown", decode: func(d *decoder, c *Call, a *hcl.Attribute) {
			c.BreakerCooldown, c.BreakerCooldownRange = d.duration(a, "1s", positive)
		}},
	},
}

func decodeHealthBlock(d *decoder, p *Plugin, b *hcl.Block) {
	p.Health = &Health{DeclRange: b.DefRange}
	healthSpec.decode(d, p.Health, b.Body)
}

func decodeRestartBlock(d *decoder, p *Plugin, b *hcl.Block) {
	r := &Restart{DeclRange: b.DefRange}
	restartSpec.decode(d, r, b.Body)
	if r.DelayRange != (hcl.Range{}) && r.MaxDelayRange != (hcl.Range{}) && r.MaxDelay < r.Delay {
		d.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "max_delay below delay",
			Detail:   fmt.Sprintf("max_delay (%v) caps the backoff that starts at delay (%v), so it cannot be smaller. Raise max_delay or lower delay.", r.MaxDelay, r.Delay),
			Subject:  r.MaxDelayRange.Ptr(),
		})
	}
	p.Restart = r
}

func decodeCallBlock(d *decoder, p *Plugin, b *hcl.Block) {
	p.Call = &Call{DeclRange: b.DefRange}
	callSpec.decode(d, p.Call, b.Body)
}

func decodeStart(d *decoder, p *Plugin, a *hcl.Attribute) {
	s, r := d.oneOf(a, "start mode", startModes, "\"eager\" launches the plugin with the deployment; \"lazy\" launches it when one of its operations is first needed")
	if r != (hcl.Range{}) {
		p.Start, p.StartRange = s, r
	}
}

func decodeStopTimeout(d *decoder, p *Plugin, a *hcl.Attribute) {
	p.StopTimeout, p.StopTimeoutRange = d.duration(a, "5s", positive)
}

// duration decodes a duration attribute, returning its range only when the
// value is valid, so a set range always means a usable value.
func (d *decoder) duration(a *hcl.Attribute, example string, rule zeroRule) (time.Duration, hcl.Range) {
	if v, ok := d.durationAttr(a, example, rule); ok {
		return v, a.Expr.Range()
	}
	return 0, hcl.Range{}
}

// count decodes a whole number of at least lo (and at most MaxInt32),
// returning its range only when the value is valid.
func (d *decoder) count(a *hcl.Attribute, example string, lo int64, rule string) (int, hcl.Range) {
	if rule == "" {
		rule = fmt.Sprintf("of at least %d", lo)
	}
	if n, ok := d.intAttr(a, example, lo, math.MaxInt32, rule); ok {
		return n, a.Expr.Range()
	}
	return 0, hcl.Range{}
}

// oneOf decodes a string that must be one of choices; what names it in the
// summary ("Invalid restart mode") and meaning explains the choices.
func (d *decoder) oneOf(a *hcl.Attribute, what string, choices []string, meaning string) (string, hcl.Range) {
	s, ok := d.stringAttr(a, fmt.Sprintf("%q", choices[0]))
	if !ok {
		return "", hcl.Range{}
	}
	for _, c := range choices {
		if s == c {
			return s, a.Expr.Range()
		}
	}
	d.add(&hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Invalid " + what,
		Detail:   fmt.Sprintf("%s must be %s, not %q.%s %s.", a.Name, quotedList(choices, "or"), s, didYouMean(s, choices), meaning),
		Subject:  a.Expr.Range().Ptr(),
	})
	return "", hcl.Range{}
}

// The defaults of the health, restart and call blocks, in one place: the
// host applies them to every field a block leaves zero (or to a plugin
// without the block).

// WithDefaults is h with every unset field at its default.
func (h Health) WithDefaults() Health {
	setDefault(&h.Interval, time.Second)
	setDefault(&h.Timeout, 250*time.Millisecond)
	if h.UnhealthyThreshold <= 0 {
		h.UnhealthyThreshold = 3
	}
	return h
}

// WithDefaults is r with every unset field at its default.
func (r Restart) WithDefaults() Restart {
	if r.Attempts <= 0 {
		r.Attempts = 5
	}
	setDefault(&r.Window, time.Minute)
	setDefault(&r.Delay, 10*time.Millisecond)
	setDefault(&r.MaxDelay, 5*time.Second)
	setDefault(&r.StableAfter, 10*time.Second)
	if r.Mode == "" {
		r.Mode = RestartFail
	}
	return r
}

// WithDefaults is c with every unset field at its default. A negative
// BreakerThreshold (breaker disabled) is kept.
func (c Call) WithDefaults() Call {
	setDefault(&c.Timeout, 30*time.Second)
	if c.BreakerThreshold == 0 {
		c.BreakerThreshold = 5
	}
	setDefault(&c.BreakerCooldown, time.Second)
	return c
}

func setDefault(d *time.Duration, v time.Duration) {
	if *d <= 0 {
		*d = v
	}
}

package supervise

import (
	"testing"
	"time"

	"github.com/aurahost/aura-host/config"
)

// A plugin's policy: its deployment blocks first, then Config.Policies for
// what they leave unset, then the defaults config keeps in one place.
func TestPolicyLayers(t *testing.T) {
	decl := &config.Plugin{Name: "p",
		Health:  &config.Health{Interval: 2 * time.Second},
		Restart: &config.Restart{Mode: config.RestartKeepTrying}}
	base := Policy{Health: config.Health{Interval: time.Hour, Timeout: time.Minute},
		Call: config.Call{BreakerThreshold: -1}}
	p := policyFor(decl, base).withDefaults()
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"health interval (deployment)", p.Health.Interval, 2 * time.Second},
		{"health timeout (Config.Policies)", p.Health.Timeout, time.Minute},
		{"unhealthy threshold (default)", p.Health.UnhealthyThreshold, 3},
		{"restart mode (deployment)", p.Restart.Mode, config.RestartKeepTrying},
		{"restart attempts (default)", p.Restart.Attempts, 5},
		{"restart delay (default)", p.Restart.Delay, 10 * time.Millisecond},
		{"breaker disabled (Config.Policies)", p.Call.BreakerThreshold, -1},
		{"call timeout (default)", p.Call.Timeout, 30 * time.Second},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

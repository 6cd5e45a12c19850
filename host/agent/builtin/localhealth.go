package builtin

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/health"
	"github.com/aurahost/aura-host/host/lifecycle"
	"github.com/aurahost/aura-host/host/tasks"
)

// LocalHealthKind is the builtin kind of the local health observer.
const LocalHealthKind = "local_health_observer"

// localHealthFields are the observer's settings: integers, since a
// deployment's values have no floats. Each pair is a hysteresis band.
var localHealthFields = []effects.ConfigField{
	{Name: "alpha_pct", Kind: effects.KindInt, Default: effects.Int(20), Doc: "the weight of each new sample in the averages, percent (1-100)"},
	{Name: "rtt_high_ms", Kind: effects.KindInt, Default: effects.Int(800), Doc: "round trip that degrades, ms"},
	{Name: "rtt_low_ms", Kind: effects.KindInt, Default: effects.Int(400), Doc: "round trip that recovers, ms"},
	{Name: "loss_high_pct", Kind: effects.KindInt, Default: effects.Int(20), Doc: "share of lost sends that degrades, percent"},
	{Name: "loss_low_pct", Kind: effects.KindInt, Default: effects.Int(5), Doc: "share of lost sends that recovers, percent"},
	{Name: "queue_high_pct", Kind: effects.KindInt, Default: effects.Int(80), Doc: "inbound queue fill that degrades, percent"},
	{Name: "queue_low_pct", Kind: effects.KindInt, Default: effects.Int(50), Doc: "inbound queue fill that recovers, percent"},
	{Name: "churn_high_per_min", Kind: effects.KindInt, Default: effects.Int(12), Doc: "connected peers coming and going per minute that degrades"},
	{Name: "churn_low_per_min", Kind: effects.KindInt, Default: effects.Int(4), Doc: "... that recovers"},
	{Name: "hold_failure_high_pct", Kind: effects.KindInt, Default: effects.Int(50), Doc: "share of failed holds that degrades, percent"},
	{Name: "hold_failure_low_pct", Kind: effects.KindInt, Default: effects.Int(20), Doc: "share of failed holds that recovers, percent"},
	{Name: "poll_interval_ms", Kind: effects.KindInt, Default: effects.Int(10_000), Doc: "how often network.connected_peers is polled for churn, on the agent's clock, ms (≥ 100)"},
}

func localHealthKind() ServiceKind {
	return ServiceKind{
		Kind: LocalHealthKind,
		Doc: "The local health observer (AURA-SPEC §5): EMA-smoothed round trip and loss of the agent's " +
			"network.send_envelope calls (seen by a router observer; round trips only in production, where wall " +
			"time is part of a run), the fill of an inbound queue (local_health.observe_queue), the churn of " +
			"network.connected_peers (polled on the agent's clock) and the success of holds " +
			"(local_health.observe_hold), each degrading at its high threshold and recovering at its low one. " +
			"Its health is in `status`, its values in system.get_metrics, and degraded health counts as " +
			"pressure for the VM's scheduler.",
		Config: localHealthFields,
		Ops:    effects.LocalHealthOps(),
		New:    newLocalHealth,
	}
}

// LocalHealth is the local_health_observer service: a health.Observer fed
// by the agent.
type LocalHealth struct {
	tracker lifecycle.Tracker
	env     ServiceEnv
	obs     *health.Observer
	poll    time.Duration
	logger  hclog.Logger
	group   *tasks.Group // the churn poll, once started
}

func localHealthConfig(settings effects.Value) (health.Config, time.Duration) {
	n := func(name string) float64 {
		v, _ := settings.Get(name)
		i, _ := v.AsInt()
		return float64(i)
	}
	pct := func(name string) float64 { return n(name) / 100 }
	cfg := health.Config{Alpha: pct("alpha_pct"),
		RTT:   health.Band{High: n("rtt_high_ms"), Low: n("rtt_low_ms")},
		Loss:  health.Band{High: pct("loss_high_pct"), Low: pct("loss_low_pct")},
		Queue: health.Band{High: pct("queue_high_pct"), Low: pct("queue_low_pct")},
		Churn: health.Band{High: n("churn_high_per_min"), Low: n("churn_low_per_min")},
		Hold:  health.Band{High: pct("hold_failure_high_pct"), Low: pct("hold_failure_low_pct")}}
	return cfg, time.Duration(n("poll_interval_ms")) * time.Millisecond
}

func checkLocalHealth(settings effects.Value) (health.Config, time.Duration, error) {
	cfg, poll := localHealthConfig(settings)
	if poll < 100*time.Millisecond {
		return cfg, poll, fmt.Errorf("poll_interval_ms of at least 100, not %d", poll.Milliseconds())
	}
	if err := cfg.Validate(); err != nil {
		return cfg, poll, fmt.Errorf("thresholds where each low is below its high and alpha_pct in 1-100 (%v)", err)
	}
	return cfg, poll, nil
}

func newLocalHealth(env ServiceEnv) (HostedService, error) {
	cfg, poll, err := checkLocalHealth(env.Settings)
	if err != nil {
		return nil, err
	}
	obs, err := health.New(cfg)
	if err != nil {
		return nil, err
	}
	s := &LocalHealth{env: env, obs: obs, poll: poll, logger: env.Logger}
	a := env.Agent
	env.Agent.Router().Observe(func(call *effects.Call, _ effects.Value, err error, elapsed time.Duration) {
		if call.Op != effects.NetworkSendEnvelope {
			return
		}
		if a.Mode().Deterministic() {
			elapsed = -1 // wall time is no part of a seeded run
		}
		s.obs.ObserveSend(elapsed, err)
	})
	return s, nil
}

// Name is overridden by the agent with the block's label.
func (s *LocalHealth) Name() string           { return s.env.Name }
func (s *LocalHealth) Dependencies() []string { return nil }

// Start polls network.connected_peers on the agent's clock, when the
// deployment serves it.
func (s *LocalHealth) Start(ctx context.Context) error {
	s.tracker.Set(lifecycle.Starting, "")
	a := s.env.Agent
	if a.Host().Registry().Has(effects.NetworkConnectedPeers) {
		clock := a.Tasks().Clock()
		s.group = a.Tasks().Group("service-" + s.env.Name)
		err := s.group.Every("churn", s.poll, func(ctx context.Context) error {
			v, err := a.Invoke(ctx, effects.NetworkConnectedPeers, effects.Map(nil))
			if err != nil {
				return err
			}
			var peers []string
			for _, p := range v.Items() {
				if name, ok := p.AsString(); ok {
					peers = append(peers, name)
				}
			}
			s.obs.ObservePeers(peers, clock.Now().UnixMilli())
			return nil
		})
		if err != nil {
			s.tracker.Set(lifecycle.Unhealthy, err.Error())
			return err
		}
	}
	s.tracker.Set(lifecycle.Healthy, "")
	return nil
}

// Stop ends the polling and waits for it (on Shutdown the agent's task
// tree is cancelled first; a failed start of a later service stops this
// one with its task still running).
func (s *LocalHealth) Stop(ctx context.Context) error {
	s.tracker.Set(lifecycle.Stopping, "")
	var err error
	if s.group != nil {
		err = s.group.Stop(ctx)
	}
	s.tracker.Set(lifecycle.Stopped, "")
	return err
}

// Health is the observer's verdict while the service runs: degraded,
// with the reason, when a signal is.
func (s *LocalHealth) Health() lifecycle.Health {
	h := s.tracker.Health()
	if !h.Operational() {
		return h
	}
	return s.obs.Snapshot().Health()
}

// Snapshot is what the observer knows now.
func (s *LocalHealth) Snapshot() health.Snapshot { return s.obs.Snapshot() }

// ObserveQueue reports the fill of an inbound queue (a fraction): the
// input other services feed.
func (s *LocalHealth) ObserveQueue(fill float64) { s.obs.ObserveQueue(fill) }

// ObserveHold reports whether a hold succeeded: the hold service's input.
func (s *LocalHealth) ObserveHold(ok bool) { s.obs.ObserveHold(ok) }

// Reconfigure applies new settings (system.set_config).
func (s *LocalHealth) Reconfigure(settings effects.Value) error {
	cfg, poll, err := checkLocalHealth(settings)
	if err != nil {
		return err
	}
	if poll != s.poll {
		return fmt.Errorf("poll_interval_ms unchanged (%d): the polling task's interval is fixed at start", s.poll.Milliseconds())
	}
	return s.obs.Reconfigure(cfg)
}

func (s *LocalHealth) Invoke(ctx context.Context, call *effects.Call) (effects.Value, error) {
	if err := ctx.Err(); err != nil {
		return effects.Value{}, err
	}
	switch call.Op {
	case effects.LocalHealthSnapshot:
		return s.obs.Snapshot().Value(), nil
	case effects.LocalHealthObserveQueue:
		ppm, _ := call.Arg("fill_ppm").AsInt()
		if ppm < 0 || ppm > 1_000_000 {
			return effects.Value{}, &effects.Error{Code: effects.CodeInvalidArgs, Op: call.Op,
				Message: fmt.Sprintf("fill_ppm = %d: expected 0 (empty) to 1000000 (full)", ppm)}
		}
		s.obs.ObserveQueue(float64(ppm) / 1e6)
		return effects.Null(), nil
	case effects.LocalHealthObserveHold:
		ok, _ := call.Arg("ok").AsBool()
		s.obs.ObserveHold(ok)
		return effects.Null(), nil
	}
	return effects.Value{}, &effects.Error{Code: effects.CodeUnknownOp, Op: call.Op}
}

package health

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/lifecycle"
)

// Signal names one thing the observer watches.
type Signal string

// The signals, in the order Snapshot reports them.
const (
	RTT   Signal = "rtt"   // EMA of send round trips, in milliseconds
	Loss  Signal = "loss"  // EMA of failed sends (1) among sends (0), a fraction
	Queue Signal = "queue" // EMA of the inbound queue's fill, a fraction
	Churn Signal = "churn" // EMA of connected-peer changes per minute
	Hold  Signal = "hold"  // EMA of failed holds (1) among holds (0), a fraction
)

var signals = [...]Signal{RTT, Loss, Queue, Churn, Hold}

// DefaultAlpha weighs each new sample: about the last ten samples count.
const DefaultAlpha = 0.2

// The default bands (AURA-SPEC §5 names the observer and its hysteresis,
// not its thresholds; these are ours). Each recovers at half, or less, of
// where it degrades, so one good sample after a bad run does not clear it.
var (
	DefaultRTT   = Band{High: 800, Low: 400}  // ms
	DefaultLoss  = Band{High: 0.2, Low: 0.05} // a fifth of sends lost
	DefaultQueue = Band{High: 0.8, Low: 0.5}  // inbound queue 80 % full
	DefaultChurn = Band{High: 12, Low: 4}     // peers coming and going, per minute
	DefaultHold  = Band{High: 0.5, Low: 0.2}  // half the holds failing
)

// Config configures an Observer. A zero field takes its default.
type Config struct {
	Alpha float64
	RTT   Band
	Loss  Band
	Queue Band
	Churn Band
	Hold  Band // over the failure fraction
}

func (c Config) withDefaults() Config {
	if c.Alpha == 0 {
		c.Alpha = DefaultAlpha
	}
	for _, f := range []struct {
		b   *Band
		def Band
	}{{&c.RTT, DefaultRTT}, {&c.Loss, DefaultLoss}, {&c.Queue, DefaultQueue}, {&c.Churn, DefaultChurn}, {&c.Hold, DefaultHold}} {
		if *f.b == (Band{}) {
			*f.b = f.def
		}
	}
	return c
}

// Validate checks the configuration, defaults filled: Alpha in (0, 1],
// each band's Low below its High.
func (c Config) Validate() error {
	c = c.withDefaults()
	if !(c.Alpha > 0 && c.Alpha <= 1) {
		return fmt.Errorf("alpha %v: give a weight in (0, 1]", c.Alpha)
	}
	for i, b := range c.bands() {
		if err := b.Validate(); err != nil {
			return fmt.Errorf("%s: %w", signals[i], err)
		}
	}
	return nil
}

func (c Config) bands() [len(signals)]Band { return [...]Band{c.RTT, c.Loss, c.Queue, c.Churn, c.Hold} }

type track struct {
	ema      EMA
	band     Band
	degraded bool
}

func (t *track) add(x float64) {
	t.degraded = t.band.Next(t.degraded, t.ema.Add(x))
}

// Observer is the local health observer. Its methods are safe for
// concurrent use and quick: a Router observer may call them.
type Observer struct {
	mu     sync.Mutex
	tracks [len(signals)]track

	sends, lost  uint64
	holds, fails uint64
	peers        map[string]bool
	polledAt     int64
	polled       bool
}

// New returns an Observer, or why cfg is invalid.
func New(cfg Config) (*Observer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("local health observer: %w", err)
	}
	cfg = cfg.withDefaults()
	o := &Observer{}
	for i, b := range cfg.bands() {
		o.tracks[i] = track{ema: EMA{Alpha: cfg.Alpha}, band: b}
	}
	return o, nil
}

// SendLost classifies a send's outcome: counted is false for a send
// refused before it left (our own guard chain's denial or exhaustion, bad
// arguments): no network saw it. Timeouts and unavailability are lost.
func SendLost(err error) (counted, lost bool) {
	if err == nil {
		return true, false
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true, true
	}
	var ee *effects.Error
	if errors.As(err, &ee) && (ee.Code == effects.CodeTimeout || ee.Code == effects.CodeUnavailable) {
		return true, true
	}
	return false, false
}

// ObserveSend takes one send's outcome and round trip. A negative rtt
// means unknown: the loss counts, the round trip does not (the agent passes
// -1 in the deterministic modes, where wall time is no part of a run).
func (o *Observer) ObserveSend(rtt time.Duration, err error) {
	counted, lost := SendLost(err)
	if !counted {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sends++
	if lost {
		o.lost++
		o.tracks[1].add(1)
		return
	}
	o.tracks[1].add(0)
	if rtt >= 0 {
		o.tracks[0].add(float64(rtt.Microseconds()) / 1000)
	}
}

// ObserveQueue takes the fill of the inbound queue, a fraction (clamped
// to [0, 1]; NaN is ignored). Whatever owns a queue — the transport's
// inbox, a service's backlog — reports it here.
func (o *Observer) ObserveQueue(fill float64) {
	if math.IsNaN(fill) {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.tracks[2].add(min(max(fill, 0), 1))
}

// ObservePeers takes the connected peers at atMS (the agent's clock, in
// milliseconds). The first poll is the baseline; each later one adds the
// peers that came and went since, per minute. A poll not later than the
// last one is ignored.
func (o *Observer) ObservePeers(peers []string, atMS int64) {
	now := make(map[string]bool, len(peers))
	for _, p := range peers {
		now[p] = true
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.polled && atMS <= o.polledAt {
		return
	}
	if o.polled {
		changes := 0
		for p := range now {
			if !o.peers[p] {
				changes++
			}
		}
		for p := range o.peers {
			if !now[p] {
				changes++
			}
		}
		o.tracks[3].add(float64(changes) * 60000 / float64(atMS-o.polledAt))
	}
	o.peers, o.polledAt, o.polled = now, atMS, true
}

// ObserveHold takes whether a hold (custody of an envelope for an offline
// peer) succeeded. The hold service calls it.
func (o *Observer) ObserveHold(ok bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.holds++
	if ok {
		o.tracks[4].add(0)
		return
	}
	o.fails++
	o.tracks[4].add(1)
}

// Snapshot is what the observer knows now.
type Snapshot struct {
	RTTMillis      float64
	Loss           float64
	QueueFill      float64
	ChurnPerMinute float64
	HoldSuccess    float64 // 1 − the failure average; 1 before any hold
	Sends, Lost    uint64
	Holds, Fails   uint64
	// Degraded lists the degraded signals, in the order of the constants.
	Degraded []Signal
	// Reason says why, one clause per degraded signal ("" when none).
	Reason string
}

// Snapshot returns the current averages and verdicts.
func (o *Observer) Snapshot() Snapshot {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := Snapshot{RTTMillis: o.tracks[0].ema.Value(), Loss: o.tracks[1].ema.Value(), QueueFill: o.tracks[2].ema.Value(),
		ChurnPerMinute: o.tracks[3].ema.Value(), HoldSuccess: 1 - o.tracks[4].ema.Value(),
		Sends: o.sends, Lost: o.lost, Holds: o.holds, Fails: o.fails}
	var why []string
	for i := range o.tracks {
		t := &o.tracks[i]
		if !t.degraded {
			continue
		}
		s.Degraded = append(s.Degraded, signals[i])
		why = append(why, fmt.Sprintf("%s %.3g (degraded from %.3g until %.3g)", signals[i], t.ema.Value(), t.band.High, t.band.Low))
	}
	s.Reason = strings.Join(why, "; ")
	return s
}

// Health is Healthy, or Degraded with the reason, as `status` shows it.
func (s Snapshot) Health() lifecycle.Health {
	if len(s.Degraded) == 0 {
		return lifecycle.Health{State: lifecycle.Healthy}
	}
	return lifecycle.Health{State: lifecycle.Degraded, Reason: s.Reason}
}

// Pressure reports whether any signal is degraded: the scheduler-signal
// rule counts degraded local health as pressure.
func (s Snapshot) Pressure() bool { return len(s.Degraded) > 0 }

// Value is the snapshot as system.get_metrics reports it: fractions and
// averages as integers (milliseconds, parts per million, changes per hour)
// so the value stays in the deterministic encoding, which has no floats.
func (s Snapshot) Value() effects.Value {
	deg := make([]effects.Value, len(s.Degraded))
	for i, d := range s.Degraded {
		deg[i] = effects.String(string(d))
	}
	ppm := func(f float64) effects.Value { return effects.Int(int64(math.Round(f * 1e6))) }
	return effects.Map(map[string]effects.Value{
		"rtt_us":           effects.Int(int64(math.Round(s.RTTMillis * 1000))),
		"loss_ppm":         ppm(s.Loss),
		"queue_fill_ppm":   ppm(s.QueueFill),
		"churn_per_hour":   effects.Int(int64(math.Round(s.ChurnPerMinute * 60))),
		"hold_success_ppm": ppm(s.HoldSuccess),
		"sends":            effects.Uint(s.Sends),
		"lost":             effects.Uint(s.Lost),
		"holds":            effects.Uint(s.Holds),
		"hold_failures":    effects.Uint(s.Fails),
		"degraded":         effects.List(deg...),
		"state":            effects.String(string(s.Health().State)),
		"reason":           effects.String(s.Reason),
	})
}

// Reconfigure changes the thresholds and the weight of new samples,
// keeping the averages and the states: a state changes at its next
// sample. An invalid cfg changes nothing.
func (o *Observer) Reconfigure(cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	cfg = cfg.withDefaults()
	o.mu.Lock()
	defer o.mu.Unlock()
	for i, b := range cfg.bands() {
		o.tracks[i].band = b
		o.tracks[i].ema.Alpha = cfg.Alpha
	}
	return nil
}

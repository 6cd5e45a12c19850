package reactive

import "time"

// Clock makes the timers of the batch window. The window is a latency
// bound of the host's own batching, not protocol time, so production,
// testing and simulation all use RealClock (see doc.go); tests inject a
// clock whose timers fire when the test says.
type Clock interface {
	NewTimer(d time.Duration) Timer
}

// Timer is one batch window's timer.
type Timer interface {
	// C delivers once the window has passed.
	C() <-chan time.Time
	// Stop stops the timer; C delivers nothing afterwards.
	Stop() bool
}

// RealClock is the machine's monotonic clock.
type RealClock struct{}

// NewTimer returns a time.Timer.
func (RealClock) NewTimer(d time.Duration) Timer { return realTimer{time.NewTimer(d)} }

type realTimer struct{ t *time.Timer }

func (r realTimer) C() <-chan time.Time { return r.t.C }
func (r realTimer) Stop() bool          { return r.t.Stop() }

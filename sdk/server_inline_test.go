package sdk

import (
	"testing"
	"time"
)

// A call that runs inline longer than the watchdog's grace has the
// reading handed to the pool, also when the watchdog had parked for lack
// of calls: the call wakes it.
func TestWatchdogHandsOnTheReadingOfALongInlineCall(t *testing.T) {
	t.Parallel()
	d := &dispatch{batch: noBatching{}, tasks: make(chan *startedCall), quit: make(chan struct{}), kick: make(chan struct{}, 1)}
	d.wg.Add(1)
	go d.watch()
	defer func() { close(d.quit); d.wg.Wait() }()

	deadline := time.Now().Add(10 * time.Second)
	for !d.parked.Load() { // no call for inlineIdleTicks wake-ups: it parks
		if time.Now().After(deadline) {
			t.Fatal("the watchdog never parked")
		}
		time.Sleep(time.Millisecond) // polling a condition, with a deadline
	}
	for round := range 2 { // woken from parked, then while it ticks
		running := d.beginInline()
		select {
		case task := <-d.tasks: // as an idle goroutine of the pool would
			if task != nil {
				t.Fatalf("round %d: the watchdog handed a call, want the reading (nil)", round)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("round %d: the reading of a long inline call was never handed on", round)
		}
		if d.endInline(running) {
			t.Fatalf("round %d: the call's goroutine still holds the reading after the watchdog handed it on", round)
		}
	}
	if got := d.inline.Load(); got&inlineRunning != 0 {
		t.Fatalf("after the handed-on calls ended the watchdog still sees one running (%b): it would never park", got)
	}
}

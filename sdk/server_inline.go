package sdk

import (
	"sync/atomic"
	"time"

	"github.com/aurahost/aura-host/effects"
)

// A plugin's reader runs the lone calls of the frames it reads itself, one
// after the other (serveFrames): handing each, or the reading, to another
// goroutine would wake an idle thread on every call. While it runs a call
// nobody reads, so a handler that blocks would hold up every later call,
// every cancel entry and the results its batch holds back. The watchdog
// bounds that: it wakes every inlineGrace while calls are being made and,
// finding the same call still running inline as at its last wake-up,
// hands the reading, with the rest of the batch, to the pool; the call's
// goroutine then joins the pool when the call returns. Later calls wait at
// most ≈ 2 × inlineGrace behind a blocked one. With no call for
// inlineIdleTicks wake-ups the watchdog parks, costing nothing, and the
// next inline call wakes it.

// A call that ran inline too long marks its operation slow: for
// slowMemory its calls go straight to the pool, side by side, instead of
// each holding up the reading for inlineGrace first (a batch of calls
// that each wait on the world would otherwise start one per hand-off).
// The mark fades, so that an operation that was slow once, or whose call
// was merely descheduled, runs inline again.

// slowMemory is how long a slow mark lasts.
const slowMemory = time.Second

// slowMark is an operation's slow mark: when it was last set, in
// nanoseconds since the server started (0: never).
type slowMark struct {
	at    atomic.Int64
	epoch time.Time
}

func newSlowMarks(ops map[effects.OpID]*Operation) map[effects.OpID]*slowMark {
	epoch := time.Now()
	marks := make(map[effects.OpID]*slowMark, len(ops))
	for id := range ops {
		marks[id] = &slowMark{epoch: epoch}
	}
	return marks
}

// set marks the operation slow from now; on nil (an unknown operation) it
// does nothing.
func (m *slowMark) set() {
	if m != nil {
		m.at.Store(int64(max(time.Since(m.epoch), 1)))
	}
}

// recent reports whether the operation was marked within slowMemory.
func (m *slowMark) recent() bool {
	if m == nil {
		return false
	}
	at := m.at.Load()
	return at != 0 && time.Since(m.epoch)-time.Duration(at) < slowMemory
}

// inlineGrace is how long a call may run inline before the reading is
// handed on (between one and two of it, by when the watchdog wakes).
const inlineGrace = time.Millisecond

// inlineIdleTicks is how many wake-ups without an inline call the
// watchdog waits before it parks.
const inlineIdleTicks = 50

// The bits of dispatch.inline below the sequence number of the reader's
// latest inline call.
const (
	inlineRunning  = 1 << iota // the call is running
	inlineHanded               // the watchdog handed the reading on during it
	inlineSeqShift = iota
)

// runInline runs c on the reader's goroutine and reports whether the
// reader still reads: false if the watchdog handed the reading on while
// c ran.
func (d *dispatch) runInline(c *startedCall) bool {
	running := d.beginInline()
	d.run(c)
	return d.endInline(running)
}

// beginInline marks an inline call running, waking the watchdog if it
// parked, and returns the mark for endInline.
func (d *dispatch) beginInline() uint64 {
	seq := d.inline.Load()>>inlineSeqShift + 1
	running := seq<<inlineSeqShift | inlineRunning
	d.inline.Store(running)
	if d.parked.Load() { // after the Store: see park
		select {
		case d.kick <- struct{}{}:
		default:
		}
	}
	return running
}

// endInline marks the inline call ended and reports whether its goroutine
// still holds the reading (the watchdog did not hand it on). A handed-on
// call's mark is cleared only if no later inline call has replaced it.
func (d *dispatch) endInline(running uint64) bool {
	if d.inline.CompareAndSwap(running, running&^inlineRunning) {
		return true
	}
	handed := running | inlineHanded
	d.inline.CompareAndSwap(handed, handed&^inlineRunning)
	return false
}

// watch is the watchdog: see above.
func (d *dispatch) watch() {
	defer d.wg.Done()
	t := time.NewTimer(inlineGrace)
	defer t.Stop()
	last, idle := d.inline.Load(), 0
	for {
		select {
		case <-t.C:
		case <-d.quit:
			return
		}
		now := d.inline.Load()
		if now == last && now&inlineRunning != 0 && now&inlineHanded == 0 &&
			d.inline.CompareAndSwap(now, now|inlineHanded) {
			// The same call has run inline since the last wake-up: its
			// operation is marked slow, and the reading, with the calls
			// queued behind it and the results held back, passes to the
			// pool.
			d.handoffs.Add(1)
			d.inlineOp.Load().set()
			d.hand(nil)
		}
		if now == last && now&inlineRunning == 0 {
			idle++
		} else {
			idle = 0
		}
		last = d.inline.Load()
		if idle >= inlineIdleTicks && !d.park() {
			return
		}
		t.Reset(inlineGrace)
	}
}

// park waits for the next inline call; false when reading has ended. The
// Store of parked before the Load of inline, against runInline's Store of
// inline before its Load of parked, makes sure that one of the two sees
// the other: a call that starts as the watchdog parks either finds it
// parked and kicks it, or is seen running and the watchdog does not park.
func (d *dispatch) park() bool {
	d.parked.Store(true)
	defer d.parked.Store(false)
	if d.inline.Load()&inlineRunning != 0 {
		return true
	}
	select {
	case <-d.kick:
		return true
	case <-d.quit:
		return false
	}
}

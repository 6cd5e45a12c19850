package progress

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newClock() *fakeClock { return &fakeClock{time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)} }

const clearLine = "\r\x1b[K"

// drawn is what drawing line writes.
func drawn(line string) string { return "\r" + line + "\x1b[K" }

// TestSweepLine: seeds done of the total, failures, the rate and the ETA,
// redrawn in place no more often than Every, erased by Finish.
func TestSweepLine(t *testing.T) {
	t.Parallel()
	clock := newClock()
	var b strings.Builder
	r := New(&b, Config{Label: "simulate", Unit: "seeds", Total: 200, Failed: "failed", Terminal: true, Now: clock.now})

	clock.advance(2 * time.Second)
	r.Update(Counts{Done: 20, Failed: 1})
	want := drawn("simulate: 20/200 seeds, 1 failed, 10 seeds/s, ETA 18s")
	if b.String() != want {
		t.Fatalf("first line:\ngot  %q\nwant %q", b.String(), want)
	}

	clock.advance(100 * time.Millisecond) // sooner than Every: not redrawn
	r.Update(Counts{Done: 21, Failed: 1})
	if b.String() != want {
		t.Fatalf("redrawn within Every: %q", b.String())
	}

	clock.advance(1900 * time.Millisecond) // 4 s in, 25 done: 6.2 seeds/s, 175 to go
	r.Update(Counts{Done: 25, Failed: 3})
	want += drawn("simulate: 25/200 seeds, 3 failed, 6.2 seeds/s, ETA 28s")
	if b.String() != want {
		t.Fatalf("second line:\ngot  %q\nwant %q", b.String(), want)
	}

	clock.advance(6 * time.Second) // a slow seed: the rate and ETA move on a tick
	r.Tick()
	want += drawn("simulate: 25/200 seeds, 3 failed, 2.5 seeds/s, ETA 1m10s")
	if b.String() != want {
		t.Fatalf("after a tick:\ngot  %q\nwant %q", b.String(), want)
	}

	r.Finish()
	want += clearLine
	clock.advance(time.Minute)
	r.Update(Counts{Done: 200})
	r.Tick()
	r.Finish()
	if b.String() != want {
		t.Fatalf("after Finish:\ngot  %q\nwant %q", b.String(), want)
	}
}

// TestNothingWithoutATerminal: not a byte is written, whatever is called,
// and Wrap hands back the writer itself.
func TestNothingWithoutATerminal(t *testing.T) {
	t.Parallel()
	clock := newClock()
	var b strings.Builder
	r := New(&b, Config{Label: "simulate", Unit: "seeds", Total: 10, Failed: "failed", Now: clock.now})
	for i := range 10 {
		clock.advance(time.Second)
		r.Update(Counts{Done: uint64(i + 1)})
		r.Tick()
	}
	r.Clear()
	stop := r.Start(context.Background(), nil)
	stop()
	r.Finish()
	if r.Active() || b.Len() != 0 {
		t.Errorf("without a terminal it wrote %q (active %v)", b.String(), r.Active())
	}
	if w := r.Wrap(&b); w != &b {
		t.Error("Wrap without a terminal returned another writer")
	}
}

// TestDelayKeepsShortWorkSilent: nothing is drawn before Delay, and
// Finish erases nothing when nothing was drawn.
func TestDelayKeepsShortWorkSilent(t *testing.T) {
	t.Parallel()
	clock := newClock()
	var b strings.Builder
	r := New(&b, Config{Label: "protocol run", Unit: "steps", Terminal: true, Now: clock.now, Delay: time.Second})
	clock.advance(900 * time.Millisecond)
	r.Update(Counts{Done: 40})
	if b.Len() != 0 {
		t.Fatalf("drawn before the delay: %q", b.String())
	}
	quiet := New(&b, Config{Label: "protocol run", Unit: "steps", Terminal: true, Now: clock.now, Delay: time.Second})
	quiet.Update(Counts{Done: 1})
	quiet.Finish()
	if b.Len() != 0 {
		t.Fatalf("short work wrote %q", b.String())
	}

	clock.advance(1100 * time.Millisecond) // 2 s in
	r.Update(Counts{Done: 1234, Note: "56 host calls, last crypto.hash"})
	want := drawn("protocol run: 1234 steps, 617 steps/s, 2s, 56 host calls, last crypto.hash")
	if b.String() != want {
		t.Fatalf("unknown total:\ngot  %q\nwant %q", b.String(), want)
	}
}

// TestWrapErasesTheLineFirst: other output written through Wrap goes on
// a clean line, and the progress line comes back below it.
func TestWrapErasesTheLineFirst(t *testing.T) {
	t.Parallel()
	clock := newClock()
	var b strings.Builder
	r := New(&b, Config{Label: "simulate", Unit: "seeds", Total: 4, Failed: "failed", Terminal: true, Now: clock.now})
	out := r.Wrap(&b)
	clock.advance(time.Second)
	r.Update(Counts{Done: 1, Failed: 1})
	out.Write([]byte("seed 1 failed\n"))
	out.Write([]byte("  rerun it alone\n")) // nothing drawn in between: no second erase
	clock.advance(time.Second)
	r.Update(Counts{Done: 2, Failed: 1})
	want := drawn("simulate: 1/4 seeds, 1 failed, 1.0 seeds/s, ETA 3s") + clearLine + "seed 1 failed\n  rerun it alone\n" +
		drawn("simulate: 2/4 seeds, 1 failed, 1.0 seeds/s, ETA 2s")
	if b.String() != want {
		t.Errorf("got  %q\nwant %q", b.String(), want)
	}
}

// TestRunRedrawsOnEachTick: the counts are polled at each tick, and Run
// returns when its context ends.
func TestRunRedrawsOnEachTick(t *testing.T) {
	t.Parallel()
	clock := newClock()
	var b strings.Builder
	r := New(&b, Config{Label: "protocol run", Unit: "steps", Terminal: true, Now: clock.now})
	ticks := make(chan time.Time, 3)
	for range 3 {
		ticks <- clock.t
	}
	ctx, cancel := context.WithCancel(context.Background())
	polls := 0
	// Run polls in this goroutine: each poll is a second of work, and the
	// second ends the context, so the third tick is never read.
	r.Run(ctx, ticks, func() Counts {
		polls++
		clock.advance(time.Second)
		if polls == 2 {
			cancel()
		}
		return Counts{Done: uint64(polls * 100)}
	})
	want := drawn("protocol run: 100 steps, 100 steps/s, 1s") + drawn("protocol run: 200 steps, 100 steps/s, 2s")
	if polls != 2 || b.String() != want {
		t.Errorf("%d polls, wrote\n%q\nwant\n%q", polls, b.String(), want)
	}
}

// TestLongLinesAreCut: a line never grows past MaxWidth characters,
// which would wrap on the terminal and break the redraw.
func TestLongLinesAreCut(t *testing.T) {
	t.Parallel()
	clock := newClock()
	var b strings.Builder
	r := New(&b, Config{Label: "protocol run", Unit: "steps", Terminal: true, Now: clock.now})
	clock.advance(time.Second)
	r.Update(Counts{Done: 5, Note: "last " + strings.Repeat("é", 100)})
	line := strings.TrimSuffix(strings.TrimPrefix(b.String(), "\r"), "\x1b[K")
	if n := len([]rune(line)); n != MaxWidth || !strings.HasSuffix(line, "…") {
		t.Errorf("line of %d characters: %q", n, line)
	}
}

// TestEveryNegativeDrawsEachUpdate: with Every < 0 every update is drawn,
// however close together.
func TestEveryNegativeDrawsEachUpdate(t *testing.T) {
	t.Parallel()
	clock := newClock()
	var b strings.Builder
	r := New(&b, Config{Label: "simulate", Unit: "seeds", Total: 3, Terminal: true, Now: clock.now, Every: -1})
	for i := 1; i <= 3; i++ {
		clock.advance(time.Millisecond)
		r.Update(Counts{Done: uint64(i)})
	}
	if n := strings.Count(b.String(), "\r"); n != 3 || !strings.HasSuffix(b.String(), drawn("simulate: 3/3 seeds, 1000 seeds/s")) {
		t.Errorf("%d drawings: %q", n, b.String())
	}
}

// TestWrapKeepsTheFileDescriptor: a logger choosing colours by asking
// whether its writer is a terminal asks the wrapped file, and a writer
// that is no file answers with an invalid descriptor (no terminal).
func TestWrapKeepsTheFileDescriptor(t *testing.T) {
	t.Parallel()
	f, err := os.CreateTemp(t.TempDir(), "log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := New(f, Config{Terminal: true})
	w, ok := r.Wrap(f).(interface{ Fd() uintptr })
	if !ok || w.Fd() != f.Fd() {
		t.Errorf("the wrapped file's descriptor is lost (%v)", ok)
	}
	var b strings.Builder
	if w, ok := r.Wrap(&b).(interface{ Fd() uintptr }); !ok || w.Fd() != ^uintptr(0) {
		t.Error("a wrapped buffer has a valid descriptor")
	}
}

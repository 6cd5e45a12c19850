// Package progress draws how far long work has come — a seed sweep, a
// protocol run — as one line on a terminal, redrawn in place at a modest
// rate and erased at the end: "simulate: 37/200 seeds, 2 failed, 12
// seeds/s, ETA 13s".
//
// A Reporter draws only when its Config says the writer is a terminal
// (the caller decides, with isatty or a flag); otherwise it writes
// nothing at all, so piped output and CI logs stay as they were. Time
// comes from Config.Now and redraws from a channel of ticks, so tests
// drive it with a fake clock and a buffer.
//
// It imports nothing of the project.
package progress

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Defaults of a Config.
const (
	// DefaultEvery is how often the line is redrawn at most.
	DefaultEvery = 250 * time.Millisecond
	// MaxWidth is the longest line drawn, in characters: a line wider
	// than the terminal would wrap, and a carriage return would then
	// redraw only its last part.
	MaxWidth = 79
)

// Config is what a Reporter counts and where it draws.
type Config struct {
	// Label starts the line ("simulate").
	Label string
	// Unit names what is counted, in the plural ("seeds", "steps").
	Unit string
	// Total is how many units the work holds; 0 when unknown (then the
	// line has no "of N" and no ETA, and shows the time elapsed).
	Total uint64
	// Failed names the failures when the line shows them ("failed");
	// empty leaves them out.
	Failed string
	// Terminal says the writer is a terminal: without it nothing is ever
	// written.
	Terminal bool
	// Now tells the time (default time.Now).
	Now func() time.Time
	// Delay is how long the work must last before anything is drawn, so
	// short work prints nothing (default 0: draw at the first update).
	Delay time.Duration
	// Every is how often the line is redrawn at most (0: DefaultEvery;
	// negative: at every update and tick, for recordings and tests).
	Every time.Duration
}

// Counts is how far the work has come.
type Counts struct {
	// Done is how many units are done.
	Done uint64
	// Failed is how many of them failed (shown when Config.Failed is set).
	Failed uint64
	// Note is appended to the line, cut to fit ("56 host calls").
	Note string
}

// A Reporter draws one progress line. Its methods are safe for
// concurrent use: a work loop updates it while a ticker redraws it.
type Reporter struct {
	w   io.Writer
	cfg Config

	mu       sync.Mutex
	counts   Counts
	start    time.Time
	lastDraw time.Time
	drawn    bool // a line is on the screen
	finished bool
}

// New starts the progress of work that begins now, drawn on w.
func New(w io.Writer, cfg Config) *Reporter {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Every == 0 {
		cfg.Every = DefaultEvery
	}
	return &Reporter{w: w, cfg: cfg, start: cfg.Now()}
}

// Active reports whether the reporter draws at all.
func (r *Reporter) Active() bool { return r.cfg.Terminal }

// Update records how far the work has come and redraws the line if it
// is due: the work has lasted Config.Delay, and Config.Every has passed
// since the last drawing.
func (r *Reporter) Update(c Counts) {
	if !r.cfg.Terminal {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.counts = c
	r.drawIfDue()
}

// Tick redraws the line with the latest counts if it is due, so the
// rate, ETA and time elapsed move while a slow unit runs.
func (r *Reporter) Tick() {
	if !r.cfg.Terminal {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.drawIfDue()
}

// Run redraws the line at each tick until ctx ends, reading the counts
// from poll when it is not nil. It returns when ctx ends.
func (r *Reporter) Run(ctx context.Context, ticks <-chan time.Time, poll func() Counts) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticks:
			if ctx.Err() != nil {
				return // both were ready: the end wins
			}
			if poll != nil {
				r.Update(poll())
			} else {
				r.Tick()
			}
		}
	}
}

// Start runs Run on a ticker of Config.Every in a goroutine of its own.
// stop ends it and returns once it has ended; it does not erase the line
// (Finish does).
func (r *Reporter) Start(ctx context.Context, poll func() Counts) (stop func()) {
	if !r.cfg.Terminal {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	t := time.NewTicker(max(r.cfg.Every, DefaultEvery))
	go func() {
		defer close(done)
		defer t.Stop()
		r.Run(ctx, t.C, poll)
	}()
	return func() {
		cancel()
		<-done
	}
}

// Clear erases the line, if one is drawn, so that other output can be
// written; the next update draws it again.
func (r *Reporter) Clear() {
	if !r.cfg.Terminal {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.clear()
}

// Finish erases the line for good: nothing is drawn after it.
func (r *Reporter) Finish() {
	if !r.cfg.Terminal {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.clear()
	r.finished = true
}

// Wrap returns a writer that erases the line before each write to w, for
// the other output of the work (logs, results) that goes to the same
// terminal; the next update draws the line again below it. Without a
// terminal it returns w.
func (r *Reporter) Wrap(w io.Writer) io.Writer {
	if !r.cfg.Terminal {
		return w
	}
	return &clearingWriter{r: r, w: w}
}

type clearingWriter struct {
	r *Reporter
	w io.Writer
}

// Fd is the wrapped writer's file descriptor (an invalid one if it has
// none), so that a logger asking whether it writes to a terminal, to
// choose colours, gets the wrapped writer's answer.
func (c *clearingWriter) Fd() uintptr {
	if f, ok := c.w.(interface{ Fd() uintptr }); ok {
		return f.Fd()
	}
	return ^uintptr(0)
}

func (c *clearingWriter) Write(p []byte) (int, error) {
	c.r.mu.Lock()
	defer c.r.mu.Unlock()
	c.r.clear()
	return c.w.Write(p)
}

// clear erases a drawn line; r.mu is held.
func (r *Reporter) clear() {
	if r.drawn {
		io.WriteString(r.w, "\r\x1b[K")
		r.drawn = false
	}
}

// drawIfDue draws the line when it is due; r.mu is held.
func (r *Reporter) drawIfDue() {
	if r.finished {
		return
	}
	now := r.cfg.Now()
	if now.Sub(r.start) < r.cfg.Delay || (!r.lastDraw.IsZero() && now.Sub(r.lastDraw) < r.cfg.Every) {
		return
	}
	r.lastDraw = now
	// Carriage return, the line, then erase what a longer line left.
	io.WriteString(r.w, "\r"+r.line(now)+"\x1b[K")
	r.drawn = true
}

// line renders the progress line at now, as it is drawn.
func (r *Reporter) line(now time.Time) string {
	c, cfg := r.counts, r.cfg
	var b strings.Builder
	b.WriteString(cfg.Label)
	b.WriteString(": ")
	if cfg.Total > 0 {
		fmt.Fprintf(&b, "%d/%d %s", c.Done, cfg.Total, cfg.Unit)
	} else {
		fmt.Fprintf(&b, "%d %s", c.Done, cfg.Unit)
	}
	if cfg.Failed != "" {
		fmt.Fprintf(&b, ", %d %s", c.Failed, cfg.Failed)
	}
	elapsed := now.Sub(r.start)
	if c.Done > 0 && elapsed > 0 {
		rate := float64(c.Done) / elapsed.Seconds()
		fmt.Fprintf(&b, ", %s %s/s", rateString(rate), cfg.Unit)
		if cfg.Total > c.Done {
			eta := time.Duration(float64(cfg.Total-c.Done) / rate * float64(time.Second))
			fmt.Fprintf(&b, ", ETA %s", durationString(eta))
		}
	}
	if cfg.Total == 0 {
		fmt.Fprintf(&b, ", %s", durationString(elapsed))
	}
	if c.Note != "" {
		b.WriteString(", ")
		b.WriteString(c.Note)
	}
	return truncate(b.String(), MaxWidth)
}

// rateString writes a rate with one decimal below 10, whole above.
func rateString(rate float64) string {
	if rate < 10 {
		return fmt.Sprintf("%.1f", rate)
	}
	return fmt.Sprintf("%.0f", rate)
}

// durationString writes d in whole seconds (under a second: "0s").
func durationString(d time.Duration) string {
	return d.Round(time.Second).String()
}

// truncate cuts s to at most n characters, marking the cut with "…".
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	runes := []rune(s)
	return string(runes[:n-1]) + "…"
}

package supervise

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// StderrLimits bound what one plugin's stderr may put into the host's
// log. Lines over the rate are dropped and counted, never queued, and the
// pipe is always drained: a plugin never blocks on its stderr. Zero fields
// take the DefaultStderrLimits values.
type StderrLimits struct {
	// LinesPerSecond and BytesPerSecond refill the token buckets; a line
	// is forwarded only if both hold enough (one line, its bytes).
	LinesPerSecond int
	BytesPerSecond int
	// BurstLines and BurstBytes are the buckets' sizes: what a plugin may
	// write at once after a quiet spell (a start-up, a panic trace).
	BurstLines int
	BurstBytes int
	// MaxLineBytes cuts a longer line, saying how much was cut.
	MaxLineBytes int
	// NoticeInterval is how often at most the count of dropped lines is
	// written ("N lines (M bytes) of PLUGIN stderr dropped"): before the
	// first line forwarded after a drop once the interval has passed since
	// the last count, and at the end of the stream. Under a steady flood
	// the log so gets one count per interval, not one per forwarded line.
	NoticeInterval time.Duration
	// QueueLines is how many forwarded lines may wait for the log to take
	// them; past it lines are dropped (a slow log never stalls the
	// plugin).
	QueueLines int
}

// DefaultStderrLimits are the limits of a plugin's stderr unless
// Config.StderrLimits sets others.
var DefaultStderrLimits = StderrLimits{
	LinesPerSecond: 1000,
	BytesPerSecond: 256 << 10,
	BurstLines:     2000,
	BurstBytes:     1 << 20,
	MaxLineBytes:   16 << 10,
	NoticeInterval: time.Second,
	QueueLines:     1024,
}

func (l StderrLimits) withDefaults() StderrLimits {
	d := DefaultStderrLimits
	pick := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	pick(&l.LinesPerSecond, d.LinesPerSecond)
	pick(&l.BytesPerSecond, d.BytesPerSecond)
	pick(&l.BurstLines, d.BurstLines)
	pick(&l.BurstBytes, d.BurstBytes)
	pick(&l.MaxLineBytes, d.MaxLineBytes)
	pick(&l.QueueLines, d.QueueLines)
	if l.NoticeInterval <= 0 {
		l.NoticeInterval = d.NoticeInterval
	}
	return l
}

// filterStderr sits between a plugin's stderr and go-plugin's log
// forwarder. It rate-limits what reaches the log (StderrLimits: token
// buckets of lines and bytes, a cap on one line, a count of what was
// dropped), and guards the forwarder, which trusts what it reads in two
// ways that a plugin must not be able to exploit:
//
//   - it type-asserts @message, @level and @timestamp of a JSON line to
//     strings, so `{"@message":42}` would panic the host: such lines are
//     rewritten with those fields as strings;
//   - it logs plain-text lines at debug, hiding a crashing plugin's own
//     error at the default level: plain lines (outside a panic trace, which
//     go-plugin handles itself) are marked [WARN].
//
// src is read to its end whatever happens downstream: the lines go through
// a bounded queue to the returned reader, and a line that finds the queue
// full is dropped like one over the rate. now is the clock of the buckets
// (time.Now in production). The returned reader ends when src does.
func filterStderr(src io.ReadCloser, plugin string, limits StderrLimits, now func() time.Time) io.ReadCloser {
	limits = limits.withDefaults()
	pr, pw := io.Pipe()
	queue := make(chan []byte, limits.QueueLines)
	var readErr error // set before queue is closed
	// The writer: the log may be slow, the reader never waits for it.
	go func() {
		for line := range queue {
			if _, err := pw.Write(line); err != nil {
				break
			}
		}
		for range queue { // the log went away: keep the reader unblocked
		}
		pw.CloseWithError(readErr)
	}()
	go func() {
		defer src.Close()
		f := &stderrForwarder{plugin: plugin, limits: limits, now: now, queue: queue}
		f.lines.init(limits.BurstLines, limits.LinesPerSecond, now())
		f.bytes.init(limits.BurstBytes, limits.BytesPerSecond, now())
		readErr = f.run(bufio.NewReaderSize(src, 64*1024))
		f.notice(true)
		close(queue)
	}()
	return pr
}

// stderrForwarder is filterStderr's reading side.
type stderrForwarder struct {
	plugin  string
	limits  StderrLimits
	now     func() time.Time
	queue   chan []byte
	lines   tokenBucket
	bytes   tokenBucket
	inPanic bool

	droppedLines, droppedBytes int64
	lastNotice                 time.Time // zero before the first
}

// run reads src line by line to its end and returns the read error (nil
// at EOF).
func (f *stderrForwarder) run(r *bufio.Reader) error {
	for {
		line, cut, err := readCappedLine(r, f.limits.MaxLineBytes)
		if len(line) == 0 && cut == 0 && err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		f.forward(line, cut)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

// forward applies the limits to one line (without its newline; cut bytes
// were removed from its end) and queues what passes.
func (f *stderrForwarder) forward(line []byte, cut int) {
	size := len(line) + cut + 1
	var out []byte
	if cut > 0 {
		out = fmt.Appendf(append([]byte("[WARN] "), line...), " … (line cut: %d more bytes)", cut)
	} else {
		out, f.inPanic = sanitizeLine(line, f.inPanic)
	}
	out = append(out, '\n')
	t := f.now()
	if !takeBoth(&f.lines, 1, &f.bytes, len(out), t) {
		f.drop(size)
		return
	}
	if f.lastNotice.IsZero() || t.Sub(f.lastNotice) >= f.limits.NoticeInterval {
		f.notice(false) // forwarding resumes: say first what was lost
	}
	select {
	case f.queue <- out:
	default:
		f.drop(size)
	}
}

// drop counts a line of size bytes (its newline included) not forwarded.
func (f *stderrForwarder) drop(size int) {
	f.droppedLines++
	f.droppedBytes += int64(size)
}

// notice writes the count of dropped lines, if any, and starts a new
// count. At the end of the stream (final) it waits for room in the queue;
// otherwise a full queue keeps the count for the next notice.
func (f *stderrForwarder) notice(final bool) {
	if f.droppedLines == 0 {
		return
	}
	msg := fmt.Appendf(nil, "[WARN] %d lines (%d bytes) of %s stderr dropped: over the limit of %d lines/s and %d bytes/s\n",
		f.droppedLines, f.droppedBytes, f.plugin, f.limits.LinesPerSecond, f.limits.BytesPerSecond)
	if final {
		f.queue <- msg
	} else {
		select {
		case f.queue <- msg:
		default:
			return
		}
	}
	f.droppedLines, f.droppedBytes = 0, 0
	f.lastNotice = f.now()
}

// readCappedLine reads one line, without its newline, keeping at most max
// bytes of it and reading past the rest (cut is how many bytes were
// skipped). err is the read error that ended the line, if any (io.EOF for
// a last line without a newline).
func readCappedLine(r *bufio.Reader, max int) (line []byte, cut int, err error) {
	for {
		chunk, err := r.ReadSlice('\n')
		full := errors.Is(err, bufio.ErrBufferFull)
		if !full && err == nil {
			chunk = chunk[:len(chunk)-1]
		}
		if room := max - len(line); room > 0 {
			take := min(room, len(chunk))
			line = append(line, chunk[:take]...)
			cut += len(chunk) - take
		} else {
			cut += len(chunk)
		}
		if !full {
			return line, cut, err
		}
	}
}

// tokenBucket holds up to size tokens, refilled at rate per second.
type tokenBucket struct {
	size, rate float64
	tokens     float64
	last       time.Time
}

func (b *tokenBucket) init(size, rate int, now time.Time) {
	b.size, b.rate, b.tokens, b.last = float64(size), float64(rate), float64(size), now
}

func (b *tokenBucket) refill(now time.Time) {
	if d := now.Sub(b.last); d > 0 {
		b.tokens = min(b.size, b.tokens+d.Seconds()*b.rate)
		b.last = now
	}
}

// takeBoth removes n tokens from a and m from b if both hold them at time
// now, and nothing otherwise.
func takeBoth(a *tokenBucket, n int, b *tokenBucket, m int, now time.Time) bool {
	a.refill(now)
	b.refill(now)
	if a.tokens < float64(n) || b.tokens < float64(m) {
		return false
	}
	a.tokens -= float64(n)
	b.tokens -= float64(m)
	return true
}

var levelPrefixes = [][]byte{[]byte("[TRACE]"), []byte("[DEBUG]"), []byte("[INFO]"), []byte("[WARN]"), []byte("[ERROR]")}

func sanitizeLine(line []byte, inPanic bool) ([]byte, bool) {
	trimmed := bytes.TrimSpace(line)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		var raw map[string]any
		if json.Unmarshal(trimmed, &raw) == nil {
			return sanitizeJSON(raw, line), inPanic
		}
	}
	if bytes.HasPrefix(line, []byte("panic: ")) || bytes.HasPrefix(line, []byte("fatal error: ")) {
		return line, true
	}
	if inPanic || len(trimmed) == 0 {
		return line, inPanic
	}
	for _, p := range levelPrefixes {
		if bytes.HasPrefix(line, p) {
			return line, false
		}
	}
	return append([]byte("[WARN] "), line...), false
}

// sanitizeJSON makes the hclog fields of a JSON line strings, and drops a
// timestamp go-plugin could not parse, re-encoding only when needed.
func sanitizeJSON(raw map[string]any, line []byte) []byte {
	changed := false
	for _, k := range []string{"@message", "@level"} {
		if v, ok := raw[k]; ok {
			if _, isString := v.(string); !isString {
				b, _ := json.Marshal(v)
				raw[k] = string(b)
				changed = true
			}
		}
	}
	if v, ok := raw["@timestamp"]; ok {
		s, isString := v.(string)
		if _, err := time.Parse("2006-01-02T15:04:05.000000Z07:00", s); !isString || err != nil {
			delete(raw, "@timestamp")
			changed = true
		}
	}
	if !changed {
		return line
	}
	out, err := json.Marshal(raw)
	if err != nil {
		return line
	}
	return out
}

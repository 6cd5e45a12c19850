package supervise

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestFilterStderr(t *testing.T) {
	in := strings.Join([]string{
		`{"@level":"info","@message":42,"@timestamp":"2026-01-01T00:00:00.000000Z"}`,
		`{"@level":["x"],"@message":"hi","@timestamp":7}`,
		`{"@level":"info","@message":"fine","@timestamp":"2026-01-01T00:00:00.000000Z"}`,
		`cannot open config: no such file`,
		`[ERROR] already levelled`,
		`panic: boom`,
		`goroutine 1 [running]:`,
		``,
	}, "\n")
	out, err := io.ReadAll(filterStderr(io.NopCloser(strings.NewReader(in)), "p", StderrLimits{}, time.Now))
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		`{"@level":"info","@message":"42","@timestamp":"2026-01-01T00:00:00.000000Z"}`,
		`{"@level":"[\"x\"]","@message":"hi"}`,
		`{"@level":"info","@message":"fine","@timestamp":"2026-01-01T00:00:00.000000Z"}`,
		`[WARN] cannot open config: no such file`,
		`[ERROR] already levelled`,
		`panic: boom`,
		`goroutine 1 [running]:`,
		``,
	}, "\n")
	if string(out) != want {
		t.Fatalf("got:\n%s\nwant:\n%s", out, want)
	}
}

// fakeClock is a clock the test moves; the stderr buckets refill only
// when it does, so what passes does not depend on how fast the machine is.
type fakeClock struct{ ns atomic.Int64 }

func (c *fakeClock) now() time.Time { return time.Unix(0, c.ns.Load()) }

// A plugin writing 100 MB to stderr as fast as it can is never blocked —
// not even while the log takes nothing — and the log gets the burst, then
// one line counting exactly what was dropped.
func TestStderrFloodIsBoundedAndCounted(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{}
	limits := StderrLimits{LinesPerSecond: 10, BytesPerSecond: 1 << 20, BurstLines: 50, BurstBytes: 1 << 20, MaxLineBytes: 1024, NoticeInterval: time.Hour}
	out := filterStderr(r, "flood", limits, clock.now)
	defer out.Close()

	const lineLen, total = 100, 100 << 20
	line := strings.Repeat("x", lineLen-1) + "\n"
	chunk := []byte(strings.Repeat(line, 64<<10/lineLen))
	lines := 0
	done := make(chan error, 1)
	go func() {
		for written := 0; written < total; written += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				done <- err
				return
			}
			lines += len(chunk) / lineLen
		}
		done <- nil
	}()
	// Nothing reads the log until the plugin has written everything: a
	// filter that waited for the log would block the plugin here.
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("the plugin is blocked writing to stderr")
	}
	w.Close()
	got, err := io.ReadAll(out)
	if err != nil {
		t.Fatal(err)
	}
	if max := 64 << 10; len(got) > max {
		t.Fatalf("%d bytes reached the log from %d written: want at most %d", len(got), total, max)
	}
	logged := strings.Split(strings.TrimSuffix(string(got), "\n"), "\n")
	if len(logged) != limits.BurstLines+1 {
		t.Fatalf("%d lines reached the log, want the burst of %d and the count of what was dropped", len(logged), limits.BurstLines)
	}
	dropped := lines - limits.BurstLines
	wantNotice := fmt.Sprintf("[WARN] %d lines (%d bytes) of flood stderr dropped", dropped, dropped*lineLen)
	if notice := logged[limits.BurstLines]; !strings.HasPrefix(notice, wantNotice) {
		t.Fatalf("notice %q, want it to start %q", notice, wantNotice)
	}
}

// A line longer than MaxLineBytes reaches the log cut, saying how much was
// cut, and the next line is whole.
func TestStderrLongLineIsCut(t *testing.T) {
	in := strings.Repeat("y", 1<<20) + "\nnext\n"
	limits := StderrLimits{MaxLineBytes: 100}
	got, err := io.ReadAll(filterStderr(io.NopCloser(strings.NewReader(in)), "p", limits, time.Now))
	if err != nil {
		t.Fatal(err)
	}
	want := "[WARN] " + strings.Repeat("y", 100) + fmt.Sprintf(" … (line cut: %d more bytes)\n", 1<<20-100) + "[WARN] next\n"
	if string(got) != want {
		t.Fatalf("got %d bytes %.200q…, want %.200q…", len(got), got, want)
	}
}

// The count of dropped lines is written before the next line forwarded,
// at most once per NoticeInterval, and at the end of the stream.
func TestStderrDropCountedWhenForwardingResumes(t *testing.T) {
	clock := &fakeClock{}
	limits := StderrLimits{LinesPerSecond: 1, BurstLines: 2, NoticeInterval: 1500 * time.Millisecond}.withDefaults()
	queue := make(chan []byte, 100)
	f := &stderrForwarder{plugin: "p", limits: limits, now: clock.now, queue: queue}
	f.lines.init(limits.BurstLines, limits.LinesPerSecond, clock.now())
	f.bytes.init(limits.BurstBytes, limits.BytesPerSecond, clock.now())
	at := func(ms int, lines ...string) {
		clock.ns.Store(int64(ms) * int64(time.Millisecond))
		for _, l := range lines {
			f.forward([]byte(l), 0)
		}
	}
	at(0, "a", "b", "c", "d") // the burst, then two dropped
	at(500, "e")              // half a token: dropped
	at(1000, "f")             // a token: forwarded, after the count
	at(1250, "g")
	at(1500, "h")
	at(2000, "i")      // forwarded; the last count was 1 s ago: none yet
	at(2000, "j")      // dropped
	at(3000, "k", "l") // k forwarded after the count of g, h, j; l dropped
	f.notice(true)     // the end of the stream
	close(queue)
	var got []string
	for l := range queue {
		got = append(got, strings.TrimSuffix(string(l), "\n"))
	}
	tail := fmt.Sprintf(" stderr dropped: over the limit of %d lines/s and %d bytes/s", limits.LinesPerSecond, limits.BytesPerSecond)
	want := []string{"[WARN] a", "[WARN] b",
		"[WARN] 3 lines (6 bytes) of p" + tail, "[WARN] f",
		"[WARN] i",
		"[WARN] 3 lines (6 bytes) of p" + tail, "[WARN] k",
		"[WARN] 1 lines (2 bytes) of p" + tail}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("log (-want +got):\n%s", diff)
	}
}

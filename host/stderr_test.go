package host_test

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
)

// floodLog counts what a host logs: every byte, the plugin's flood lines,
// and the counts of dropped lines.
type floodLog struct {
	mu           sync.Mutex
	bytes        int
	floodLines   int
	droppedLines int
	droppedBytes int
	notices      []string
}

var droppedNotice = regexp.MustCompile(`(\d+) lines \((\d+) bytes\) of tp stderr dropped`)

func (l *floodLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.bytes += len(p)
	s := string(p)
	l.floodLines += strings.Count(s, strings.Repeat("x", 99))
	for _, m := range droppedNotice.FindAllStringSubmatch(s, -1) {
		n, _ := strconv.Atoi(m[1])
		b, _ := strconv.Atoi(m[2])
		l.droppedLines += n
		l.droppedBytes += b
		l.notices = append(l.notices, m[0])
	}
	return len(p), nil
}

// A plugin that writes 100 MB to its stderr as fast as it can finishes
// writing (it is never blocked on the pipe), the host's log stays a small
// fraction of it, and the log says how many lines were dropped: with the
// lines forwarded, every line the plugin wrote is accounted for.
func TestPluginStderrFloodIsRateLimited(t *testing.T) {
	log := &floodLog{}
	logger := hclog.New(&hclog.LoggerOptions{Level: hclog.Info, Output: log})
	h, err := host.New(host.Config{Deployment: deployment(t, testDeployment), Executable: auraHost, Logger: logger,
		StopTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := h.Start(ctx); err != nil {
		t.Fatal(err)
	}
	const lines = 1 << 20 // of 100 bytes: 100 MiB
	v, err := h.Invoke(ctx, call("test.flood_stderr", map[string]effects.Value{"lines": effects.Int(lines)}))
	if err != nil {
		t.Fatalf("flood: %v (the plugin must never block on its stderr)", err)
	}
	if n, _ := v.AsInt(); n != lines {
		t.Fatalf("flood wrote %d lines, want %d", n, lines)
	}
	// The plugin's exit ends its stderr: what is still counted is logged.
	shutdownHost(t, h)
	log.mu.Lock()
	defer log.mu.Unlock()
	t.Logf("logged %d bytes: %d flood lines, %d dropped (%d bytes) in %d notices", log.bytes, log.floodLines,
		log.droppedLines, log.droppedBytes, len(log.notices))
	if limit := 10 << 20; log.bytes > limit {
		t.Fatalf("the host logged %d bytes of a 100 MiB stderr flood: want at most %d", log.bytes, limit)
	}
	if len(log.notices) == 0 {
		t.Fatal("no line says how many stderr lines were dropped")
	}
	if log.floodLines+log.droppedLines != lines || log.droppedBytes != 100*log.droppedLines {
		t.Fatalf("%d lines forwarded + %d dropped (%d bytes): want %d lines of 100 bytes in all", log.floodLines,
			log.droppedLines, log.droppedBytes, lines)
	}
}

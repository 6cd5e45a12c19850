package main_test

import (
	"regexp"
	"strings"
	"testing"
)

// progressLine is one drawing of the progress line: a carriage return,
// the line, and an erase to the end of the line.
var progressLine = regexp.MustCompile("\r([^\r\x1b]*)\x1b\\[K")

// A seed sweep draws its progress line on stderr only when asked to (or
// on a terminal): piped, stderr holds none of it; with --progress always
// each drawing counts the seeds of the range and the failures, and the
// last thing written is the erase that leaves the terminal clean.
func TestSimulateSweepProgress(t *testing.T) {
	dep := slowDeployment(t) // every seed fails: the failures are counted
	_, stderr, code := cli(t, "simulate", dep, "--seeds", "1..3")
	if code != 1 || strings.ContainsAny(stderr, "\r\x1b") || strings.Contains(stderr, "seeds,") {
		t.Errorf("piped sweep: exit %d, stderr has progress:\n%q", code, stderr)
	}

	out, stderr, code := cli(t, "simulate", dep, "--seeds", "1..3", "--progress", "always")
	if code != 1 || !strings.Contains(out, "0 ok, 3 failed") {
		t.Fatalf("sweep: exit %d\n%s", code, out)
	}
	lines := progressLine.FindAllStringSubmatch(stderr, -1)
	if len(lines) == 0 || !strings.HasSuffix(stderr, "\r\x1b[K") {
		t.Fatalf("no progress line, or not erased at the end:\n%q", stderr)
	}
	shape := regexp.MustCompile(`^simulate: (\d)/3 seeds, (\d) failed(, [0-9.]+ seeds/s(, ETA \S+)?)?$`)
	drawnSeed := false
	for _, l := range lines {
		if l[1] == "" {
			continue // the erase
		}
		m := shape.FindStringSubmatch(l[1])
		if m == nil || m[1] != m[2] {
			t.Errorf("progress line %q: want seeds done of 3, each failed", l[1])
		}
		drawnSeed = drawnSeed || m != nil && m[1] != "0"
	}
	if !drawnSeed {
		t.Errorf("no line counted a finished seed:\n%q", stderr)
	}
	if strings.Contains(out, "\r") {
		t.Errorf("progress went to stdout:\n%q", out)
	}
	if _, stderr, code := cli(t, "simulate", dep, "--seeds", "1..3", "--progress", "sometimes"); code != 1 || !strings.Contains(stderr, "want auto, always or never") {
		t.Errorf("--progress sometimes: exit %d, %s", code, stderr)
	}
}

// A protocol run draws its line (steps, host calls) with --progress always,
// erased at the end, and none when piped.
func TestProtocolRunProgress(t *testing.T) {
	dep := protocolsDeployment(t)
	_, stderr, code := cli(t, "protocol", "run", exampleProtocol("ping_pong"), "-d", dep)
	if code != 0 || strings.ContainsAny(stderr, "\r\x1b") {
		t.Errorf("piped run: exit %d, stderr has progress:\n%q", code, stderr)
	}
	out, stderr, code := cli(t, "protocol", "run", exampleProtocol("ping_pong"), "-d", dep, "--progress", "always")
	if code != 0 || !strings.Contains(out, "done") {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, stderr)
	}
	lines := progressLine.FindAllStringSubmatch(stderr, -1)
	shape := regexp.MustCompile(`^protocol run: \d+ steps, (\S+ steps/s, )?\d+s, \d+ host calls, last `)
	if len(lines) < 2 || !shape.MatchString(lines[0][1]) || lines[len(lines)-1][1] != "" {
		t.Errorf("want progress lines ending with the erase:\n%q", stderr)
	}
}

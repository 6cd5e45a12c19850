package main_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestRunRefusesATakenMetricsPort: when the telemetry block's prometheus
// address is taken, run stops at once with a diagnostic at that line
// naming the address, before any plugin starts.
func TestRunRefusesATakenMetricsPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	path := quickstart(t)
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Count(string(src), "\n")
	src = append(src, fmt.Sprintf("\ntelemetry {\n  prometheus = %q\n}\n", ln.Addr())...)
	if err := os.WriteFile(path, src, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, auraHost, "run", path)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("run served with its metrics port taken\nstdout:\n%s\nstderr:\n%s", &out, &errOut)
	}
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("run: %v, want exit 1\nstderr:\n%s", err, &errOut)
	}
	where := fmt.Sprintf("deployment.hcl:%d", lines+3) // the prometheus line
	if s := errOut.String(); !strings.Contains(s, "Cannot serve metrics") || !strings.Contains(s, ln.Addr().String()) || !strings.Contains(s, where) {
		t.Errorf("stderr does not name the address %s at %s:\n%s", ln.Addr(), where, s)
	}
	if strings.Contains(out.String(), "PLUGIN") {
		t.Errorf("plugins started before the metrics port was checked:\n%s", &out)
	}
}

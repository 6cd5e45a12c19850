package main_test

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// watch prints a signal of the running host now and at each change: a
// fact appended with `aura-host invoke` shows as the next line; the watch
// ends with status 1 when the host stops.
func TestWatchPrintsASignalAsFactsCommit(t *testing.T) {
	src, err := os.ReadFile("../../examples/reactive/deployment.hcl")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "deployment.hcl")
	if err := os.WriteFile(file, src, 0o600); err != nil {
		t.Fatal(err)
	}
	rh := startRun(t, file)
	watch := exec.Command(auraHost, "watch", file, "invites", "--json")
	stdout, err := watch.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	watch.Stderr = &stderr
	if err := watch.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = watch.Process.Kill(); _ = watch.Wait() })
	lines := bufio.NewScanner(stdout)
	next := func() string {
		t.Helper()
		if !lines.Scan() {
			t.Fatalf("watch printed no line; stderr:\n%s", stderr.String())
		}
		return lines.Text()
	}
	if got := next(); got != `{"signal":"invites","value":{"int":"0"}}` {
		t.Fatalf("first line %s", got)
	}
	fact := `fact={"map":{"type":"demo","predicate":"invited","authority":"alice","time":{"int":"1"},"body":"bob"}}`
	mustCLI(t, "invoke", file, "journal.append_fact", fact)
	if got := next(); got != `{"signal":"invites","value":{"int":"1"}}` {
		t.Fatalf("after an append: %s", got)
	}
	if err := rh.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err = watch.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(stderr.String(), "the host ended the watch") {
		t.Fatalf("watch after the host stopped: %v\nstderr:\n%s", err, stderr.String())
	}
}

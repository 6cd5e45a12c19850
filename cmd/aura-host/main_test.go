package main_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// auraHost is the CLI, built once in TestMain and driven as a user would.
var auraHost string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "aura-host-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	auraHost = filepath.Join(dir, "aura-host")
	build := exec.Command("go", "build", "-o", auraHost, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build aura-host:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// quickstart copies the quickstart deployment into a fresh directory, so
// that its state (storage database) is private to the test.
func quickstart(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile("../../examples/quickstart/deployment.hcl")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "deployment.hcl")
	if err := os.WriteFile(path, src, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// cli runs aura-host to completion and returns stdout, stderr and the exit
// status.
func cli(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(auraHost, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run aura-host %v: %v", args, err)
	}
	return out.String(), errOut.String(), code
}

// mustCLI runs aura-host and fails the test unless it exits 0.
func mustCLI(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, code := cli(t, args...)
	if code != 0 {
		t.Fatalf("aura-host %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// fields parses "name: value" lines of invoke's output.
func fields(out string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if k, v, ok := strings.Cut(line, ": "); ok {
			m[k] = v
		}
	}
	return m
}

// runningHost is `aura-host run` in the background.
type runningHost struct {
	cmd    *exec.Cmd
	pids   map[string]int // plugin name → PID, from the status table
	lines  []string       // what it printed up to and including "is serving"
	stderr *bytes.Buffer
}

var tableRow = regexp.MustCompile(`^(\S+)\s+(\S+)\s+(\d+)\s+(\S+)\s+(\d+)$`)

// startRun starts `aura-host run FILE` and waits until it reports that the
// deployment is serving, reading the plugin table it prints first.
func startRun(t *testing.T, file string) *runningHost {
	t.Helper()
	cmd := exec.Command(auraHost, "run", file)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	rh := &runningHost{cmd: cmd, pids: map[string]int{}, stderr: &stderr}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	serving := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			rh.lines = append(rh.lines, line)
			if m := tableRow.FindStringSubmatch(line); m != nil && m[2] == "ready" {
				pid, _ := strconv.Atoi(m[3])
				rh.pids[m[1]] = pid
			}
			if strings.Contains(line, "is serving") {
				serving <- nil
				_, _ = io.Copy(io.Discard, stdout)
				return
			}
		}
		serving <- fmt.Errorf("aura-host run ended before serving")
	}()
	select {
	case err := <-serving:
		if err != nil {
			_ = cmd.Wait()
			t.Fatalf("%v\nstderr:\n%s", err, stderr.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("aura-host run did not report serving within 60s\nstderr:\n%s", stderr.String())
	}
	return rh
}

// processGone reports whether pid has exited (gone, or a zombie).
func processGone(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil {
		return true
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] == 'Z'
}

// waitGone polls until every process has exited, failing after limit.
func waitGone(t *testing.T, pids map[string]int, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for name, pid := range pids {
		for !processGone(pid) {
			if time.Now().After(deadline) {
				t.Fatalf("plugin %s (pid %d) still running %v after the host ended", name, pid, limit)
			}
			time.Sleep(10 * time.Millisecond) // polling the kernel; nothing to wait on
		}
	}
}

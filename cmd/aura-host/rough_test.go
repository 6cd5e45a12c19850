package main_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

// A plugin that cannot start is reported once, as the Error: with its
// hint, by every command that starts plugins — not first as a WARN log.
func TestLaunchErrorIsPrintedOnce(t *testing.T) {
	dir := t.TempDir()
	notPlugin := filepath.Join(dir, "not-a-plugin")
	if err := os.WriteFile(notPlugin, []byte("#!/bin/sh\necho hello\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("something else"))
	for _, tc := range []struct{ name, block, once string }{
		{"missing", `command = "./no-such-plugin"
  allow_unpinned = true`, "plugin binary not found"},
		{"wrong checksum", `command = "./not-a-plugin"
  sha256 = "` + hex.EncodeToString(sum[:]) + `"`, "checksum mismatch"},
		{"no handshake", `command = "./not-a-plugin"
  allow_unpinned = true`, "did not print the plugin handshake"},
	} {
		file := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".hcl")
		src := "deployment \"once\" {\n  mode = \"production\"\n  state_dir = \"state\"\n}\n\nplugin \"crypto\" {\n  builtin = \"crypto\"\n}\n\nplugin \"ext\" {\n  " + tc.block + "\n}\n"
		if err := os.WriteFile(file, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{
			{"run", file},
			{"invoke", file, "crypto.hash", "data=00"},
			{"validate", file},
			{"protocol", "run", exampleProtocol("ping_pong"), "-d", file},
		} {
			_, stderr, code := cli(t, args...)
			if code != 1 || strings.Count(stderr, tc.once) != 1 || !strings.Contains(stderr, `Error: plugin "ext"`) || strings.Contains(stderr, "[WARN]") {
				t.Errorf("%s: aura-host %s: exit %d, want 1 and %q once, after Error:, and no WARN log\n%s", tc.name, args[0], code, tc.once, stderr)
			}
		}
	}
}

// Argument mistakes name the argument, its value, the kind wanted and an
// example, never a Go parser's words; so do flags.
func TestArgumentErrorsAreHuman(t *testing.T) {
	file := quickstart(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"invoke", file, "clock.sleep_ms", "ms=abc"}, "argument ms=abc: want an int: a whole number"},
		{[]string{"invoke", file, "clock.sleep_ms", "ms=99999999999999999999"}, "argument ms=99999999999999999999: out of range"},
		{[]string{"invoke", file, "clock.logical_advance", "observed=-1"}, "argument observed=-1: want a uint"},
		{[]string{"invoke", file, "clock.logical_advance", "observed"}, `argument "observed": want NAME=VALUE, e.g. observed=32`},
		{[]string{"invoke", file, "crypto.frost_dkg_route", "shares=[1", "from=1", "to=2"}, "argument shares=[1: want list in the JSON value form (the JSON ends early)"},
		{[]string{"invoke", file, "crypto.frost_dkg_route", `shares={"list":[{"int":"x"}]}`, "from=1", "to=2"}, `{"int":"x"}: want a whole number`},
		{[]string{"invoke", file, "crypto.hash", "--timeout", "3x", "data=00"}, `--timeout "3x": want a duration such as 300ms`},
		{[]string{"simulate", file, "--seed", "abc"}, `--seed "abc": want a whole number, 0 or more`},
	} {
		_, stderr, code := cli(t, tc.args...)
		if code != 1 || !strings.Contains(stderr, tc.want) || strings.Contains(stderr, "strconv") || strings.Contains(stderr, "invalid syntax") {
			t.Errorf("aura-host %s: exit %d, want 1 and %q without Go's words:\n%s", strings.Join(tc.args[2:], " "), code, tc.want, stderr)
		}
	}
}

// The call's own deadline is what a timed-out invoke reports, whichever
// side notices it first, both into a fresh deployment and through the
// running host's admin endpoint. clock.sleep_ms blocks until cancelled.
func TestInvokeTimeoutIsTheCallsTimeout(t *testing.T) {
	file := quickstart(t)
	check := func(where string) {
		t.Helper()
		for range 3 {
			_, stderr, code := cli(t, "invoke", file, "clock.sleep_ms", "ms=600000", "--timeout", "300ms")
			if code != 1 || !strings.Contains(stderr, "Error: timed out after 300ms calling clock.sleep_ms: ") || strings.Contains(stderr, "admin endpoint") {
				t.Fatalf("%s: exit %d, stderr:\n%s", where, code, stderr)
			}
		}
	}
	check("a fresh deployment")
	rh := startRun(t, file)
	check("through the running host")
	if err := rh.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	_ = rh.cmd.Wait()
}

// Values beyond the command line's 128 KiB per argument come from a file
// (NAME=@PATH, raw bytes for a bytes argument) or, as one JSON object,
// from stdin (--args-json -).
func TestInvokeReadsArgumentsFromFilesAndStdin(t *testing.T) {
	file := quickstart(t)
	dir := t.TempDir()
	big := bytes.Repeat([]byte{0, 1, 0xfe, 0xff, '\n'}, 60_000) // 300 KB
	bigFile := filepath.Join(dir, "big.bin")
	if err := os.WriteFile(bigFile, big, 0o600); err != nil {
		t.Fatal(err)
	}
	mustCLI(t, "invoke", file, "storage.store", "key=@@big", "value=@"+bigFile)
	cmd := exec.Command(auraHost, "invoke", file, "storage.retrieve", "--args-json", "-")
	cmd.Stdin = strings.NewReader(`{"key": "@big"}`)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("retrieve with --args-json -: %v", err)
	}
	if got := strings.TrimSpace(string(out)); got != hex.EncodeToString(big) {
		t.Fatalf("retrieved %d hex digits, want the %d stored bytes", len(got), len(big))
	}
	argsFile := filepath.Join(dir, "args.json")
	if err := os.WriteFile(argsFile, []byte(`{"data": "68656c6c6f"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if a, b := mustCLI(t, "invoke", file, "crypto.hash", "--args-json", argsFile), mustCLI(t, "invoke", file, "crypto.hash", "data=68656c6c6f"); a != b {
		t.Fatalf("--args-json FILE hashed to %s, data=68656c6c6f to %s", a, b)
	}
	huge := filepath.Join(dir, "huge.bin")
	if err := os.WriteFile(huge, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(huge, 16<<20+1); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"storage.store", "key=k", "value=@" + filepath.Join(dir, "absent.bin")}, "argument value=@" + filepath.Join(dir, "absent.bin") + ": no such file"},
		{[]string{"storage.store", "key=k", "value=@" + huge}, "limited to 16 MiB in all"},
		{[]string{"storage.retrieve", "--args-json", filepath.Join(dir, "absent.json")}, "--args-json " + filepath.Join(dir, "absent.json") + ": no such file"},
		{[]string{"storage.retrieve", "--args-json", bigFile}, "--args-json: want one JSON object of arguments"},
	} {
		_, stderr, code := cli(t, append([]string{"invoke", file}, tc.args...)...)
		if code != 1 || !strings.Contains(stderr, tc.want) {
			t.Errorf("invoke %v: exit %d, want %q:\n%s", tc.args, code, tc.want, stderr)
		}
	}
}

// protocol run prints the outcome and nothing on stderr by default; -v
// shows the log.
func TestProtocolRunIsQuietByDefault(t *testing.T) {
	dep := protocolsDeployment(t)
	out, stderr, code := cli(t, "protocol", "run", exampleProtocol("ping_pong"), "-d", dep)
	if code != 0 || stderr != "" || !strings.Contains(out, "done") {
		t.Fatalf("exit %d, want 0, the outcome and an empty stderr\nstdout:\n%s\nstderr:\n%s", code, out, stderr)
	}
	_, stderr, code = cli(t, "protocol", "run", exampleProtocol("ping_pong"), "-d", dep, "-v")
	if code != 0 || !strings.Contains(stderr, "[INFO]") {
		t.Fatalf("-v: exit %d, stderr:\n%s", code, stderr)
	}
}

func TestVersionFlag(t *testing.T) {
	out := mustCLI(t, "--version")
	if out != mustCLI(t, "version") {
		t.Fatalf("--version and version differ:\n%s", out)
	}
	for _, want := range []string{"aura-host ", runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH, "plugin protocol version "} {
		if !strings.Contains(out, want) {
			t.Errorf("--version lacks %q:\n%s", want, out)
		}
	}
}

// Completion (through cobra's __complete, which the shell scripts call)
// offers .hcl files, the deployment's operations, an operation's argument
// names and a deployment's plugins.
func TestCompletionOffersOperationsArgumentsAndPlugins(t *testing.T) {
	file := quickstart(t)
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"invoke", ""}, []string{"hcl\n", ":8\n"}}, // 8: filter files by extension
		{[]string{"run", ""}, []string{"hcl\n", ":8\n"}},
		{[]string{"invoke", file, ""}, []string{"crypto.hash\tcrypto.hash(data bytes) -> bytes", "storage.store\t", "clock.sleep_ms\t", ":4\n"}},
		{[]string{"invoke", file, "storage.store", "key=k", ""}, []string{"value=\tbytes", ":6\n"}}, // 6: no file, no space
		{[]string{"reset", file, ""}, []string{"crypto\n", "storage\n", "console\n"}},
		{[]string{"invoke", file, "--mode", ""}, []string{"production\n", "testing\n", "simulation\n"}},
	} {
		out := mustCLI(t, append([]string{"__complete"}, tc.args...)...)
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("__complete %v lacks %q:\n%s", tc.args, w, out)
			}
		}
	}
	if out := mustCLI(t, "__complete", "invoke", file, "storage.store", "key=k", ""); strings.Contains(out, "key=") {
		t.Errorf("an argument given is offered again:\n%s", out)
	}
}

package main_test

import (
	"crypto/ed25519"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestRunStartsEveryPluginAndSIGINTLeavesNone(t *testing.T) {
	rh := startRun(t, quickstart(t))
	if len(rh.pids) != 5 {
		t.Fatalf("want 5 ready plugins, got %v", rh.pids)
	}
	for name, pid := range rh.pids {
		if processGone(pid) {
			t.Fatalf("plugin %s (pid %d) is not running", name, pid)
		}
	}
	if err := rh.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := rh.cmd.Wait(); err != nil {
		t.Fatalf("aura-host run after SIGINT: %v\nstderr:\n%s", err, rh.stderr)
	}
	waitGone(t, rh.pids, 0)
}

func TestKilledHostLeavesNoPlugin(t *testing.T) {
	rh := startRun(t, quickstart(t))
	if err := rh.cmd.Process.Kill(); err != nil { // SIGKILL: the host cannot clean up
		t.Fatal(err)
	}
	_ = rh.cmd.Wait()
	waitGone(t, rh.pids, 2*time.Second)
}

func TestInvokeSignsWithEd25519(t *testing.T) {
	file := quickstart(t)
	keys := fields(mustCLI(t, "invoke", file, "crypto.ed25519_generate_keypair"))
	pub, err := hex.DecodeString(keys["public"])
	if err != nil || len(pub) != ed25519.PublicKeySize {
		t.Fatalf("public key %q: %v", keys["public"], err)
	}
	msg := []byte("hello, aura")
	sigHex := strings.TrimSpace(mustCLI(t, "invoke", file, "crypto.ed25519_sign",
		"msg="+hex.EncodeToString(msg), "key="+keys["private"]))
	sig, err := hex.DecodeString(sigHex)
	if err != nil {
		t.Fatalf("signature %q: %v", sigHex, err)
	}
	if !ed25519.Verify(pub, msg, sig) {
		t.Fatalf("crypto/ed25519 rejects the signature %s", sigHex)
	}
}

func TestInvokeStoresDurablyAcrossRuns(t *testing.T) {
	file := quickstart(t)
	mustCLI(t, "invoke", file, "storage.store", "key=greeting", "value=68656c6c6f")
	got := strings.TrimSpace(mustCLI(t, "invoke", file, "storage.retrieve", "key=greeting"))
	if got != "68656c6c6f" {
		t.Fatalf("retrieve = %q, want 68656c6c6f", got)
	}
}

func TestInvokeReportsBadArguments(t *testing.T) {
	file := quickstart(t)
	_, stderr, code := cli(t, "invoke", file, "crypto.hash", "data=zz")
	if code == 0 || !strings.Contains(stderr, "want hex digits") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	_, stderr, code = cli(t, "invoke", file, "crypto.hash", "nonsense=00")
	if code == 0 || !strings.Contains(stderr, `has no parameter "nonsense"`) {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
}

func TestValidate(t *testing.T) {
	out := mustCLI(t, "validate", quickstart(t))
	if !strings.Contains(out, "is valid: 5 plugins") {
		t.Fatalf("validate output: %s", out)
	}
}

// validate starts the plugins only to learn their schemas, and places a
// mistake in a plugin's config block at its line of the user's file.
func TestValidateChecksPluginConfigAgainstTheDeclaredSchema(t *testing.T) {
	file := filepath.Join(t.TempDir(), "deployment.hcl")
	src := `deployment "bad" {}

plugin "storage" {
  builtin = "storage"
  config {
    pth = "x.db"
  }
}

plugin "clock" {
  builtin = "clock"
  config {
    uncertainty_ms = "soon"
  }
}
`
	if err := os.WriteFile(file, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := cli(t, "validate", file)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, stderr)
	}
	for _, want := range []string{file + ":6:5", `Did you mean "path"?`, file + ":13:22"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("validate output lacks %q:\n%s", want, stderr)
		}
	}
}

// While the deployment is served, invoke calls into the running host (whose
// storage a second copy could not open) instead of starting another.
func TestInvokeReachesTheRunningHost(t *testing.T) {
	file := quickstart(t)
	rh := startRun(t, file)
	_, stderr, code := cli(t, "invoke", file, "storage.store", "key=k", "value=0102")
	if code != 0 || !strings.Contains(stderr, "invoking through the running host") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	if got := strings.TrimSpace(mustCLI(t, "invoke", file, "storage.retrieve", "key=k")); got != "0102" {
		t.Fatalf("retrieve through the running host = %q", got)
	}
	_, stderr, code = cli(t, "invoke", file, "storage.retrieve", "key=absent")
	if code == 0 || !strings.Contains(stderr, "not_found") {
		t.Fatalf("a failed remote call: exit %d, stderr:\n%s", code, stderr)
	}
	if err := rh.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	_ = rh.cmd.Wait()
}

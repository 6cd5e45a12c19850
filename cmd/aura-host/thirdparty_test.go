package main_test

import (
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The example third-party plugin, built as its author would and pinned by
// its checksum, loads through `command` + `sha256` and its operations are
// callable through aura-host invoke.
func TestThirdPartyPluginByCommandAndChecksum(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin", "greeter")
	build := exec.Command("go", "build", "-o", bin, "../../examples/third-party-plugin")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the example plugin: %v\n%s", err, out)
	}
	binary, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("../../examples/third-party-plugin/deployment.hcl")
	if err != nil {
		t.Fatal(err)
	}
	placeholder := strings.Repeat("0", 64)
	if !strings.Contains(string(src), placeholder) {
		t.Fatal("the example deployment lost its sha256 placeholder")
	}
	file := filepath.Join(dir, "deployment.hcl")
	pinned := strings.Replace(string(src), placeholder, fmt.Sprintf("%x", sha256.Sum256(binary)), 1)
	if err := os.WriteFile(file, []byte(pinned), 0o600); err != nil {
		t.Fatal(err)
	}

	out := mustCLI(t, "invoke", file, "greeter.greet", "name=Ada")
	if strings.TrimSpace(out) != "Bonjour, Ada!" {
		t.Fatalf("greeter.greet = %q", out)
	}
	if out := mustCLI(t, "plugins", file); !strings.Contains(out, "greeter.greet") {
		t.Fatalf("plugins output lacks the example's operations:\n%s", out)
	}

	// With the placeholder left in, the binary is refused before it runs.
	if err := os.WriteFile(file, src, 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := cli(t, "invoke", file, "greeter.greet", "name=Ada")
	if code == 0 || !strings.Contains(stderr, "checksum mismatch") {
		t.Fatalf("unpinned binary: exit %d, stderr:\n%s", code, stderr)
	}
}

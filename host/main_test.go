package host_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Binaries built once for every subprocess test in this package.
var (
	auraHost   string // the aura-host CLI, which serves the built-in plugins
	testPlugin string // host/internal/testplugin: misbehaves on request
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "aura-host-test-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	auraHost = filepath.Join(dir, "aura-host")
	testPlugin = filepath.Join(dir, "testplugin")
	for out, pkg := range map[string]string{auraHost: "../cmd/aura-host", testPlugin: "./internal/testplugin"} {
		cmd := exec.Command("go", "build", "-o", out, pkg)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "build %s: %v\n", pkg, err)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

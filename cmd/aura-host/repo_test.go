package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestRepositoryHasWhatANewUserNeeds holds the rough edges issue 14 found
// outside the code: a licence, README's install notes (the module is not
// published yet), and git ignoring what the README's tour writes at the
// top of a clone.
func TestRepositoryHasWhatANewUserNeeds(t *testing.T) {
	root := filepath.Join("..", "..")
	read := func(name string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if license := read("LICENSE"); !strings.Contains(license, "Apache License") || !strings.Contains(license, "Version 2.0") {
		t.Error("LICENSE is not the Apache License 2.0")
	}
	readme := read("README.md")
	for _, want := range []string{
		"go install ./cmd/aura-host",                // building from a clone
		"replace github.com/aurahost/aura-host => ", // SDK users until the module is published
		"C compiler", // -race needs cgo
		"Linux",      // the host supervises with Linux-only calls
		"aura-host plugin conformance -- node examples/node", // the tour: conformance
		"trace view",    // the tour: the run viewer
		"prometheus = ", // the tour: metrics
		"tracing {",     // the tour: tracing
	} {
		if !strings.Contains(readme, want) {
			t.Errorf("README.md does not say %q", want)
		}
	}

	if _, err := os.Stat(filepath.Join(root, ".git")); err != nil {
		t.Skip("not a git checkout: the ignore rules are checked in one")
	}
	tourOutputs := []string{"recovery.jsonl", "seed-7.jsonl", "shrunk-21.hcl", "run.html", "aura-host", "examples/node-plugin/node_modules/x"}
	cmd := exec.Command("git", append([]string{"check-ignore", "--no-index"}, tourOutputs...)...)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git check-ignore %v: %v (%s)", tourOutputs, err, out)
	}
	ignored := strings.Fields(string(out))
	for _, p := range tourOutputs {
		if !strings.Contains(" "+strings.Join(ignored, " ")+" ", " "+p+" ") {
			t.Errorf("git does not ignore %s, which the README's tour writes", p)
		}
	}
}

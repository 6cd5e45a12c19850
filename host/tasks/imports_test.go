package tasks_test

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

// TestImportsOnlyEffects keeps the package at the bottom of host: it may
// import effects (and the virtual clock, internal/vclock, which imports
// nothing of the project) and nothing else, so that host and its services
// can import it without a cycle.
func TestImportsOnlyEffects(t *testing.T) {
	const module = "github.com/aurahost/aura-host/"
	allowed := map[string]bool{module + "host/tasks": true, module + "effects": true, module + "internal/vclock": true}
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", ".").Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("go list: %v\n%s", err, stderr)
	}
	for _, dep := range strings.Fields(string(bytes.TrimSpace(out))) {
		if strings.HasPrefix(dep, module) && !allowed[dep] {
			t.Errorf("host/tasks depends on %s; it may import only effects and internal/vclock from the project", dep)
		}
	}
}

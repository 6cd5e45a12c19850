package archtest

import (
	"os"
	"path/filepath"
	"testing"
)

// The checkers themselves must be able to fail.
func TestCheckersDetectViolations(t *testing.T) {
	if layer, allowed, _ := ruleFor("vm/internal/sched"); layer != "vm" || len(allowed) != 2 {
		t.Fatalf("vm/internal/sched: layer %q allowed %v", layer, allowed)
	}
	if under("hostile", "host") || !under("host/x", "host") {
		t.Fatal("under must match whole path elements")
	}
	src := "package p\nimport clock \"time\"\nvar x = clock.Now()\nvar d = clock.Second\n"
	path := filepath.Join(t.TempDir(), "p.go")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := timeNowCalls(t, path); len(got) != 1 {
		t.Fatalf("timeNowCalls found %v, want one use of time.Now", got)
	}
}

package session

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/vm"
)

// TestCheckFile: what `protocol check` prints for one example. Moved from
// cmd/aura-host (before that vm/json_test.go, vm.CheckFile) with WriteCheck;
// its projection half is TestProject.
func TestCheckFile(t *testing.T) {
	file := filepath.Join("..", "..", "examples", "protocols", "guardian_recovery.hcl")
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	p, diags := vm.Load(src, "guardian_recovery.hcl")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	prog, diags := vm.Compile(p)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	var out bytes.Buffer
	WriteCheck(&out, "guardian_recovery.hcl", p, prog, true)
	for _, want := range []string{`protocol "guardian_recovery" is well formed: 4 roles`, "role Guardian[2] of guardian_recovery"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("check output lacks %q:\n%s", want, out.String())
		}
	}
	if got := strings.Join(p.Roles, ", "); got != "Account, Guardian[0], Guardian[1], Guardian[2]" {
		t.Errorf("roles: %s", got)
	}
}

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/vm"
)

// TestCheckAndProjectFile: what `protocol check` and `protocol project`
// print for one example. Moved from vm/json_test.go when the VM stopped
// formatting CLI output (vm.CheckFile and vm.ProjectFile).
func TestCheckAndProjectFile(t *testing.T) {
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
	printCheck(&out, "guardian_recovery.hcl", p, prog, true)
	for _, want := range []string{`protocol "guardian_recovery" is well formed: 4 roles`, "role Guardian[2] of guardian_recovery"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("check output lacks %q:\n%s", want, out.String())
		}
	}
	if got := strings.Join(p.Roles, ", "); got != "Account, Guardian[0], Guardian[1], Guardian[2]" {
		t.Errorf("roles: %s", got)
	}
	one, diags := projectFile(src, "guardian_recovery.hcl", "Guardian[1]", true)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if !bytes.HasPrefix(one, []byte("{\n  \"kind\": \"send\"")) {
		t.Errorf("Guardian[1] JSON:\n%s", one)
	}
	if _, diags := projectFile(src, "guardian_recovery.hcl", "Mallory", false); !diags.HasErrors() {
		t.Error("an unknown role was projected")
	}
	if _, diags := projectFile([]byte(`protocol "x" {`), "broken.hcl", "", false); !diags.HasErrors() {
		t.Error("a syntax error passed the check")
	}
}

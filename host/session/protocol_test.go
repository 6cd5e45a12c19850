package session

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestProject: what `protocol project` prints for one example. Moved from
// cmd/aura-host's TestCheckAndProjectFile (before that vm/json_test.go,
// vm.ProjectFile) with the projection itself.
func TestProject(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile(filepath.Join("..", "..", "examples", "protocols", "guardian_recovery.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	one, diags := Project(src, "guardian_recovery.hcl", "Guardian[1]", true)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if !bytes.HasPrefix(one, []byte("{\n  \"kind\": \"send\"")) {
		t.Errorf("Guardian[1] JSON:\n%s", one)
	}
	if _, diags := Project(src, "guardian_recovery.hcl", "Mallory", false); !diags.HasErrors() {
		t.Error("an unknown role was projected")
	}
	if _, diags := Project([]byte(`protocol "x" {`), "broken.hcl", "", false); !diags.HasErrors() {
		t.Error("a syntax error passed the check")
	}
}

// TestSelectProtocolKeepsLinesAndColumns: a file with several protocols is
// narrowed by blanking the others, so the chosen one keeps its positions.
func TestSelectProtocolKeepsLinesAndColumns(t *testing.T) {
	t.Parallel()
	src := []byte("protocol \"a\" {\n  roles = [\"X\"]\n}\n\nprotocol \"b\" {\n  roles = [\"Y\"]\n}\n")
	sel, _, diags := SelectProtocol(src, "two.hcl", "b", true)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if len(sel) != len(src) || strings.Contains(string(sel), `"a"`) || !strings.Contains(string(sel), `protocol "b"`) {
		t.Errorf("selected source:\n%s", sel)
	}
	if bytes.Count(sel, []byte("\n")) != bytes.Count(src, []byte("\n")) {
		t.Error("lines moved")
	}
	if _, _, diags := SelectProtocol(src, "two.hcl", "", true); !diags.HasErrors() || diags[0].Summary != "Several protocols" {
		t.Errorf("no name with several protocols: %v", diags)
	}
	if _, _, diags := SelectProtocol(src, "two.hcl", "c", true); !diags.HasErrors() || diags[0].Summary != "No such protocol" {
		t.Errorf("unknown name: %v", diags)
	}
	if got := ProtocolNames(src, "two.hcl"); strings.Join(got, ",") != "a,b" {
		t.Errorf("names: %v", got)
	}
}

package project_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/vm/interchange"
	"github.com/aurahost/aura-host/vm/project"
	"github.com/aurahost/aura-host/vm/syntax"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// goldenSeparator splits a golden file into its parts, Caddy style.
const goldenSeparator = "----------\n"

// examplesDir holds the example protocols.
const examplesDir = "../../examples/protocols"

// TestGoldenProjections pins every example's projection per role, as text
// and in the JSON interchange form (what `aura-host protocol project`
// prints). Moved here from vm/golden_test.go.
func TestGoldenProjections(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(examplesDir, "*.hcl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no example protocols in %s: %v", examplesDir, err)
	}
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".hcl")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			p, diags := syntax.Parse(src, name+".hcl")
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			pr, diags := project.Project(p)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			js, err := interchange.ProjectionJSON(pr)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			out.WriteString(pr.TextOf())
			out.WriteString(goldenSeparator)
			out.Write(js)
			checkGolden(t, filepath.Join("testdata", name+".golden"), out.Bytes())
		})
	}
}

// checkGolden compares got with the golden file, or rewrites it under
// -update.
func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./vm/project -run %s -update to create it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output (run with -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

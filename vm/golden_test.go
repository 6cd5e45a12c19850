package vm

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// goldenSeparator splits a golden file into its parts, Caddy style.
const goldenSeparator = "----------\n"

// checkGolden compares got with the golden file, or rewrites it under
// -update.
func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./vm -run %s -update to create it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output (run with -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// TestGoldenProjections pins every example's projection per role, as text
// and in the JSON interchange form.
func TestGoldenProjections(t *testing.T) {
	for _, name := range exampleNames(t) {
		t.Run(name, func(t *testing.T) {
			src, file := readExample(t, name)
			text, diags := ProjectFile(src, file, "", false)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			js, diags := ProjectFile(src, file, "", true)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			var out bytes.Buffer
			out.Write(text)
			out.WriteString(goldenSeparator)
			out.Write(js)
			checkGolden(t, filepath.Join("testdata", "project", name+".golden"), out.Bytes())
		})
	}
}

// TestGoldenRejections runs every testdata/reject file: a protocol (HCL,
// or JSON when the file is *.json.txt), a separator line, and the
// diagnostics it must produce, each at its file:line:col.
func TestGoldenRejections(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "reject", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no rejection cases: %v", err)
	}
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".txt")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			src, _, found := bytes.Cut(raw, []byte(goldenSeparator))
			if !found {
				t.Fatalf("%s has no %q line", path, strings.TrimSpace(goldenSeparator))
			}
			_, diags := checkAll(src, name)
			if !diags.HasErrors() {
				t.Fatalf("%s was accepted", name)
			}
			var out bytes.Buffer
			out.Write(src)
			out.WriteString(goldenSeparator)
			out.WriteString(formatDiags(diags))
			checkGolden(t, path, out.Bytes())
		})
	}
}

// checkAll is what `protocol check` does: load, project, compile.
func checkAll(src []byte, filename string) (*Program, hcl.Diagnostics) {
	p, diags := Load(src, filename)
	if diags.HasErrors() {
		return nil, diags
	}
	return Compile(p)
}

func formatDiags(diags hcl.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		pos := "-"
		if d.Subject != nil {
			pos = fmt.Sprintf("%s:%d:%d", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column)
		}
		fmt.Fprintf(&b, "%s: %s: %s\n", pos, d.Summary, d.Detail)
	}
	return b.String()
}

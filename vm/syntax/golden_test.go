package syntax_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/vm/interchange"
	"github.com/aurahost/aura-host/vm/project"
	"github.com/aurahost/aura-host/vm/syntax"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// goldenSeparator splits a golden file into its parts, Caddy style.
const goldenSeparator = "----------\n"

// TestGoldenRejections runs every testdata/reject file: a protocol (HCL,
// or JSON when the file is *.json.txt), a separator line, and the
// diagnostics it must produce, each at its file:line:col. Moved here from
// vm/golden_test.go.
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
			diags := checkAll(src, name)
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

// checkAll is the front end of `protocol check`: parse (the JSON
// interchange form for a *.json name, as vm.Load does), then project
// (compiling adds no diagnostics).
func checkAll(src []byte, filename string) hcl.Diagnostics {
	parse := syntax.Parse
	if strings.HasSuffix(filename, ".json") {
		parse = interchange.ParseJSON
	}
	p, diags := parse(src, filename)
	if diags.HasErrors() {
		return diags
	}
	_, d := project.Project(p)
	return append(diags, d...)
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
		t.Fatalf("%v (run go test ./vm/syntax -run %s -update to create it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output (run with -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

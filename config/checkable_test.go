package config

import (
	"slices"
	"strings"
	"testing"
)

// A name longer than MaxNameLength is refused at its label, without
// echoing it whole; one of exactly MaxNameLength is accepted.
func TestLongNamesAreRefused(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 1<<20)
	_, diags := Parse([]byte("deployment \""+long+"\" {}\nplugin \""+long+"\" { builtin = \"crypto\" }\n"), "d.hcl", Options{Dir: t.TempDir()})
	var lines []int
	for _, d := range diags {
		if d.Summary == "Invalid deployment name" || d.Summary == "Invalid plugin name" {
			lines = append(lines, d.Subject.Start.Line)
			if len(d.Detail) > 500 || !strings.Contains(d.Detail, "at most 64") {
				t.Errorf("detail (%d bytes): %.300s", len(d.Detail), d.Detail)
			}
		}
	}
	if !slices.Equal(lines, []int{1, 2}) {
		t.Fatalf("long names refused at lines %v, want [1 2]: %v", lines, diags)
	}
	ok := strings.Repeat("a", MaxNameLength)
	if _, diags := Parse([]byte("deployment \""+ok+"\" {}\nplugin \""+ok+"\" { builtin = \"crypto\" }\n"), "d.hcl", Options{Dir: t.TempDir()}); diags.HasErrors() {
		t.Fatalf("a name of %d bytes: %v", MaxNameLength, diags)
	}
}

// Checkable keeps what later checks can run on: the blocks without
// errors, and not what depends on a broken one.
func TestCheckableLeavesOutBrokenBlocks(t *testing.T) {
	t.Parallel()
	dep, diags := Parse([]byte(`deployment "d" {
  bogus = 1
}
plugin "crypto" {
  builtin = "crypto"
  colour  = "red"
}
plugin "storage" {
  builtin    = "storage"
  depends_on = ["crypto"]
}
plugin "clock" {
  builtin = "clock"
}
`), "d.hcl", Options{Dir: t.TempDir()})
	if !diags.HasErrors() {
		t.Fatal("no errors")
	}
	c := dep.Checkable(diags)
	var names []string
	for _, p := range c.EffectivePlugins() {
		names = append(names, p.Name)
	}
	if !slices.Equal(names, []string{"clock"}) {
		t.Fatalf("checkable plugins %v, want [clock] (crypto has an error, storage depends on it)", names)
	}
	if len(dep.Plugins) != 3 {
		t.Error("Checkable changed the deployment")
	}
	if dep.Checkable(nil) != dep {
		t.Error("without errors, the deployment itself is checkable")
	}
	if broken, d := Parse([]byte("deployment {{{"), "d.hcl", Options{}); broken.Checkable(d) != nil {
		t.Error("a file that does not parse left something to check")
	}
}

// The diagnostic of a 1 MB name prints a few hundred bytes, not the name
// (three times: block context, source line, carets).
func TestLongLineDiagnosticIsShortToPrint(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 1<<20)
	dep, diags := Parse([]byte("deployment \""+long+"\" {}\n"), "d.hcl", Options{Dir: t.TempDir()})
	var out strings.Builder
	if err := WriteDiagnostics(&out, dep.Files, diags, false); err != nil {
		t.Fatal(err)
	}
	if out.Len() > 4096 || !strings.Contains(out.String(), "(a line of 1048592 bytes, too long to show)") {
		t.Fatalf("%d bytes printed: %.1000s", out.Len(), out.String())
	}
}

package config

import (
	"errors"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

func TestWriteDiagnosticsColor(t *testing.T) {
	src := []byte("deployment \"d\" {\n  mode = \"fast\"\n}\n")
	d, diags := Parse(src, "t.hcl", Options{})
	var b strings.Builder
	if err := WriteDiagnostics(&b, d.Files, diags, true); err != nil {
		t.Fatal(err)
	}
	want := "\x1b[31mError\x1b[0m: Invalid mode\n\n  on t.hcl:2:10, in deployment \"d\":\n   2:   mode = \x1b[1;4m\"fast\"\x1b[0m\n\n"
	if !strings.HasPrefix(b.String(), want) {
		t.Errorf("got %q\nwant prefix %q", b.String(), want)
	}
	if strings.Contains(b.String(), "^") {
		t.Error("carets printed in color mode")
	}
}

func TestWriteDiagnosticsCaretsFollowTabs(t *testing.T) {
	src := []byte("deployment \"d\" {\n\tmode = \"fast\"\n}\n")
	d, diags := Parse(src, "t.hcl", Options{})
	got := render(d, diags)
	if !strings.Contains(got, "   2: \tmode = \"fast\"\n      \t       ^^^^^^\n") {
		t.Errorf("carets misaligned:\n%q", got)
	}
}

func TestWriteDiagnosticsWarningAndEmptySubject(t *testing.T) {
	src := []byte("deployment \"d\" {}\n")
	d, _ := Parse(src, "t.hcl", Options{})
	diags := hcl.Diagnostics{
		{Severity: hcl.DiagWarning, Summary: "Careful", Subject: &hcl.Range{Filename: "t.hcl", Start: hcl.Pos{Line: 1, Column: 18, Byte: 17}, End: hcl.Pos{Line: 1, Column: 18, Byte: 17}}},
		{Severity: hcl.DiagError, Summary: "No subject", Detail: "detail"},
	}
	got := render(d, diags)
	want := "Warning: Careful\n\n  on t.hcl:1:18:\n   1: deployment \"d\" {}\n                       ^\n\nError: No subject\n\ndetail\n\n"
	if got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteDiagnosticsError(t *testing.T) {
	diags := hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "x"}}
	if err := WriteDiagnostics(failWriter{}, nil, diags, false); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("err = %v", err)
	}
}

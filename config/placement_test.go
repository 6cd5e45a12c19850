package config

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

func TestPluginDiagnostic(t *testing.T) {
	const src = `deployment "t" {}

plugin "storage" {
  builtin = "storage"
  config {
    path   = "/nonexistent/db"
    tags   = ["a", "b"]
    labels = { team = "core", limits = { depth = 2 } }
  }
}

plugin "crypto" {
  builtin = "crypto"
}
`
	d := parseClean(t, src)
	storage, crypto := d.Plugin("storage"), d.Plugin("crypto")
	tests := []struct {
		name    string
		plugin  *Plugin
		path    []string
		subject string // line:col of the subject start
		end     string // line:col of the subject end
		note    bool   // whether the "not written" note is added
	}{
		{"attribute", storage, []string{"path"}, "6:14", "6:31", false},
		{"list element", storage, []string{"tags", "1"}, "7:20", "7:23", false},
		{"object key", storage, []string{"labels", "team"}, "8:23", "8:29", false},
		{"nested object key", storage, []string{"labels", "limits", "depth"}, "8:50", "8:51", false},
		{"missing key stops at the deepest part found", storage, []string{"labels", "owner"}, "8:14", "8:55", false},
		{"index out of range", storage, []string{"tags", "7"}, "7:14", "7:24", false},
		{"attribute not written falls back to the config block", storage, []string{"sync"}, "5:3", "5:9", true},
		{"empty path is the config block", storage, nil, "5:3", "5:9", false},
		{"no config block falls back to the plugin block", crypto, []string{"key"}, "12:1", "12:16", true},
		{"no config block, empty path", crypto, []string{}, "12:1", "12:16", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			diag := PluginDiagnostic(tt.plugin, tt.path, hcl.DiagError, "Cannot open database", "permission denied")
			if got := pos(diag.Subject); got != tt.subject {
				t.Errorf("subject starts at %s, want %s", got, tt.subject)
			}
			if got := pos(&hcl.Range{Start: diag.Subject.End}); got != tt.end {
				t.Errorf("subject ends at %s, want %s", got, tt.end)
			}
			if diag.Subject.Filename != "test.hcl" {
				t.Errorf("subject file %q", diag.Subject.Filename)
			}
			wantSummary := `Cannot open database (plugin "` + tt.plugin.Name + `")`
			if diag.Summary != wantSummary || diag.Severity != hcl.DiagError {
				t.Errorf("got %v %q, want error %q", diag.Severity, diag.Summary, wantSummary)
			}
			if !strings.HasPrefix(diag.Detail, "permission denied") {
				t.Errorf("detail %q lost the plugin's text", diag.Detail)
			}
			if got := strings.Contains(diag.Detail, "not written"); got != tt.note {
				t.Errorf("note in detail = %v, want %v: %q", got, tt.note, diag.Detail)
			}
		})
	}
}

func TestPluginDiagnosticWarningAndEmptyText(t *testing.T) {
	d := parseClean(t, "deployment \"t\" {}\nplugin \"crypto\" { builtin = \"crypto\" }\n")
	diag := PluginDiagnostic(d.Plugins[0], []string{"x"}, hcl.DiagWarning, "", "")
	if diag.Severity != hcl.DiagWarning {
		t.Errorf("severity %v", diag.Severity)
	}
	if diag.Summary != `Plugin rejected its configuration (plugin "crypto")` {
		t.Errorf("summary %q", diag.Summary)
	}
	if !strings.Contains(diag.Detail, "config x, which is not written in this plugin block") {
		t.Errorf("detail %q", diag.Detail)
	}
}

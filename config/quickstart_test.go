package config

import (
	"path/filepath"
	"testing"
)

// TestQuickstartParses checks that the quickstart example is clean: no
// error and no warning, the five built-ins, and a storage config that
// decodes.
func TestQuickstartParses(t *testing.T) {
	path := filepath.Join("..", "examples", "quickstart", "deployment.hcl")
	d, diags := Load(path, Options{Builtins: testBuiltins})
	if len(diags) != 0 {
		t.Fatalf("quickstart has diagnostics:\n%s", render(d, diags))
	}
	var names []string
	for _, p := range d.Plugins {
		if p.Builtin != p.Name {
			t.Errorf("plugin %q runs builtin %q", p.Name, p.Builtin)
		}
		names = append(names, p.Name)
		desc := testDescriptors[p.Builtin]
		cfg, diags := DecodePluginConfig(p, desc.Config)
		if len(diags) != 0 {
			t.Errorf("plugin %s config:\n%s", p.Name, render(d, diags))
		}
		if p.Name == "storage" {
			if path, _ := cfg.Get("path"); path.String() != `"storage.db"` {
				t.Errorf("storage path = %s", path)
			}
		}
	}
	if len(names) != 5 {
		t.Errorf("plugins %v, want the five built-ins", names)
	}
	abs, _ := filepath.Abs(filepath.Join("..", "examples", "quickstart", ".aura", "quickstart"))
	if d.StateDir != abs {
		t.Errorf("state dir %q, want %q", d.StateDir, abs)
	}
}

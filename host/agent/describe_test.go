package agent_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/agent"
	"github.com/aurahost/aura-host/plugins"
)

// Describe answers from built-ins described in process, touching no
// state: the state directory is not even created. A production
// deployment is described so too.
func TestDescribeStartsNothingForBuiltins(t *testing.T) {
	dep := deployment(t, `
deployment "described" {
  mode = "production"
}
plugin "crypto" { builtin = "crypto" }
plugin "storage" {
  builtin = "storage"
  config {
    path = "s.db"
  }
}
`)
	dep.StateDir = filepath.Join(t.TempDir(), "state")
	descs, err := agent.Describe(context.Background(), dep, plugins.Lookup, nil)
	if err != nil {
		t.Fatal(err)
	}
	ops := map[effects.OpID]bool{}
	for _, d := range descs {
		for _, op := range d.Ops {
			ops[op.ID] = true
		}
	}
	if !ops["crypto.hash"] || !ops["storage.store"] {
		t.Errorf("described %v", descs)
	}
	if _, err := os.Stat(dep.StateDir); !os.IsNotExist(err) {
		t.Errorf("Describe touched the state directory: %v", err)
	}
	bad := deployment(t, `
deployment "bad" {}
plugin "storage" {
  builtin = "storage"
  config {
    pth = "x"
  }
}
`)
	if _, err := agent.Describe(context.Background(), bad, plugins.Lookup, nil); err == nil {
		t.Error("a config block the plugin's schema refuses was described")
	}
}

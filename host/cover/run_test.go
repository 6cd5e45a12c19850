package cover_test

import (
	"context"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/host/internal/hosttest"
	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/plugins"
)

// TestProtocolRunsBesideCoverTraffic: a protocol run in a simulation whose
// agents host the cover service completes, its messages unharmed by the
// cover envelopes in the same inboxes (the simulation's post office takes
// every envelope and drops what is not a protocol message), with cover
// running beside it.
func TestProtocolRunsBesideCoverTraffic(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	protos := filepath.Join(filepath.Dir(file), "..", "..", "examples", "protocols")
	src := strings.ReplaceAll(coverDeployment, "PRIVACY", "true") + `
plugin "crypto"  { builtin = "crypto" }
plugin "storage" { builtin = "sim-storage" }
run "pp" {
  protocol = "` + protos + `/ping_pong.hcl"
  roles    = { Client = "alice", Server = "bob" }
}
`
	// Twice with one seed: the cover ticks run only while the loop waits
	// for everything to sleep, so the bundles are the same, byte for byte.
	var hashes []string
	for range 2 {
		s, err := sim.New(t.Context(), sim.Config{Deployment: hosttest.Deployment(t, src), Seed: 3, Builtins: plugins.Lookup, Logger: hosttest.QuietLogger(t)})
		if err != nil {
			t.Fatal(err)
		}
		out, err := s.Run(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if err := out.Runs[0].Err; err != nil {
			t.Fatalf("ping-pong beside cover traffic: %v", err)
		}
		if st := s.Agent("alice").CoverService().Status(); !st.Sending {
			t.Fatalf("cover is not running beside the protocol: %+v", st)
		}
		hashes = append(hashes, out.Bundle.Hash())
		s.Close(context.Background())
	}
	if hashes[0] != hashes[1] {
		t.Fatalf("one seed, two bundles: %s and %s", hashes[0], hashes[1])
	}
}

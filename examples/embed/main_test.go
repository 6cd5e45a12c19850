package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
)

// The same program runs an invitation and a guardian recovery in every
// mode; in simulation (virtual time, seeded everything) the same seed gives
// the same output, byte for byte. (Testing mode is seeded too, but reads
// the wall clock, which the facts record.)
func TestEmbedRunsInEveryMode(t *testing.T) {
	for _, mode := range []effects.Mode{effects.Testing, effects.Simulation, effects.Production} {
		t.Run(string(mode), func(t *testing.T) {
			dep := defaultDeployment()
			if mode == effects.Production { // production keeps state: give it a private copy
				src, err := os.ReadFile(dep)
				if err != nil {
					t.Fatal(err)
				}
				dep = filepath.Join(t.TempDir(), "deployment.hcl")
				if err := os.WriteFile(dep, src, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			var out bytes.Buffer
			if err := run(context.Background(), &out, dep, mode, 7); err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			for _, want := range []string{"accepted", "complete (2 of 2 approvals)"} {
				if !strings.Contains(out.String(), want) {
					t.Fatalf("output lacks %q:\n%s", want, out.String())
				}
			}
			if mode == effects.Simulation {
				var again bytes.Buffer
				if err := run(context.Background(), &again, dep, mode, 7); err != nil {
					t.Fatal(err)
				}
				if again.String() != out.String() {
					t.Fatalf("same seed, different runs:\n%s\n%s", out.String(), again.String())
				}
			}
		})
	}
}

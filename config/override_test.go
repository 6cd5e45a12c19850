package config

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/effects"
)

const overrideSrc = `deployment "d" {
  mode = "production"
  seed = 3
}

plugin "clock" {
  builtin      = "clock"
  depends_on   = ["random"]
  start        = "lazy"
  stop_timeout = "2s"
  health { interval = "3s" }
  restart { attempts = 2 }
  call { timeout = "4s" }
}

plugin "random" { builtin = "random" }

plugin "storage" {
  builtin = "storage"
  config { path = "prod.db" }
}

simulation {
  seed = 7

  plugin "clock" {
    builtin = "sim-clock"
    restart { attempts = 9 }
  }

  plugin "random" {
    builtin      = "sim-random"
    start        = "lazy"
    stop_timeout = "1s"
    depends_on   = ["storage"]
    call { timeout = "1s" }
  }
}

testing {
  plugin "storage" {
    command = "bin/mem-storage"
    args    = ["--memory"]
  }
}
`

// effective summarises a plugin as it is in effect.
type effective struct {
	Name, Builtin, Command, Start string
	DependsOn                     []string
	StopTimeout                   time.Duration
	HealthInterval                time.Duration
	RestartAttempts               int
	CallTimeout                   time.Duration
	DeclLine                      int
}

func summarise(ps []*Plugin) []effective {
	var out []effective
	for _, p := range ps {
		e := effective{Name: p.Name, Builtin: p.Builtin, Command: p.Command, Start: p.Start, DependsOn: p.DependsOn, StopTimeout: p.StopTimeout, DeclLine: p.DeclRange.Start.Line}
		if p.Health != nil {
			e.HealthInterval = p.Health.Interval
		}
		if p.Restart != nil {
			e.RestartAttempts = p.Restart.Attempts
		}
		if p.Call != nil {
			e.CallTimeout = p.Call.Timeout
		}
		out = append(out, e)
	}
	return out
}

func TestEffectivePlugins(t *testing.T) {
	d, diags := Parse([]byte(overrideSrc), "test.hcl", Options{Dir: "/deploy"})
	if len(diags) != 0 {
		t.Fatal(render(d, diags))
	}
	clock := effective{Name: "clock", Builtin: "clock", Start: "lazy", DependsOn: []string{"random"}, StopTimeout: 2 * time.Second, HealthInterval: 3 * time.Second, RestartAttempts: 2, CallTimeout: 4 * time.Second, DeclLine: 6}
	random := effective{Name: "random", Builtin: "random", Start: "eager", DeclLine: 16}
	storage := effective{Name: "storage", Builtin: "storage", Start: "eager", DeclLine: 18}
	tests := []struct {
		mode      effects.Mode
		want      []effective
		overrides []string // plugins Override finds
		seed      uint64
		seedLine  int
		order     [][]string
	}{
		{effects.Production, []effective{clock, random, storage}, nil, 3, 3, [][]string{{"random", "storage"}, {"clock"}}},
		{effects.Simulation, []effective{
			// The override's source and restart block; the rest kept.
			{Name: "clock", Builtin: "sim-clock", Start: "lazy", DependsOn: []string{"random"}, StopTimeout: 2 * time.Second, HealthInterval: 3 * time.Second, RestartAttempts: 9, CallTimeout: 4 * time.Second, DeclLine: 26},
			// Everything the override writes wins.
			{Name: "random", Builtin: "sim-random", Start: "lazy", DependsOn: []string{"storage"}, StopTimeout: time.Second, CallTimeout: time.Second, DeclLine: 31},
			storage,
		}, []string{"clock", "random"}, 7, 24, [][]string{{"storage"}, {"random"}, {"clock"}}},
		{effects.Testing, []effective{clock, random,
			{Name: "storage", Command: "/deploy/bin/mem-storage", Start: "eager", DeclLine: 41},
		}, []string{"storage"}, 3, 3, [][]string{{"random", "storage"}, {"clock"}}},
	}
	for _, tt := range tests {
		t.Run(string(tt.mode), func(t *testing.T) {
			m := d.WithMode(tt.mode)
			if diff := cmp.Diff(tt.want, summarise(m.EffectivePlugins())); diff != "" {
				t.Errorf("EffectivePlugins (-want +got):\n%s", diff)
			}
			var found []string
			for _, p := range d.Plugins {
				if o := m.Override(p.Name); o != nil {
					if o.Name != p.Name || o.DeclRange.Start.Line <= 20 {
						t.Errorf("Override(%q) = %q at line %d", p.Name, o.Name, o.DeclRange.Start.Line)
					}
					found = append(found, p.Name)
				}
			}
			if diff := cmp.Diff(tt.overrides, found); diff != "" {
				t.Errorf("overrides (-want +got):\n%s", diff)
			}
			if m.Seed != tt.seed || m.SeedRange.Start.Line != tt.seedLine {
				t.Errorf("seed %d at line %d, want %d at line %d", m.Seed, m.SeedRange.Start.Line, tt.seed, tt.seedLine)
			}
			if diff := cmp.Diff(tt.order, m.StartOrder()); diff != "" {
				t.Errorf("StartOrder (-want +got):\n%s", diff)
			}
			// Back to the file's mode: as parsed.
			back := m.WithMode(effects.Production)
			if back.Seed != 3 || back.SeedRange != d.SeedRange || back.Override("clock") != nil {
				t.Errorf("back to production: seed %d, override %v", back.Seed, back.Override("clock"))
			}
		})
	}
	if d.Mode != effects.Production || d.Seed != 3 {
		t.Errorf("WithMode changed the original: mode %s seed %d", d.Mode, d.Seed)
	}
	if d.WithMode("") != d {
		t.Error("WithMode with no mode is not the deployment itself")
	}
	if s := d.WithSeed(9); s.Seed != 9 || s.SeedRange != d.SeedRange || s.Mode != d.Mode || d.Seed != 3 {
		t.Errorf("WithSeed(9): seed %d (file's %d), range %v, mode %s", s.Seed, d.Seed, s.SeedRange, s.Mode)
	}
	// Unchanged plugins are the very blocks of Plugins.
	if eff := d.WithMode(effects.Simulation).EffectivePlugins(); eff[2] != d.Plugins[2] {
		t.Error("a plugin without override was copied")
	}
}

func TestSimulationSeedInFile(t *testing.T) {
	src := `deployment "d" {
  mode = "simulation"
  seed = 3
}
simulation { seed = 7 }
`
	d := parseClean(t, src)
	if d.Seed != 7 || d.SeedRange.Start.Line != 5 {
		t.Errorf("simulation mode: seed %d at line %d, want the simulation block's 7", d.Seed, d.SeedRange.Start.Line)
	}
	if p := d.WithMode(effects.Testing); p.Seed != 3 || p.SeedRange.Start.Line != 3 {
		t.Errorf("testing mode: seed %d at line %d, want the deployment block's 3", p.Seed, p.SeedRange.Start.Line)
	}
	// Without a seed in the simulation block, the deployment's applies.
	d = parseClean(t, "deployment \"d\" {\n  seed = 3\n}\nsimulation {}\n")
	if s := d.WithMode(effects.Simulation); s.Seed != 3 || s.Overrides[effects.Simulation] == nil || s.Overrides[effects.Simulation].Seed != nil {
		t.Errorf("seed %d", s.Seed)
	}
	// A hand-built Deployment keeps its seed.
	hand := &Deployment{Seed: 5, SeedRange: hcl.Range{Filename: "x"}}
	if hand.WithMode(effects.Simulation).Seed != 5 || hand.WithMode(effects.Testing).Seed != 5 {
		t.Error("WithMode lost a hand-built seed")
	}
}

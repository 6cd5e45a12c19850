package host_test

import (
	"slices"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/vm"
)

// The guard record's state machine: each step records one holder's
// hold, wait, release or end, and says whether session "s1" is contended
// afterwards for guard "g".
func TestSessionGuardsStateMachine(t *testing.T) {
	t.Parallel()
	s1, s2, s3 := effects.DeriveSessionID("s1", 1), effects.DeriveSessionID("s2", 1), effects.DeriveSessionID("s3", 1)
	a1 := host.GuardHolder{Session: s1, Role: "A"}
	b1 := host.GuardHolder{Session: s1, Role: "B"}
	a2 := host.GuardHolder{Session: s2, Role: "A"}
	a3 := host.GuardHolder{Session: s3, Role: "A"}
	type step struct {
		do        string // acquired, waiting, released, end
		who       host.GuardHolder
		contended bool // Contended(s1, ["g"]) afterwards
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"its own holds are no contention", []step{{"acquired", a1, false}, {"acquired", a1, false}}},
		{"nor are its own roles' waits", []step{{"acquired", a1, false}, {"waiting", b1, false}}},
		{"another session waits", []step{{"acquired", a1, false}, {"waiting", a2, true}}},
		{"another session holds it", []step{{"acquired", a2, true}, {"waiting", a1, true}}},
		{"a waiter that gets the guard holds it; once released, nothing", []step{
			{"waiting", a2, true}, {"acquired", a2, true}, {"released", a2, false}}},
		{"releasing what one does not hold changes nothing", []step{
			{"released", a1, false}, {"acquired", a2, true}, {"released", a1, true}}},
		{"an ended session holds and waits for nothing", []step{
			{"acquired", a2, true}, {"waiting", a3, true}, {"end", a2, true}, {"end", a3, false}, {"acquired", a1, false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := host.NewRouter(effects.NewRegistry(), effects.DeriveAuthorityID("x", 1))
			g := r.SessionGuards()
			for i, st := range tt.steps {
				switch st.do {
				case "acquired":
					g.Acquired(st.who, "g")
				case "waiting":
					g.Waiting(st.who, "g")
				case "released":
					g.Released(st.who, "g")
				case "end":
					g.EndSession(st.who.Session)
				}
				if c := g.Contended(s1, []string{"g"}); c != st.contended {
					t.Fatalf("step %d (%s by %v): contended %v, want %v", i, st.do, st.who, c, st.contended)
				}
				if g.Contended(s1, []string{"other"}) || g.Contended(s1, nil) {
					t.Fatalf("step %d: contended for a guard nobody uses", i)
				}
			}
		})
	}
}

func TestProgramGuards(t *testing.T) {
	t.Parallel()
	p, diags := vm.Load([]byte(`
protocol "p" {
  roles = ["A", "B"]
  acquire "A" "lock" {}
  acquire "B" "b_lock" {}
  send "A" "B" "M" {}
  release "A" "lock" {}
  release "B" "b_lock" {}
}
`), "p.hcl")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	prog, diags := vm.Compile(p)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if got := host.ProgramGuards(prog); !slices.Equal(got, []string{"b_lock", "lock"}) {
		t.Fatalf("all roles: %v", got)
	}
	if got := host.ProgramGuards(prog, "A"); !slices.Equal(got, []string{"lock"}) {
		t.Fatalf("role A: %v", got)
	}
}

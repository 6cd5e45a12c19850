package host_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/vm"
)

// The guard table's state machine: each step acts as one holder and says
// what it returns and whether the session "s1" is contended afterwards
// for guard "g".
func TestSessionGuardsStateMachine(t *testing.T) {
	t.Parallel()
	s1, s2, s3 := effects.DeriveSessionID("s1", 1), effects.DeriveSessionID("s2", 1), effects.DeriveSessionID("s3", 1)
	a1 := host.GuardHolder{Session: s1, Role: "A"}
	b1 := host.GuardHolder{Session: s1, Role: "B"}
	a2 := host.GuardHolder{Session: s2, Role: "A"}
	a3 := host.GuardHolder{Session: s3, Role: "A"}
	type step struct {
		do        string // acquire, release, end
		who       host.GuardHolder
		ok        bool // acquire: granted; release: no error
		contended bool // Contended(s1, ["g"]) afterwards
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"a free guard is granted, and again to its holder", []step{
			{"acquire", a1, true, false}, {"acquire", a1, true, false}}},
		{"another role of the same session waits, but that is no contention", []step{
			{"acquire", a1, true, false}, {"acquire", b1, false, false}}},
		{"another session waits: contention", []step{
			{"acquire", a1, true, false}, {"acquire", a2, false, true}}},
		{"another session holds it: contention", []step{
			{"acquire", a2, true, true}, {"acquire", a1, false, true}}},
		{"a waiter that gets the guard no longer waits", []step{
			{"acquire", a1, true, false}, {"acquire", a2, false, true}, {"release", a1, true, true},
			{"acquire", a2, true, true}, {"release", a2, true, false}}},
		{"releasing what one does not hold is refused", []step{
			{"release", a1, false, false}, {"acquire", a2, true, true}, {"release", a1, false, true}}},
		{"an ended session holds and waits for nothing", []step{
			{"acquire", a2, true, true}, {"acquire", a3, false, true}, {"end", a2, true, true},
			{"end", a3, true, false}, {"acquire", a1, true, false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := host.NewRouter(effects.NewRegistry(), effects.DeriveAuthorityID("x", 1))
			g := r.SessionGuards()
			for i, st := range tt.steps {
				var ok bool
				switch st.do {
				case "acquire":
					ok = g.Acquire(st.who, "g")
				case "release":
					err := g.Release(st.who, "g")
					if err != nil && !errors.Is(err, effects.ErrConflict) {
						t.Fatalf("step %d: release: %v, want a conflict", i, err)
					}
					ok = err == nil
				case "end":
					g.EndSession(st.who.Session)
					ok = true
				}
				if ok != st.ok {
					t.Fatalf("step %d: %s by %v = %v, want %v", i, st.do, st.who, ok, st.ok)
				}
				if c := g.Contended(s1, []string{"g"}); c != st.contended {
					t.Fatalf("step %d: contended %v, want %v", i, c, st.contended)
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

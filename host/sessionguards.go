package host

import (
	"slices"
	"strings"
	"sync"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/vm"
)

// GuardHolder is who holds, or waits for, a VM guard: one role of one
// session.
type GuardHolder struct {
	Session effects.SessionID
	Role    string
}

// SessionGuards is the table of the VM guards (a protocol's acquire and
// release) held by the sessions one router's agent runs: a guard is held
// by one (session, role) at a time across all of them, so two sessions
// of the agent that acquire the same guard take turns. It also remembers
// who waits, which is the guard contention the scheduler-signal rule
// reads (Contended). Safe for concurrent use.
type SessionGuards struct {
	mu      sync.Mutex
	held    map[string]GuardHolder
	waiting map[string]map[GuardHolder]bool
}

func newSessionGuards() *SessionGuards {
	return &SessionGuards{held: map[string]GuardHolder{}, waiting: map[string]map[GuardHolder]bool{}}
}

// Acquire gives guard to h when it is free or h holds it already;
// otherwise h waits for it, and Acquire reports false.
func (g *SessionGuards) Acquire(h GuardHolder, guard string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if cur, ok := g.held[guard]; ok && cur != h {
		if g.waiting[guard] == nil {
			g.waiting[guard] = map[GuardHolder]bool{}
		}
		g.waiting[guard][h] = true
		return false
	}
	g.held[guard] = h
	if w := g.waiting[guard]; w != nil {
		delete(w, h)
		if len(w) == 0 {
			delete(g.waiting, guard)
		}
	}
	return true
}

// Release frees a guard h holds; releasing one it does not hold is a
// conflict.
func (g *SessionGuards) Release(h GuardHolder, guard string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if cur, ok := g.held[guard]; !ok || cur != h {
		return effects.Errorf(effects.CodeConflict, "%s does not hold guard %q", h.Role, guard)
	}
	delete(g.held, guard)
	return nil
}

// EndSession frees every guard a session holds and forgets its waits: a
// session that ended — done or faulted — holds nothing.
func (g *SessionGuards) EndSession(session effects.SessionID) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for guard, h := range g.held {
		if h.Session == session {
			delete(g.held, guard)
		}
	}
	for guard, w := range g.waiting {
		for h := range w {
			if h.Session == session {
				delete(w, h)
			}
		}
		if len(w) == 0 {
			delete(g.waiting, guard)
		}
	}
}

// Contended reports whether a session other than session holds or waits
// for one of guards.
func (g *SessionGuards) Contended(session effects.SessionID, guards []string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, guard := range guards {
		if h, ok := g.held[guard]; ok && h.Session != session {
			return true
		}
		for h := range g.waiting[guard] {
			if h.Session != session {
				return true
			}
		}
	}
	return false
}

// ProgramGuards are the guards the roles of prog acquire (every role when
// roles is empty), sorted.
func ProgramGuards(prog *vm.Program, roles ...string) []string {
	var out []string
	for _, rc := range prog.Roles {
		if len(roles) > 0 && !slices.Contains(roles, rc.Role) {
			continue
		}
		for _, e := range rc.Summary().Effects {
			if g, ok := strings.CutPrefix(e, "guard "); ok && !slices.Contains(out, g) {
				out = append(out, g)
			}
		}
	}
	slices.Sort(out)
	return out
}

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

// SessionGuards records which sessions of one router's agent hold, or
// wait for, which VM guards (a protocol's acquire and release): the
// guard contention the scheduler-signal rule reads (Contended).
//
// It records; it does not arbitrate. Each session's guards are granted
// by its own effects (vm.RegistryEffects: one (session, role) at a time
// within the session), as before: in a simulation the machines of one
// round run concurrently, and a guard arbitrated across sessions would
// go to whichever goroutine came first, so a seed would no longer give
// one trace. Safe for concurrent use.
type SessionGuards struct {
	mu      sync.Mutex
	held    map[string]map[GuardHolder]bool
	waiting map[string]map[GuardHolder]bool
}

func newSessionGuards() *SessionGuards {
	return &SessionGuards{held: map[string]map[GuardHolder]bool{}, waiting: map[string]map[GuardHolder]bool{}}
}

func add(m map[string]map[GuardHolder]bool, guard string, h GuardHolder) {
	if m[guard] == nil {
		m[guard] = map[GuardHolder]bool{}
	}
	m[guard][h] = true
}

func remove(m map[string]map[GuardHolder]bool, guard string, h GuardHolder) {
	if w := m[guard]; w != nil {
		delete(w, h)
		if len(w) == 0 {
			delete(m, guard)
		}
	}
}

// Acquired records that h was granted guard (and no longer waits for it).
func (g *SessionGuards) Acquired(h GuardHolder, guard string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	add(g.held, guard, h)
	remove(g.waiting, guard, h)
}

// Waiting records that h asked for guard and was refused for now.
func (g *SessionGuards) Waiting(h GuardHolder, guard string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	add(g.waiting, guard, h)
}

// Released records that h gave guard back.
func (g *SessionGuards) Released(h GuardHolder, guard string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	remove(g.held, guard, h)
}

// EndSession forgets a session's holds and waits: a session that ended —
// done or faulted — holds and waits for nothing.
func (g *SessionGuards) EndSession(session effects.SessionID) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, m := range []map[string]map[GuardHolder]bool{g.held, g.waiting} {
		for guard, hs := range m {
			for h := range hs {
				if h.Session == session {
					remove(m, guard, h)
				}
			}
		}
	}
}

// Contended reports whether a session other than session holds or waits
// for one of guards.
func (g *SessionGuards) Contended(session effects.SessionID, guards []string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, guard := range guards {
		for _, m := range []map[string]map[GuardHolder]bool{g.held, g.waiting} {
			for h := range m[guard] {
				if h.Session != session {
					return true
				}
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

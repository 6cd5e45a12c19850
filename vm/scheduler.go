package vm

import (
	"github.com/aurahost/aura-host/vm/internal/compile"
	"github.com/aurahost/aura-host/vm/policy"
)

// pick chooses the coroutine that takes the next turn, or nil when no
// coroutine's next instruction can run.
//
//   - RoundRobin: the next live coroutine after the previous one, enabled
//     or not; a blocked turn changes nothing but still counts as a step.
//   - PriorityAging: the enabled coroutine with the highest base priority
//     plus rounds waited (ties to the lowest role); every other live
//     coroutine ages by one round, the chosen one starts again from zero.
//   - ProgressAware: the first enabled coroutine in role order.
func (m *Machine) pick() *coroutine {
	first := -1
	for i, c := range m.cos {
		if m.enabled(c) {
			first = i
			break
		}
	}
	if first < 0 {
		return nil
	}
	switch m.policy {
	case policy.ProgressAware:
		return m.cos[first]
	case policy.PriorityAging:
		var best *coroutine
		var bestScore int64
		for _, c := range m.cos[first:] {
			if !m.enabled(c) {
				continue
			}
			score := int64(c.priority) + int64(c.waited)
			if best == nil || score > bestScore {
				best, bestScore = c, score
			}
		}
		for _, c := range m.cos {
			if !c.halted {
				c.waited++
			}
		}
		best.waited = 0
		return best
	}
	for range m.cos {
		c := m.cos[m.rr%len(m.cos)]
		m.rr = (m.rr + 1) % len(m.cos)
		if !c.halted && !c.denied {
			return c
		}
	}
	return m.cos[first]
}

// enabled reports whether c's next instruction can run: what the
// progress-aware policy asks. Only a refused acquire needs the host to
// find out, so one is taken as enabled until it is refused.
func (m *Machine) enabled(c *coroutine) bool {
	if c.halted || c.denied {
		return false
	}
	in := &c.code[c.pc]
	switch in.Op {
	case compile.OpReceive, compile.OpOffer:
		return !m.edges[in.Edge].empty()
	case compile.OpSend, compile.OpChoose:
		return m.canSend(in.Edge, in.PeerIndex)
	}
	return true
}

// canSend reports whether edge k, to role to, has room.
func (m *Machine) canSend(k, to int) bool {
	if m.local[to] {
		return !m.edges[k].full()
	}
	return m.outLen[k] < m.cap
}

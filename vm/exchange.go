package vm

import (
	"fmt"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/vm/trace"
)

// Drain returns the messages this machine's roles sent to roles that run
// elsewhere, in send order, and empties the outbox. The host carries each
// to the machine of its receiver (Deliver), in order per edge.
func (m *Machine) Drain() []Message {
	out := m.outbox
	m.outbox = nil
	clear(m.outLen)
	return out
}

// Pending returns the number of messages waiting in the outbox.
func (m *Machine) Pending() int { return len(m.outbox) }

// Deliver injects a message from a role that runs elsewhere into the
// buffer of its edge. A message that names no such edge, another session,
// or arrives out of sequence is a ContractViolation *Fault (the machine is
// not changed); a full buffer is ErrInboxFull: deliver it again after Run
// has made room.
func (m *Machine) Deliver(msg Message) error {
	if m.status == Done || m.status == Faulted {
		return ErrFinished
	}
	p := m.prog.Protocol
	from, to := p.RoleIndex(msg.From), p.RoleIndex(msg.To)
	violation := func(format string, args ...any) error {
		return &Fault{Kind: FaultContractViolation, Role: msg.To, PC: -1, Index: -1, Step: m.steps,
			Message: "deliver: " + fmt.Sprintf(format, args...)}
	}
	switch {
	case msg.Session != m.cfg.Session:
		return violation("message of session %s delivered to session %s", msg.Session, m.cfg.Session)
	case from < 0 || to < 0:
		return violation("%s -> %s is not an edge of protocol %s", msg.From, msg.To, p.Name)
	case !m.local[to] || m.local[from]:
		return violation("%s -> %s is not an edge into this machine from outside it", msg.From, msg.To)
	}
	k, ok := m.prog.code.EdgeIndex[[2]int{from, to}]
	if !ok {
		return violation("%s never receives from %s", msg.To, msg.From)
	}
	f := m.edges[k]
	if msg.Seq != m.seqIn[k] {
		return violation("%s -> %s message %d arrived, expected %d", msg.From, msg.To, msg.Seq, m.seqIn[k])
	}
	if f.full() {
		return ErrInboxFull
	}
	if m.trace != nil {
		e := trace.Entry{OrderingKey: m.steps, Kind: trace.KindDeliver, Role: msg.To, Peer: msg.From, Interface: trace.InterfaceChannel,
			Operation: msg.Label, Inputs: effects.Uint(msg.Seq), Outputs: msg.Payload}
		if err := m.trace.add(&e); err != nil {
			return err
		}
	}
	f.push(msg)
	m.seqIn[k]++
	if m.status == Waiting {
		m.status = 0
	}
	return nil
}

// EdgeStat counts the messages of one directed edge in this machine.
type EdgeStat struct {
	From, To string
	Sent     uint64 // sent by a local role
	Received uint64 // received by a local role
	Buffered int    // waiting in the edge's buffer or the outbox
}

// Edges returns the statistics of every edge of the protocol that this
// machine sends or receives on, in role order.
func (m *Machine) Edges() []EdgeStat {
	roles := m.prog.Protocol.Roles
	var out []EdgeStat
	for k, e := range m.prog.code.Edges {
		if !m.local[e.From] && !m.local[e.To] {
			continue
		}
		buffered := m.outLen[k]
		if f := m.edges[k]; f != nil {
			buffered += f.size
		}
		out = append(out, EdgeStat{From: roles[e.From], To: roles[e.To], Sent: m.sent[k], Received: m.recvd[k], Buffered: buffered})
	}
	return out
}

package simnetwork

import (
	"container/heap"
	"math"

	"github.com/aurahost/aura-host/plugins/internal/networkops"
)

// message is one envelope sent on the network, followed from its send
// until every copy of it has been delivered or lost and no retransmission
// of it is due.
type message struct {
	env  Envelope
	link [2]string // (source, destination) keys
	// fifo is fixed at the send: the envelope was sent without reordering,
	// so it is delivered after every earlier fifo envelope on its link.
	fifo bool
	// inFlight counts copies on their way (events in the heap).
	inFlight int
	// arrived counts copies that reached the destination but wait behind
	// an earlier envelope on the link (only fifo envelopes wait).
	arrived int
	// delivered is set once a copy is in the destination's inbox.
	delivered bool
	// retransmitting is set while a retransmission is scheduled.
	retransmitting bool
	// seq numbers the send on the network, linkSeq on its link (1 for
	// the first), to tell when it is delivered after a later one.
	seq     uint64
	linkSeq int64
	// hold is added to each transmission's delay of an envelope held back
	// (Faults.ReorderPerMille); 0 for the others.
	hold int64
}

// settled reports whether nothing more will happen to m: no copy on its
// way or waiting, no retransmission due.
func (m *message) settled() bool { return m.inFlight == 0 && m.arrived == 0 && !m.retransmitting }

// event is something the network does at a virtual time: a copy of an
// envelope arriving, or a lost envelope being retransmitted.
type event struct {
	at         int64
	tie        uint64 // 0 but for the copies of a reordered envelope, where it is random
	order      uint64 // push order, the last tie-break
	msg        *message
	retransmit bool
}

// eventHeap orders events by time, then tie, then push order. Pushes
// happen in a fixed order for a fixed sequence of calls, so the heap pops
// in a reproducible order.
type eventHeap []*event

func (h eventHeap) Len() int { return len(h) }
func (h eventHeap) Less(i, j int) bool {
	a, b := h[i], h[j]
	if a.at != b.at {
		return a.at < b.at
	}
	if a.tie != b.tie {
		return a.tie < b.tie
	}
	return a.order < b.order
}
func (h eventHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *eventHeap) Push(x any)   { *h = append(*h, x.(*event)) }
func (h *eventHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return e
}

// drawsPerTransmission is how many values every transmission attempt
// takes from the stream, whatever the settings and whatever becomes of it:
// drop, duplicate, then a delay and a reordering tie for each of two
// copies.
const drawsPerTransmission = 6

// push schedules an event. Called with mu.
func (n *Network) push(e *event) {
	n.order++
	e.order = n.order
	heap.Push(&n.events, e)
}

// transmit puts m on the wire at virtual time at: one attempt, which the
// drop rate or a partition may lose. It returns how many copies are on
// their way and when the first arrives. Called with mu.
func (n *Network) transmit(m *message, at int64) (copies int, firstAt int64) {
	// A fixed number of draws per attempt keeps every later draw where it
	// was whatever the settings: changing one fault does not reshuffle
	// the others.
	var draw [drawsPerTransmission]uint64
	for i := range draw {
		draw[i] = n.rng.Uint64()
	}
	f := n.faults
	if n.cut(m.link[0], m.link[1]) || perMille(draw[0]) < f.DropPerMille {
		n.stats.Dropped++
		n.lost(m, at)
		return 0, 0
	}
	copies = 1
	if perMille(draw[1]) < f.DuplicatePerMille {
		copies = 2
		n.stats.Duplicated++
	}
	for c := range copies {
		arrive := at + between(draw[2+2*c], f.MinDelayMS, f.MaxDelayMS) + m.hold
		var tie uint64
		if m.fifo {
			arrive = max(arrive, n.lastOnLink[m.link])
		} else {
			tie = draw[3+2*c] | 1 // never 0: reordered copies do not tie with FIFO ones
		}
		if m.hold == 0 { // the envelopes sent while one is held back do not wait for it
			n.lastOnLink[m.link] = max(n.lastOnLink[m.link], arrive)
		}
		if c == 0 {
			firstAt = arrive
		}
		n.push(&event{at: arrive, tie: tie, msg: m})
	}
	m.inFlight += copies
	return copies, firstAt
}

// lost deals with an envelope none of whose copies got through, at
// virtual time at: with retransmission on it is sent again RetransmitMS
// later; otherwise it is gone. Called with mu.
func (n *Network) lost(m *message, at int64) {
	rto := n.faults.RetransmitMS
	if rto == 0 {
		return
	}
	m.retransmitting = true
	next := at + rto
	if next < at { // overflow: the retransmission waits for the end of time
		next = math.MaxInt64
	}
	n.push(&event{at: next, msg: m, retransmit: true})
}

// deliverDue carries out every event due by now, in event order, and
// returns how many copies reached an inbox. Called with mu.
func (n *Network) deliverDue() int {
	delivered := 0
	for len(n.events) > 0 && n.events[0].at <= n.now {
		ev := heap.Pop(&n.events).(*event)
		m := ev.msg
		switch {
		case ev.retransmit:
			m.retransmitting = false
			n.stats.Retransmissions++
			n.transmit(m, ev.at)
		case n.cut(m.link[0], m.link[1]):
			// A partition loses what is in flight across it. The envelope
			// needs sending again only if no copy got or will get through.
			m.inFlight--
			n.stats.Dropped++
			if m.inFlight == 0 && m.arrived == 0 && !m.delivered {
				n.lost(m, ev.at)
			}
		case !m.fifo:
			m.inFlight--
			n.deliver(m)
			delivered++
		default:
			m.inFlight--
			m.arrived++
			n.held++
		}
		if m.fifo {
			delivered += n.drain(m.link)
		}
	}
	return delivered
}

// drain delivers, in send order, the copies that have arrived on a FIFO
// link, up to the first envelope not yet through: one being retransmitted
// or still on its way, or one whose duplicate is still on its way (copies
// of an envelope stay together, as without retransmission). Called with
// mu.
func (n *Network) drain(link [2]string) int {
	q := n.queues[link]
	delivered := 0
	for len(q) > 0 {
		head := q[0]
		for ; head.arrived > 0; head.arrived-- {
			n.held--
			n.deliver(head)
			delivered++
		}
		if !head.settled() {
			break
		}
		q[0] = nil
		q = q[1:]
	}
	if len(q) == 0 {
		delete(n.queues, link)
	} else {
		n.queues[link] = q
	}
	return delivered
}

// deliver puts a copy of m in its destination's inbox. Called with mu.
func (n *Network) deliver(m *message) {
	src, dst, ctx := m.link[0], m.link[1], networkops.AddressKey(m.env.Context)
	n.inboxes[dst] = append(n.inboxes[dst], m.env)
	n.channels[[3]string{src, dst, ctx}] = true
	n.channels[[3]string{dst, src, ctx}] = true
	n.stats.Delivered++
	n.countDelivery(m)
	m.delivered = true
}

package simnetwork

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"slices"
	"sync"

	"lukechampine.com/blake3"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/networkops"
	"github.com/aurahost/aura-host/sdk"
)

// Faults are the network's fault settings, and whether it retransmits
// what it loses. The zero Faults is a perfect network: nothing lost,
// duplicated or delayed, every link FIFO, no retransmission (none needed).
type Faults struct {
	// DropPerMille is the chance, in thousandths, that a transmission (a
	// send, or a retransmission) is lost.
	DropPerMille int64
	// DuplicatePerMille is the chance, in thousandths, that a transmission
	// that is not lost is delivered twice (each copy with its own delay).
	DuplicatePerMille int64
	// MinDelayMS and MaxDelayMS bound the delay of each copy, drawn
	// uniformly from [MinDelayMS, MaxDelayMS].
	MinDelayMS, MaxDelayMS int64
	// Reorder lets an envelope overtake an earlier one on the same link;
	// without it each link delivers in send order.
	Reorder bool
	// ReorderPerMille is the chance, in thousandths, that a send is held
	// back: its every transmission arrives a hold drawn from [1,
	// ReorderHoldMS] later than its delay says, and no envelope on its link waits behind it, so those
	// sent on the link in the meantime overtake it. The draw comes from a
	// stream of its own, taken only while the rate is above 0, so that
	// turning it on moves no drop, duplicate or delay draw.
	ReorderPerMille int64
	// ReorderHoldMS is the longest a held-back envelope is held, in
	// virtual milliseconds (at least 1 while ReorderPerMille is above 0).
	ReorderHoldMS int64
	// RetransmitMS, when more than 0, makes the network reliable, as TCP
	// is over a lossy link: a transmission that the drop rate or a
	// partition loses is sent again RetransmitMS virtual milliseconds
	// later, and again, each attempt with its own drop decision, until one
	// gets through. A FIFO link then holds later envelopes back until the
	// earlier ones are delivered (head-of-line blocking). 0, the default,
	// is a datagram network: what is lost is gone. Turning it off lets the
	// retransmissions already scheduled happen once more; an envelope they
	// lose is then gone.
	RetransmitMS int64
}

// Validate checks the settings' ranges.
func (f Faults) Validate() error {
	switch {
	case f.DropPerMille < 0 || f.DropPerMille > 1000:
		return fmt.Errorf("drop rate must be between 0 and 1000 per mille, got %d", f.DropPerMille)
	case f.DuplicatePerMille < 0 || f.DuplicatePerMille > 1000:
		return fmt.Errorf("duplicate rate must be between 0 and 1000 per mille, got %d", f.DuplicatePerMille)
	case f.MinDelayMS < 0 || f.MaxDelayMS < f.MinDelayMS:
		return fmt.Errorf("delay must satisfy 0 <= min <= max, got min %d, max %d", f.MinDelayMS, f.MaxDelayMS)
	case f.ReorderPerMille < 0 || f.ReorderPerMille > 1000:
		return fmt.Errorf("reorder rate must be between 0 and 1000 per mille, got %d", f.ReorderPerMille)
	case f.ReorderHoldMS < 0 || (f.ReorderPerMille > 0 && f.ReorderHoldMS == 0):
		return fmt.Errorf("a held-back envelope must be held 1 ms or more (hold_ms), got %d", f.ReorderHoldMS)
	case f.RetransmitMS < 0:
		return fmt.Errorf("retransmission timeout must be 0 (off) or more milliseconds, got %d", f.RetransmitMS)
	}
	return nil
}

// SendResult says what the network did with a send. A simulated sender
// may look; a protocol must not depend on it, as a real sender cannot.
type SendResult struct {
	// Seq numbers the send: 1 for the network's first.
	Seq uint64
	// Copies is how many copies are in flight: 0 if the first
	// transmission was lost (and, with retransmission on, will be sent
	// again), 2 if duplicated.
	Copies int
	// DeliverAt is when the first copy reaches its destination (valid if
	// Copies > 0). With retransmission on, a FIFO link may hold it back
	// further, behind an earlier envelope still being retransmitted.
	DeliverAt int64
}

// Value renders the result as {seq: uint, copies: int, dropped: bool,
// deliver_at: int or null}.
func (r SendResult) Value() sdk.Value {
	at := sdk.Null()
	if r.Copies > 0 {
		at = sdk.Int(r.DeliverAt)
	}
	return sdk.Map(map[string]sdk.Value{"seq": sdk.Uint(r.Seq), "copies": sdk.Int(int64(r.Copies)),
		"dropped": sdk.Bool(r.Copies == 0), "deliver_at": at})
}

// Stats counts what the network has done.
type Stats struct {
	// Sent counts sends; Retransmissions, the attempts to send again an
	// envelope that was lost.
	Sent, Retransmissions int64
	// Dropped counts lost transmissions (the drop rate's, and a
	// partition's at send) and copies a partition lost on their way.
	Dropped int64
	// Duplicated counts transmissions delivered twice; Delivered, the
	// copies put in an inbox.
	Duplicated, Delivered int64
	// Reordered counts copies delivered after a copy of an envelope sent
	// later to the same destination, on the same link or another:
	// envelopes that were overtaken, whatever overtook them (a hold-back,
	// a shorter delay, a retransmission). HeldOvertaken counts those of
	// them that had been held back (Faults.ReorderPerMille): the
	// overtakings the reorder rate caused.
	Reordered, HeldOvertaken int64
	// InFlight counts what is on its way now: copies in transit, copies
	// held behind an earlier envelope on a FIFO link, and lost envelopes
	// waiting to be retransmitted.
	InFlight int64
	// Now is the network's virtual time.
	Now int64
}

// Value renders the stats as a map of ints.
func (s Stats) Value() sdk.Value {
	return sdk.Map(map[string]sdk.Value{"sent": sdk.Int(s.Sent), "retransmissions": sdk.Int(s.Retransmissions),
		"dropped": sdk.Int(s.Dropped), "duplicated": sdk.Int(s.Duplicated), "delivered": sdk.Int(s.Delivered),
		"reordered": sdk.Int(s.Reordered), "held_overtaken": sdk.Int(s.HeldOvertaken), "in_flight": sdk.Int(s.InFlight), "now": sdk.Int(s.Now)})
}

// Network is a simulated network between endpoints. Make one with
// NewNetwork; all methods are safe for concurrent use, but only a fixed
// sequence of calls gives a reproducible run.
type Network struct {
	mu         sync.Mutex
	rng        *rand.ChaCha8
	holdRng    *rand.ChaCha8 // ReorderPerMille's draws, one per send while it is above 0
	now        int64
	seq        uint64
	faults     Faults
	cuts       map[[2]string]bool       // unordered pairs of endpoint keys that a partition separates
	events     eventHeap                // copies on their way and retransmissions, by time
	order      uint64                   // events pushed so far, to break ties reproducibly
	queues     map[[2]string][]*message // per (source, destination): FIFO envelopes not yet settled, in send order
	held       int64                    // copies arrived but held behind an earlier envelope
	inboxes    map[string][]Envelope    // by destination key, in delivery order
	known      map[string]sdk.Value     // every endpoint seen, by key
	channels   map[[3]string]bool       // (self, peer, context) that have exchanged an envelope
	lastOnLink map[[2]string]int64      // latest arrival time per (source, destination), for FIFO
	learnt     map[string]*learnt       // by learner's endpoint key ("" for no authority): peers learnt from descriptors
	stats      Stats
	links      map[[2]string]*LinkStats // per (source, destination): what crossed it (links.go)
	newestTo   map[string]uint64        // per destination: the send number (seq) of the latest-sent envelope delivered
}

// NewNetwork returns a perfect network at virtual time 0 whose faults,
// once set, are drawn from a stream seeded by seed.
func NewNetwork(seed uint64) *Network {
	var s [8]byte
	binary.BigEndian.PutUint64(s[:], seed)
	var k [32]byte
	blake3.DeriveKey(k[:], "aura-host plugins/sim-network v1 faults", s[:])
	var hk [32]byte
	blake3.DeriveKey(hk[:], "aura-host plugins/sim-network v1 reorder", s[:])
	return &Network{
		rng:        rand.NewChaCha8(k),
		holdRng:    rand.NewChaCha8(hk),
		cuts:       map[[2]string]bool{},
		queues:     map[[2]string][]*message{},
		inboxes:    map[string][]Envelope{},
		known:      map[string]sdk.Value{},
		channels:   map[[3]string]bool{},
		lastOnLink: map[[2]string]int64{},
		learnt:     map[string]*learnt{},
	}
}

// Register makes an endpoint known, so that it is listed among its peers'
// connected peers before it has sent or received anything.
func (n *Network) Register(endpoint sdk.Value) error {
	if !networkops.IsAddress(endpoint, false) {
		return fmt.Errorf("an endpoint must be non-empty bytes or a non-empty string, got %v", endpoint)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.known[networkops.AddressKey(endpoint)] = endpoint
	return nil
}

// Now returns the network's virtual time in milliseconds.
func (n *Network) Now() int64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.now
}

// SetFaults replaces the fault settings.
func (n *Network) SetFaults(f Faults) error {
	if err := f.Validate(); err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.faults = f
	return nil
}

// UpdateFaults changes the fault settings with edit, atomically.
func (n *Network) UpdateFaults(edit func(f *Faults)) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	f := n.faults
	edit(&f)
	if err := f.Validate(); err != nil {
		return err
	}
	n.faults = f
	return nil
}

// Faults returns the fault settings.
func (n *Network) Faults() Faults {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.faults
}

func pair(a, b string) [2]string {
	if a > b {
		a, b = b, a
	}
	return [2]string{a, b}
}

// Partition separates every endpoint of a from every endpoint of b, in
// both directions, until Heal. Partitions add up.
func (n *Network) Partition(a, b []sdk.Value) error {
	for _, e := range slices.Concat(a, b) {
		if !networkops.IsAddress(e, false) {
			return fmt.Errorf("an endpoint must be non-empty bytes or a non-empty string, got %v", e)
		}
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, x := range a {
		n.known[networkops.AddressKey(x)] = x
		for _, y := range b {
			n.known[networkops.AddressKey(y)] = y
			if networkops.AddressKey(x) != networkops.AddressKey(y) {
				n.cuts[pair(networkops.AddressKey(x), networkops.AddressKey(y))] = true
			}
		}
	}
	return nil
}

// Heal removes every partition.
func (n *Network) Heal() {
	n.mu.Lock()
	defer n.mu.Unlock()
	clear(n.cuts)
}

// Clear removes every fault and partition: a perfect network again.
// Envelopes in flight keep their delivery times, and retransmission stays
// as it was: it is how the transport copes with faults, not a fault, so a
// fault schedule that clears its faults leaves a reliable network
// reliable.
func (n *Network) Clear() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.faults = Faults{RetransmitMS: n.faults.RetransmitMS}
	clear(n.cuts)
}

func (n *Network) cut(a, b string) bool { return n.cuts[pair(a, b)] }

// perMille maps a draw onto [0, 1000) by multiply-shift.
func perMille(x uint64) int64 {
	hi, _ := bits.Mul64(x, 1000)
	return int64(hi)
}

// between maps a draw onto [lo, hi].
func between(x uint64, lo, hi int64) int64 {
	span := uint64(hi-lo) + 1
	if span == 0 { // the whole uint64 range
		return lo + int64(x)
	}
	off, _ := bits.Mul64(x, span)
	return lo + int64(off)
}

// Send puts an envelope on the network at the current virtual time and
// returns what became of its first transmission. Copies due at once (no
// delay) are receivable on return.
func (n *Network) Send(e Envelope) (SendResult, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	src, dst := networkops.AddressKey(e.Source), networkops.AddressKey(e.Destination)
	n.known[src], n.known[dst] = e.Source, e.Destination
	n.stats.Sent++
	ls := n.link([2]string{src, dst})
	ls.Sent++
	n.seq++
	m := &message{env: e, link: [2]string{src, dst}, fifo: !n.faults.Reorder, seq: n.seq, linkSeq: ls.Sent}
	if f := n.faults; f.ReorderPerMille > 0 && perMille(n.holdRng.Uint64()) < f.ReorderPerMille {
		m.fifo, m.hold = false, between(n.holdRng.Uint64(), 1, f.ReorderHoldMS)
	}
	res := SendResult{Seq: n.seq}
	res.Copies, res.DeliverAt = n.transmit(m, n.now)
	if m.fifo && !m.settled() {
		n.queues[m.link] = append(n.queues[m.link], m)
	}
	n.deliverDue()
	return res, nil
}

// Advance moves the network's virtual time to now (never back) and carries
// out everything due by then, in time order: retransmissions, and
// deliveries that make envelopes receivable. It returns how many copies
// were delivered; those lost to a partition are not counted.
func (n *Network) Advance(now int64) (int, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if now < n.now {
		return 0, fmt.Errorf("the network's time is %d ms and only moves forward, not to %d", n.now, now)
	}
	n.now = now
	return n.deliverDue(), nil
}

// NextDelivery returns the earliest virtual time at which the network
// will do something — a copy arrives or a lost envelope is retransmitted —
// so that a simulator can jump straight to it; false when nothing is on
// its way. Advancing to it may deliver nothing (the retransmission is lost
// again, or the copy is held behind an earlier envelope), but never skips
// a delivery.
func (n *Network) NextDelivery() (int64, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.events) == 0 {
		return 0, false
	}
	return n.events[0].at, true
}

// Receive takes the oldest envelope delivered to destination.
func (n *Network) Receive(destination sdk.Value) (Envelope, bool) {
	return n.take(destination, func(Envelope) bool { return true })
}

// ReceiveFrom takes the oldest envelope delivered to destination from
// source in context.
func (n *Network) ReceiveFrom(destination, source, context sdk.Value) (Envelope, bool) {
	src, ctx := networkops.AddressKey(source), networkops.AddressKey(context)
	return n.take(destination, func(e Envelope) bool {
		return networkops.AddressKey(e.Source) == src && networkops.AddressKey(e.Context) == ctx
	})
}

func (n *Network) take(destination sdk.Value, match func(Envelope) bool) (Envelope, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	dst := networkops.AddressKey(destination)
	box := n.inboxes[dst]
	i := slices.IndexFunc(box, match)
	if i < 0 {
		return Envelope{}, false
	}
	e := box[i]
	n.inboxes[dst] = slices.Delete(box, i, i+1)
	return e, true
}

// ConnectedPeers returns the known endpoints other than self that no
// partition separates from it, ordered by their canonical encoding.
func (n *Network) ConnectedPeers(self sdk.Value) []sdk.Value {
	n.mu.Lock()
	defer n.mu.Unlock()
	me := networkops.AddressKey(self)
	keys := make([]string, 0, len(n.known))
	for k := range n.known {
		if k != me && !n.cut(me, k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	out := make([]sdk.Value, len(keys))
	for i, k := range keys {
		out[i] = n.known[k]
	}
	return out
}

// ChannelEstablished reports whether self and peer have exchanged an
// envelope in context (either way) and no partition separates them now.
func (n *Network) ChannelEstablished(self, context, peer sdk.Value) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	me, p := networkops.AddressKey(self), networkops.AddressKey(peer)
	return n.channels[[3]string{me, p, networkops.AddressKey(context)}] && !n.cut(me, p)
}

// Stats returns what the network has done so far.
func (n *Network) Stats() Stats {
	n.mu.Lock()
	defer n.mu.Unlock()
	s := n.stats
	s.InFlight, s.Now = int64(len(n.events))+n.held, n.now
	return s
}

// authorityAddress is the address of an authority: its 16 bytes, what an
// operation uses when the caller names no endpoint.
func authorityAddress(a effects.AuthorityID) sdk.Value { return sdk.Bytes(a[:]) }

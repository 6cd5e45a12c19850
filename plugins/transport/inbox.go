package transport

import (
	"context"
	"slices"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/aurahost/aura-host/plugins/internal/networkops"
	"github.com/aurahost/aura-host/sdk"
)

// The inbox: envelopes received and not yet taken, bounded in bytes per
// peer, bytes in all, and count. A reader reserves a frame's bytes before
// reading it, so what is counted bounds what is held.

// reserve waits until size more bytes from peer fit the limits, and counts
// them; false if the node closed meanwhile. While it waits, the peer's
// stream is not read, so the peer's writes block: that is the back-pressure.
func (n *Node) reserve(id peer.ID, name string, size int64) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.waiting[id]++
	defer func() {
		if n.waiting[id]--; n.waiting[id] == 0 {
			delete(n.waiting, id)
		}
	}()
	for !n.closed && (n.peerBytes[name]+size > n.limits.MaxBufferedBytesPerPeer ||
		n.bytes+size > n.limits.MaxBufferedBytes || len(n.inbox) >= n.limits.MaxBuffered) {
		n.room.Wait()
	}
	if n.closed {
		return false
	}
	n.peerBytes[name] += size
	n.bytes += size
	return true
}

func (n *Node) release(name string, size int64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.releaseLocked(name, size)
}

func (n *Node) releaseLocked(name string, size int64) {
	n.bytes -= size
	if n.peerBytes[name] -= size; n.peerBytes[name] <= 0 {
		delete(n.peerBytes, name)
	}
	n.room.Broadcast()
}

func (n *Node) commit(id peer.ID, name string, e Envelope, size int64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.inbox = append(n.inbox, buffered{e, name, size})
	n.channels[[2]string{name, networkops.AddressKey(e.Context)}] = true
	n.lastActive[id] = time.Now()
	close(n.arrived)
	n.arrived = make(chan struct{})
}

// Receive takes the oldest buffered envelope. Every buffered envelope is
// addressed to this node: the node refuses others as they arrive.
func (n *Node) Receive() (Envelope, bool) {
	return n.take(func(Envelope) bool { return true })
}

// ReceiveFrom takes the oldest buffered envelope from source in context.
func (n *Node) ReceiveFrom(source, context sdk.Value) (Envelope, bool) {
	src, ctx := networkops.AddressKey(source), networkops.AddressKey(context)
	return n.take(func(e Envelope) bool {
		return networkops.AddressKey(e.Source) == src && networkops.AddressKey(e.Context) == ctx
	})
}

func (n *Node) take(match func(Envelope) bool) (Envelope, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	i := slices.IndexFunc(n.inbox, func(b buffered) bool { return match(b.e) })
	if i < 0 {
		return Envelope{}, false
	}
	b := n.inbox[i]
	n.inbox = slices.Delete(n.inbox, i, i+1)
	n.releaseLocked(b.peer, b.size)
	return b.e, true
}

// Buffered returns how many received envelopes wait to be taken.
func (n *Node) Buffered() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.inbox)
}

// BufferedBytes returns the encoded bytes of the envelopes waiting to be
// taken and of those being read: what Limits.MaxBufferedBytes bounds.
func (n *Node) BufferedBytes() int64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.bytes
}

// WaitBuffered blocks until at least count envelopes are buffered, or ctx
// ends.
func (n *Node) WaitBuffered(ctx context.Context, count int) error {
	for {
		n.mu.Lock()
		have, arrived := len(n.inbox), n.arrived
		n.mu.Unlock()
		if have >= count {
			return nil
		}
		select {
		case <-arrived:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

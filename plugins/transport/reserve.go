package transport

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/aurahost/aura-host/sdk"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/net/swarm"
	"github.com/libp2p/go-libp2p/p2p/protocol/circuitv2/client"
	ma "github.com/multiformats/go-multiaddr"
)

// Reservations: a node with relays keeps a slot reserved on each, so that
// the relay brings it the connections its peers dial through the relay.
// A reservation lives on the node's connection to the relay and expires
// (the relay's reservation TTL, an hour by default): one goroutine per
// relay reserves, refreshes it half way to its expiry, and reserves again
// at once when the connection to the relay is lost, backing off from 1 s
// to a minute while the relay cannot be reached.

const (
	reserveTimeout    = 30 * time.Second
	reserveBackoffMin = time.Second
	reserveBackoffMax = time.Minute
)

// reservation is one relay of the node, and the state of its slot there.
type reservation struct {
	id   peer.ID
	addr ma.Multiaddr
	lost chan struct{} // signalled when the connection to the relay ends

	// Guarded by Node.mu.
	expires time.Time // zero: no reservation held
}

// newReservation checks a RelayInfo; the path of a mistake is relative to
// the relay.
func newReservation(r RelayInfo) (*reservation, *ConfigError) {
	id, err := PeerID(r.PublicKey)
	if err != nil {
		return nil, configErr([]string{"public_key"}, "give the relay's Ed25519 public key, 64 hex digits (the relay logs it when it starts)",
			"relay public key: "+err.Error())
	}
	if r.Address == "" {
		return nil, configErr([]string{"address"}, "give the relay's host:port or TCP/QUIC multiaddr", "a relay needs an address")
	}
	m, err := configAddr(r.Address)
	if err != nil {
		return nil, configErr([]string{"address"}, "", "relay address: "+err.Error())
	}
	return &reservation{id: id, addr: m, lost: make(chan struct{}, 1)}, nil
}

// keepReservations starts one goroutine per relay, owned by the node.
func (n *Node) keepReservations(relays []*reservation) {
	if len(relays) == 0 {
		return
	}
	for _, r := range relays {
		n.h.Peerstore().AddAddr(r.id, r.addr, 24*365*time.Hour)
	}
	watch := &network.NotifyBundle{DisconnectedF: func(_ network.Network, c network.Conn) {
		n.mu.Lock()
		r := n.ownRelays[c.RemotePeer()]
		n.mu.Unlock()
		if r != nil && !isCircuit(c.RemoteMultiaddr()) && n.h.Network().Connectedness(r.id) != network.Connected {
			select {
			case r.lost <- struct{}{}:
			default:
			}
		}
	}}
	n.h.Network().Notify(watch)
	n.wg.Add(len(relays) + 1)
	go func() {
		defer n.wg.Done()
		<-n.done
		n.h.Network().StopNotify(watch)
	}()
	for _, r := range relays {
		go n.keepReservation(r)
	}
}

// clearDialBackoff forgets the swarm's dial backoff (5 s and more after a
// failed dial) for the peer that dst names: a send that retries paces its
// own dials, and after a partition heals the next one must go out at once,
// not seconds later.
func (n *Node) clearDialBackoff(dst sdk.Value) {
	n.mu.Lock()
	id, ok := n.peers[resolve(dst)]
	n.mu.Unlock()
	if sw, isSwarm := n.h.Network().(*swarm.Swarm); ok && isSwarm {
		sw.Backoff().Clear(id)
	}
}

func (n *Node) keepReservation(r *reservation) {
	defer n.wg.Done()
	backoff := reserveBackoffMin
	for {
		// The swarm's own dial backoff (5 s and more after a failed dial)
		// would refuse the dial this loop already paces.
		if sw, ok := n.h.Network().(*swarm.Swarm); ok {
			sw.Backoff().Clear(r.id)
		}
		ctx, cancel := context.WithTimeout(n.life, reserveTimeout)
		rsvp, err := client.Reserve(ctx, n.h, peer.AddrInfo{ID: r.id, Addrs: []ma.Multiaddr{r.addr}})
		cancel()
		var wait time.Duration
		if err != nil {
			n.setReserved(r, time.Time{})
			n.logger.Warn("cannot reserve a slot on a relay; retrying", "relay", r.addr.String(), "relay_id", r.id.String(),
				"retry_in", backoff.String(), "error", err)
			wait, backoff = backoff, min(2*backoff, reserveBackoffMax)
		} else {
			n.setReserved(r, rsvp.Expiration)
			n.logger.Info("reserved a slot on a relay", "relay", r.addr.String(), "relay_id", r.id.String(),
				"expires", rsvp.Expiration.UTC().Format(time.RFC3339), "circuit_addr", circuitAddr(r.addr, r.id).String())
			backoff = reserveBackoffMin
			wait = max(time.Until(rsvp.Expiration)/2, time.Second)
		}
		timer := time.NewTimer(wait)
		select {
		case <-r.lost:
			n.setReserved(r, time.Time{})
			n.logger.Info("lost the connection to a relay, and the reservation on it; reserving again", "relay", r.addr.String())
		case <-timer.C:
		case <-n.done:
			timer.Stop()
			return
		}
		timer.Stop()
		// Drain a loss noticed while reserving: the next Reserve dials.
		select {
		case <-r.lost:
		default:
		}
	}
}

func (n *Node) setReserved(r *reservation, expires time.Time) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if r.expires.Equal(expires) {
		return
	}
	r.expires = expires
	close(n.reserved)
	n.reserved = make(chan struct{})
}

// circuitAddrs are the node's addresses through the relays it holds a
// reservation on.
func (n *Node) circuitAddrs() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []string
	for _, id := range slices.Sorted(maps.Keys(n.ownRelays)) {
		r := n.ownRelays[id]
		if !r.expires.IsZero() && time.Now().Before(r.expires) {
			out = append(out, circuitAddr(r.addr, r.id).String())
		}
	}
	return out
}

// Reserved returns how many of the node's relays hold a reservation for it
// now: through each of them, peers can reach it.
func (n *Node) Reserved() int {
	return len(n.circuitAddrs())
}

// WaitReserved blocks until at least count of the node's relays hold a
// reservation for it, or ctx ends.
func (n *Node) WaitReserved(ctx context.Context, count int) error {
	for {
		n.mu.Lock()
		changed := n.reserved
		n.mu.Unlock()
		if n.Reserved() >= count {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		case <-n.done:
			return context.Canceled
		}
	}
}

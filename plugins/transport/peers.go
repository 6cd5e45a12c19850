package transport

import (
	"fmt"
	"strconv"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/peerstore"
	ma "github.com/multiformats/go-multiaddr"
)

// Peers and relays as the node knows them: checking a configured peer,
// its addresses in the peerstore, and the keys the gater admits.

// resolvedPeer is a Peer with its ID and parsed addresses.
type resolvedPeer struct {
	id    peer.ID
	addrs []ma.Multiaddr
	relay *reservation // only id and addr are used
}

// resolvePeer checks a peer, the path of a mistake relative to the peer.
func resolvePeer(p Peer) (resolvedPeer, *ConfigError) {
	id, err := PeerID(p.PublicKey)
	if err != nil {
		return resolvedPeer{}, configErr([]string{"public_key"}, "give the peer's Ed25519 public key, 64 hex digits", "public key: "+err.Error())
	}
	rp := resolvedPeer{id: id}
	for i, a := range p.addresses() {
		m, err := configAddr(a)
		if err != nil {
			path := []string{"address"}
			if len(p.addresses()) > 1 {
				path = append(path, strconv.Itoa(i))
			}
			return resolvedPeer{}, configErr(path, "", "address: "+err.Error())
		}
		rp.addrs = append(rp.addrs, m)
	}
	if p.Relay != nil {
		rv, cerr := newReservation(*p.Relay)
		if cerr != nil {
			cerr.Path = append([]string{"relay"}, cerr.Path...)
			return resolvedPeer{}, cerr
		}
		if rv.id == id {
			return resolvedPeer{}, configErr([]string{"relay", "public_key"}, "give the relay's own key, not the peer's",
				"a peer cannot be its own relay")
		}
		rp.relay = rv
	}
	if len(rp.addrs) == 0 && rp.relay == nil {
		return resolvedPeer{}, configErr([]string{"address"}, "give the peer's address, or a relay it is reachable through",
			"a peer needs an address or a relay")
	}
	return rp, nil
}

// addAddrs puts a peer's addresses, and its circuit address through its
// relay, in the peerstore, for as long as the peer is configured.
func (n *Node) addAddrs(p resolvedPeer) {
	ps := n.h.Peerstore()
	ps.AddAddrs(p.id, p.addrs, peerstore.PermanentAddrTTL)
	if p.relay != nil {
		ps.AddAddr(p.relay.id, p.relay.addr, peerstore.PermanentAddrTTL)
		ps.AddAddr(p.id, circuitAddr(p.relay.addr, p.relay.id), peerstore.PermanentAddrTTL)
	}
}

// relayIDsLocked recomputes the keys the gater lets in as relays: the
// node's own relays and its peers'. Called with n.mu (or before the node
// runs).
func (n *Node) relayIDsLocked() {
	clear(n.relayIDs)
	for id := range n.ownRelays {
		n.relayIDs[id] = true
	}
	for _, id := range n.peerRelays {
		n.relayIDs[id] = true
	}
}

// SetPeer adds a peer or changes its addresses, relay and key. A mistake
// is a *ConfigError.
func (n *Node) SetPeer(name string, p Peer) error {
	rp, cerr := resolvePeer(p)
	if cerr != nil {
		cerr.Path = append([]string{"peers", name}, cerr.Path...)
		return cerr
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if other, dup := n.names[rp.id]; dup && other != name {
		return configErr([]string{"peers", name, "public_key"}, "give each peer its own key", fmt.Sprintf("peer %s already has this public key", other))
	}
	if n.relayIDs[rp.id] {
		return configErr([]string{"peers", name, "public_key"}, "run the relay with a key of its own",
			fmt.Sprintf("peer %s has the public key of a relay: a relay is not a peer", name))
	}
	if rp.relay != nil {
		if _, isPeer := n.names[rp.relay.id]; isPeer {
			return configErr([]string{"peers", name, "relay", "public_key"}, "run the relay with a key of its own",
				"the relay of peer "+name+" has the public key of a peer: a relay is not a peer")
		}
	}
	if old, ok := n.peers[name]; ok {
		delete(n.names, old)
		n.h.Peerstore().ClearAddrs(old)
	}
	n.peers[name], n.names[rp.id] = rp.id, name
	delete(n.peerRelays, name)
	if rp.relay != nil {
		n.peerRelays[name] = rp.relay.id
	}
	n.relayIDsLocked()
	n.addAddrs(rp)
	return nil
}

func (n *Node) isRelay(id peer.ID) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.relayIDs[id]
}

func (n *Node) peerName(id peer.ID) (string, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	name, ok := n.names[id]
	return name, ok
}

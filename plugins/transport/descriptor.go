package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/internal/descriptor"
	"github.com/aurahost/aura-host/plugins/internal/transportops"
	"github.com/aurahost/aura-host/sdk"
)

// DiscoveryFamily is the family of the transport's discovery operations:
// learning peers from signed descriptors. Their declarations are shared
// with sim-network, which serves them on its simulated network
// (plugins/internal/transportops).
const DiscoveryFamily = transportops.Family

// seqKey is the peerstore metadata under which the seq of the descriptor a
// peer was learnt from is kept.
const seqKey = "aura/descriptor-seq"

// LearnedPeer is the peer a descriptor set.
type LearnedPeer struct {
	// Name is the peer's name: its authority's lower-case hex
	// (descriptor.Descriptor.PeerName), the name an envelope's bytes
	// destination resolves to.
	Name string
	// ID is its libp2p peer ID, derived from the descriptor's device key.
	ID peer.ID
	// Addresses are the addresses it is dialled at, until ExpiresMS.
	Addresses []string
	// ExpiresMS is when the descriptor, and so these addresses, expire.
	ExpiresMS int64
	// Known reports that the name was a peer already (with this key).
	Known bool
}

// LearnPeer makes the authority a signed descriptor describes a peer of
// the node: named by its authority's hex, authenticated by the
// descriptor's device key, dialled at its addresses until the descriptor
// expires. The descriptor must verify at now (signature, expiry, clock
// skew); it may not re-key a peer already configured or learnt under
// another key (ErrRekey), give a key another peer holds, name this node,
// or be older than the descriptor already learnt (ErrStaleDescriptor).
// Every refusal is logged. Relay addresses are verified but not used: the
// node dials only directly, for now.
//
// Once learnt, the key is a peer's like a configured one: the gater lets
// it connect, and only a descriptor signed by it moves its addresses.
// Its addresses expire with the descriptor (the peerstore forgets them);
// its key stays.
func (n *Node) LearnPeer(signed effects.Value, now time.Time) (LearnedPeer, error) {
	s, err := descriptor.Verify(signed, now.UnixMilli())
	if err != nil {
		return LearnedPeer{}, n.refuseDescriptor(transportops.RefusalCode(err), "", err)
	}
	name := s.PeerName()
	id, err := PeerID(s.DeviceKey)
	if err != nil {
		return LearnedPeer{}, n.refuseDescriptor(sdk.CodeInvalidArgs, name, err)
	}
	addrs := make([]ma.Multiaddr, 0, len(s.Addresses))
	for i, a := range s.Addresses {
		m, err := Multiaddr(a)
		if err != nil {
			return LearnedPeer{}, n.refuseDescriptor(sdk.CodeInvalidArgs, name, fmt.Errorf("addresses[%d] %q: %w", i, a, err))
		}
		tr, named := peer.SplitAddr(m)
		if named != "" && named != id {
			return LearnedPeer{}, n.refuseDescriptor(sdk.CodeInvalidArgs, name,
				fmt.Errorf("addresses[%d] names peer ID %s, but the descriptor's key is peer ID %s", i, named, id))
		}
		if tr == nil {
			return LearnedPeer{}, n.refuseDescriptor(sdk.CodeInvalidArgs, name, fmt.Errorf("addresses[%d] %q has no transport part", i, a))
		}
		addrs = append(addrs, tr)
	}
	ttl := time.Duration(s.ExpiresMS-now.UnixMilli()) * time.Millisecond
	known, err := n.learn(name, id, addrs, s.Seq, ttl)
	if err != nil {
		return LearnedPeer{}, err
	}
	n.logger.Info("learnt a peer from its signed descriptor", "peer", name, "peer_id", id.String(),
		"addresses", s.Addresses, "expires_ms", s.ExpiresMS, "seq", s.Seq)
	return LearnedPeer{Name: name, ID: id, Addresses: slices.Clone(s.Addresses), ExpiresMS: s.ExpiresMS, Known: known}, nil
}

// learn sets a peer from a verified descriptor, checking under one lock
// that it re-keys nothing. It is SetPeer with those checks and several
// addresses with a lifetime.
func (n *Node) learn(name string, id peer.ID, addrs []ma.Multiaddr, seq int64, ttl time.Duration) (known bool, err error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	ps := n.h.Peerstore()
	old, known := n.peers[name]
	switch other, taken := n.names[id]; {
	case n.closed:
		return false, sdk.Errorf(sdk.CodeUnavailable, "the transport is closed")
	case name == n.name || id == n.h.ID():
		return false, n.refuseDescriptor(sdk.CodeInvalidArgs, name, errors.New("the descriptor describes this node"))
	case known && old != id:
		return false, n.refuseDescriptor(sdk.CodeConflict, name,
			fmt.Errorf("%w: peer %s has key (peer ID) %s, the descriptor says %s", ErrRekey, name, old, id))
	case taken && other != name:
		return false, n.refuseDescriptor(sdk.CodeConflict, name,
			fmt.Errorf("%w: its key (peer ID %s) is peer %s's", ErrRekey, id, other))
	}
	if prev, err := ps.Get(id, seqKey); err == nil {
		if p, ok := prev.(int64); ok && seq < p {
			return false, n.refuseDescriptor(sdk.CodeConflict, name, fmt.Errorf("%w: seq %d, the node has seq %d", ErrStaleDescriptor, seq, p))
		}
	}
	n.peers[name], n.names[id] = id, name
	ps.ClearAddrs(id)
	ps.AddAddrs(id, addrs, ttl)
	if err := ps.Put(id, seqKey, seq); err != nil {
		return known, sdk.Errorf(sdk.CodeInternal, "recording the descriptor's seq: %v", err)
	}
	return known, nil
}

// refuseDescriptor logs why a descriptor was refused and returns the
// error for the caller, wrapping the cause so errors.Is finds it.
func (n *Node) refuseDescriptor(code sdk.Code, name string, cause error) error {
	n.logger.Warn("refusing a descriptor", "peer", name, "reason", cause.Error())
	return transportops.Refuse(code, cause)
}

// LocalDescriptor returns this node's own descriptor fields, unsigned:
// its device key and the addresses it listens on (at most
// descriptor.MaxAddresses). Its agent adds the authority, validity and
// seq and signs it with the device key, which is this node's identity in
// production (host/agent).
func (n *Node) LocalDescriptor() descriptor.Descriptor {
	listen := n.h.Addrs()
	if len(listen) == 0 {
		listen = n.h.Network().ListenAddresses()
	}
	var addrs []string
	for _, a := range listen {
		if len(a) > 0 && a[0].Protocol().Code == ma.P_CIRCUIT {
			continue // the relay client's listener, not an address (relayed ones: Addrs)
		}
		if s := a.String(); !slices.Contains(addrs, s) && len(s) <= descriptor.MaxAddressBytes && len(addrs) < descriptor.MaxAddresses {
			addrs = append(addrs, s)
		}
	}
	return descriptor.Descriptor{DeviceKey: bytes.Clone(n.pub), Addresses: addrs}
}

// discoveryOperations are the transport family's operations, declared
// with sim-network's in transportops.
func (t *transport) discoveryOperations() []sdk.Operation {
	return transportops.Operations(transportops.Handlers{LearnPeer: t.learnPeer, LocalDescriptor: t.localDescriptor})
}

// learnPeer serves transport.learn_peer. The transport runs in production
// only, so the wall clock is its time, as for its idle timeouts.
func (t *transport) learnPeer(_ context.Context, c *sdk.Call) (sdk.Value, error) {
	node, err := t.current()
	if err != nil {
		return sdk.Value{}, err
	}
	p, err := node.LearnPeer(c.Arg("descriptor"), time.Now())
	if err != nil {
		return sdk.Value{}, err
	}
	return transportops.Learnt{Peer: p.Name, PeerID: p.ID.String(), Addresses: p.Addresses, ExpiresMS: p.ExpiresMS, Known: p.Known}.Value(), nil
}

func (t *transport) localDescriptor(context.Context, *sdk.Call) (sdk.Value, error) {
	node, err := t.current()
	if err != nil {
		return sdk.Value{}, err
	}
	d := node.LocalDescriptor()
	return transportops.Local{Name: node.Name(), PeerID: node.ID().String(), DeviceKey: d.DeviceKey, Addresses: d.Addresses}.Value(), nil
}

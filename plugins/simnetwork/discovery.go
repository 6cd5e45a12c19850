package simnetwork

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"slices"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/internal/descriptor"
	"github.com/aurahost/aura-host/plugins/internal/networkops"
	"github.com/aurahost/aura-host/plugins/internal/standin"
	"github.com/aurahost/aura-host/plugins/internal/transportops"
	"github.com/aurahost/aura-host/sdk"
)

// SimAddressPrefix starts the one address a node has on the simulated
// network, "/sim/" then its name: a valid descriptor address that no real
// transport dials.
const SimAddressPrefix = "/sim/"

// learntPeer is what a node learnt of a peer from its descriptor.
type learntPeer struct {
	key ed25519.PublicKey
	seq int64
}

// learnt is one node's discovery state: the peers it learnt, by name,
// and whose each key is.
type learnt struct {
	peers map[string]learntPeer
	names map[string]string // by string(key)
}

// LearnPeer makes the authority a verified descriptor describes a peer of
// the node learner (an endpoint; the zero Value for a caller acting for
// no authority), under the rules of the production transport: the
// descriptor must verify at the network's virtual time; it may not name
// learner itself, re-key a peer learner learnt under another key, give a
// key another of its peers holds (conflict, ErrRekey), or be older than
// the one learnt (conflict, ErrStaleDescriptor). Learning changes no
// routing — the simulated network reaches every endpoint already — only
// what learner will accept from later descriptors.
func (n *Network) LearnPeer(learner sdk.Value, signed sdk.Value) (transportops.Learnt, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	s, err := transportops.Verify(signed, n.now)
	if err != nil {
		return transportops.Learnt{}, err
	}
	name := s.PeerName()
	id, err := transportops.PeerID(s.DeviceKey)
	if err != nil { // Verify checked the key's size
		return transportops.Learnt{}, transportops.Refuse(sdk.CodeInvalidArgs, err)
	}
	me := ""
	if !learner.IsNull() {
		me = networkops.AddressKey(learner)
	}
	st := n.learnt[me]
	if st == nil {
		st = &learnt{peers: map[string]learntPeer{}, names: map[string]string{}}
		n.learnt[me] = st
	}
	old, known := st.peers[name]
	other, taken := st.names[string(s.DeviceKey)]
	switch {
	case !learner.IsNull() && (networkops.AddressKey(sdk.Bytes(s.Authority[:])) == me || networkops.AddressKey(sdk.String(name)) == me):
		return transportops.Learnt{}, transportops.Refuse(sdk.CodeInvalidArgs, errors.New("the descriptor describes this node"))
	case known && !bytes.Equal(old.key, s.DeviceKey):
		return transportops.Learnt{}, transportops.Refuse(sdk.CodeConflict,
			fmt.Errorf("%w: peer %s has key %x, the descriptor says %x", transportops.ErrRekey, name, []byte(old.key), []byte(s.DeviceKey)))
	case taken && other != name:
		return transportops.Learnt{}, transportops.Refuse(sdk.CodeConflict,
			fmt.Errorf("%w: its key %x is peer %s's", transportops.ErrRekey, []byte(s.DeviceKey), other))
	case known && s.Seq < old.seq:
		return transportops.Learnt{}, transportops.Refuse(sdk.CodeConflict,
			fmt.Errorf("%w: seq %d, the node has seq %d", transportops.ErrStaleDescriptor, s.Seq, old.seq))
	}
	st.peers[name] = learntPeer{key: slices.Clone(s.DeviceKey), seq: s.Seq}
	st.names[string(s.DeviceKey)] = name
	return transportops.Learnt{Peer: name, PeerID: id, Addresses: slices.Clone(s.Addresses), ExpiresMS: s.ExpiresMS, Known: known}, nil
}

// LocalDescriptor returns the unsigned descriptor fields of the node of
// authority on the simulated network: its name (the authority's hex, what
// its 16 bytes resolve to), its one address (SimAddressPrefix + name), and
// no device key or peer ID — the simulated network has no transport
// identity, so the agent's signer fills its own device key in
// (descriptor.SignWith).
func LocalDescriptor(authority effects.AuthorityID) transportops.Local {
	name := descriptor.Descriptor{Authority: authority}.PeerName()
	return transportops.Local{Name: name, DeviceKey: ed25519.PublicKey{}, Addresses: []string{SimAddressPrefix + name}}
}

// discoveryOperations are the transport family's operations, served on
// the simulated network and described as such.
func (p *plugin) discoveryOperations() []sdk.Operation {
	ops := transportops.Operations(transportops.Handlers{LearnPeer: p.learnPeer, LocalDescriptor: p.localDescriptor})
	return standin.Describe(ops, map[sdk.OpID]standin.Doc{
		effects.TransportLearnPeer: {
			Op: "Verifies a signed descriptor as the transport does (internal/descriptor: signature by its device key, " +
				"expiry, at most 5 minutes in the future), at the simulated network's virtual time, and makes its authority a " +
				"peer of the calling node: learning changes no routing (the simulated network reaches every endpoint), only " +
				"which key and seq the node holds for that peer. Returns {peer: string, peer_id: string (the libp2p peer ID " +
				"of the device key), addresses: list, expires_ms: int, known: bool}. A malformed or expired descriptor is " +
				"invalid_args, a signature that does not verify invalid_signature; a descriptor that would re-key a peer " +
				"the node learnt under another key, or that is older (lower seq) than the one learnt, is conflict.",
		},
		effects.TransportLocalDescriptor: {
			Op: "Returns the calling node's unsigned descriptor fields on the simulated network, for its agent to sign and " +
				"publish: {name: string (its authority's hex), peer_id: string (empty: no transport identity), device_key: " +
				"bytes (empty: the agent's signer fills in its device key), addresses: list (one: \"/sim/\" then the name)}.",
		},
	})
}

func (p *plugin) learnPeer(_ context.Context, c *sdk.Call) (sdk.Value, error) {
	learner := sdk.Null()
	if !c.Authority.IsZero() {
		learner = authorityAddress(c.Authority)
	}
	l, err := p.network().LearnPeer(learner, c.Arg("descriptor"))
	if err != nil {
		return sdk.Value{}, err
	}
	return l.Value(), nil
}

func (p *plugin) localDescriptor(_ context.Context, c *sdk.Call) (sdk.Value, error) {
	if c.Authority.IsZero() {
		return sdk.Value{}, invalid("this call acts for no authority: a node on the simulated network is an authority's")
	}
	return LocalDescriptor(c.Authority).Value(), nil
}

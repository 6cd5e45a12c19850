package effects

// Operations of the transport family, served by the production transport
// only (sim-network stands in for its network family, not for these):
// discovery of peers from signed rendezvous descriptors
// (internal/descriptor).
const (
	// TransportLearnPeer verifies a signed descriptor and makes its
	// authority a peer of the transport, at its addresses, authenticated by
	// its device key.
	TransportLearnPeer OpID = "transport.learn_peer"
	// TransportLocalDescriptor returns this node's unsigned descriptor
	// fields (its device key and listen addresses) for its agent to sign.
	TransportLocalDescriptor OpID = "transport.local_descriptor"
)

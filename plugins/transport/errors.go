package transport

import "github.com/aurahost/aura-host/plugins/internal/transportops"

// ErrRekey is matched (errors.Is) when a descriptor names a peer that is
// already configured, or learnt, with another key: a descriptor never
// re-keys a peer. A device whose key changed is configured again by its
// operator. It is the family's (transportops), which sim-network refuses
// with too.
var ErrRekey = transportops.ErrRekey

// ErrStaleDescriptor is matched when a descriptor is older (a lower seq)
// than the one the node already learnt for the peer: a replayed old
// descriptor must not move a peer back to addresses it left.
var ErrStaleDescriptor = transportops.ErrStaleDescriptor

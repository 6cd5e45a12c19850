package transport

import "errors"

// ErrRekey is matched (errors.Is) when a descriptor names a peer that is
// already configured, or learnt, with another key: a descriptor never
// re-keys a peer. A device whose key changed is configured again by its
// operator.
var ErrRekey = errors.New("a descriptor cannot re-key a peer")

// ErrStaleDescriptor is matched when a descriptor is older (a lower seq)
// than the one the node already learnt for the peer: a replayed old
// descriptor must not move a peer back to addresses it left.
var ErrStaleDescriptor = errors.New("the descriptor is older than the one already learnt")

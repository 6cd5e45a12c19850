package simnetwork

import "github.com/aurahost/aura-host/plugins/internal/networkops"

// Envelope is one message: who it is for and from, the relational context
// it belongs to, its payload, and optional metadata and receipt. It is the
// network family's envelope, which the transport plugin carries too —
// checked by networkops.ParseEnvelope, its addresses compared by
// networkops.AddressKey — so that the two plugins accept, carry and render
// the same envelopes.
type Envelope = networkops.Envelope

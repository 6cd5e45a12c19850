package simnetwork

import "github.com/aurahost/aura-host/plugins/transport"

// Envelope is one message: who it is for and from, the relational context
// it belongs to, its payload, and optional metadata and receipt. It is the
// transport plugin's envelope — checked by transport.ParseEnvelope, its
// addresses compared by transport.AddressKey — so that the two plugins
// accept, carry and render the same envelopes.
type Envelope = transport.Envelope

package transport

import "github.com/aurahost/aura-host/plugins/internal/networkops"

// MaxPayload is the largest payload an envelope may carry (AURA-SPEC §3).
const MaxPayload = networkops.MaxPayload

// Envelope is one message: who it is for and from, the relational context
// it belongs to, its payload, and optional metadata and receipt. It is the
// envelope of the network family, declared in plugins/internal/networkops
// so that sim-network carries the very same one; the alias lets users of
// Node name it from here.
type Envelope = networkops.Envelope

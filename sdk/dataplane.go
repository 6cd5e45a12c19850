package sdk

import "github.com/aurahost/aura-host/sdk/internal/frame"

// The data plane is the fast path for effect calls (sdk/PROTOCOL.md §5.10):
// one unix-socket connection per plugin process, opened after Configure
// through the OpenDataPlane RPC, carrying the InvokeStream's own frames
// with a 4-byte length prefix. gRPC stays the control plane. This file has
// what both ends share: the capability's name and the authentication
// bytes. The framing and the socket I/O are sdk/internal/frame's.

// DataPlaneCapability is the capability a plugin lists in Describe when it
// serves OpenDataPlane.
const DataPlaneCapability = "dataplane/v1"

// dataPlaneMagic opens the host's authentication frame (followed by the
// token) and is the plugin's whole answer to it.
const dataPlaneMagic = "AURADP01"

// dataPlaneTokenBytes is the length of the host's token.
const dataPlaneTokenBytes = 32

// dataPlaneSocketName is the socket's file name inside the host's
// directory.
const dataPlaneSocketName = "dataplane.sock"

// ErrFrameTooLarge is a frame whose length prefix exceeds MaxMessageBytes:
// a protocol violation that closes the connection. The framing is
// sdk/internal/frame's; the type stays sdk's, for callers that test for it.
type ErrFrameTooLarge = frame.ErrTooLarge

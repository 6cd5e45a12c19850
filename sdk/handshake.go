package sdk

import (
	"github.com/hashicorp/go-plugin"

	"github.com/aurahost/aura-host/sdk/internal/frame"
)

// ProtocolVersion is the version of the wire contract this SDK speaks. The
// host and the plugin negotiate it in go-plugin's handshake; a plugin
// speaking another version is refused with a clear error.
const ProtocolVersion = 1

// pluginSetName is the name under which the contract is dispensed in
// go-plugin's plugin set.
const pluginSetName = "aura"

// Handshake is go-plugin's handshake for Aura Host plugins. The host puts
// the magic cookie in the plugin's environment; a binary started without
// it explains that it is a plugin and exits.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "AURA_HOST_PLUGIN",
	MagicCookieValue: "6b1f0c2e9d4a4e7f8c3b5a1d2e9f0a7c",
}

// MaxMessageBytes bounds one gRPC message between host and plugin, in both
// directions. A stream frame batches calls up to FrameBytes; a single call
// or result larger than MaxMessageBytes is refused with invalid_args (or,
// for a result, internal) rather than breaking the stream. It is 64 MiB,
// defined by the data plane's framing (sdk/internal/frame), whose length
// prefix it bounds too, so that the limit has one definition.
const MaxMessageBytes = frame.MaxBytes

// FrameBytes is the soft size limit of a batched stream frame: a frame
// takes calls until it reaches this size (and always at least one).
const FrameBytes = 4 << 20

package networkops

import (
	"context"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
)

const endpointDoc = "an endpoint: a peer's name (string) or bytes whose lower-case hex is a peer's name"

// Handlers are the functions that serve the network family's operations,
// one for each, named after it. The transport plugin passes its own to
// Operations; sim-network passes its simulated ones, so that it serves the
// very same operations.
type Handlers struct {
	SendEnvelope, ReceiveEnvelope, ReceiveEnvelopeFrom, ConnectedPeers, IsChannelEstablished func(context.Context, *sdk.Call) (sdk.Value, error)
}

// Operations declares the operations of the network family, served by h.
func Operations(h Handlers) []sdk.Operation {
	selfParam := sdk.Param{Name: "self", Kind: sdk.KindAny, Optional: true,
		Doc: "the endpoint asking: if given, this node's name (the transport has one endpoint)"}
	return []sdk.Operation{
		{
			Spec: sdk.OpSpec{
				ID: effects.NetworkSendEnvelope,
				Doc: "Sends an envelope over TCP to the peer its destination names, connecting first if need be, " +
					"and returns once it is written: a map {seq: uint (the send's number), copies: int (1), " +
					"dropped: bool (false), deliver_at: null (unknown on a real network)}. A peer that cannot be " +
					"reached is a retryable unavailable error; a destination that names no peer is not_found.",
				Params: []sdk.Param{{Name: "envelope", Kind: sdk.KindMap,
					Doc: "the envelope: a map {destination (" + endpointDoc + "), source (non-empty bytes or string), " +
						"context (bytes or string), payload (bytes, at most 65536), metadata (map, optional), receipt (bytes, optional)}"}},
				Result:      sdk.KindMap,
				Determinism: sdk.WritesWorld,
			},
			Handle: h.SendEnvelope,
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.NetworkReceiveEnvelope,
				Doc: "Takes the oldest received envelope (for destination, if given) and returns it (the map as " +
					"sent), or null if none is buffered. Never waits.",
				Params: []sdk.Param{{Name: "destination", Kind: sdk.KindAny, Optional: true,
					Doc: "only an envelope whose destination is this (bytes or string); default: any"}},
				Result:      sdk.KindAny,
				Determinism: sdk.WritesWorld,
			},
			Handle: h.ReceiveEnvelope,
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.NetworkReceiveEnvelopeFrom,
				Doc: "Takes the oldest received envelope from source in context and returns it, or null if there " +
					"is none; other envelopes stay buffered. Never waits.",
				Params: []sdk.Param{
					{Name: "source", Kind: sdk.KindAny, Doc: "the sender named in the envelope (non-empty bytes or string)"},
					{Name: "context", Kind: sdk.KindAny, Doc: "the context the envelope belongs to (bytes or string)"},
					{Name: "destination", Kind: sdk.KindAny, Optional: true, Doc: "only an envelope whose destination is this; default: any"},
				},
				Result:      sdk.KindAny,
				Determinism: sdk.WritesWorld,
			},
			Handle: h.ReceiveEnvelopeFrom,
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.NetworkConnectedPeers,
				Doc: "Returns the names (strings, sorted) of the peers with a live connection to this node, " +
					"dialled by it or accepted from them.",
				Params:      []sdk.Param{selfParam},
				Result:      sdk.KindList,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: h.ConnectedPeers,
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.NetworkIsChannelEstablished,
				Doc: "Reports whether an envelope in context was sent to or received from peer, and a connection " +
					"with peer is live now.",
				Params: []sdk.Param{
					{Name: "context", Kind: sdk.KindAny, Doc: "the context (bytes or string)"},
					{Name: "peer", Kind: sdk.KindAny, Doc: "the peer: " + endpointDoc},
					selfParam,
				},
				Result:      sdk.KindBool,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: h.IsChannelEstablished,
		},
	}
}

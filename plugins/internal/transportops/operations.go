package transportops

import (
	"context"
	"crypto/ed25519"
	"errors"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/internal/descriptor"
	"github.com/aurahost/aura-host/sdk"
)

// Family is the family of the operations declared here.
const Family = "transport"

// ErrRekey is matched (errors.Is) when a descriptor names a peer that is
// already configured, or learnt, with another key, or gives a key another
// peer holds: a descriptor never re-keys a peer. A device whose key
// changed is configured again by its operator.
var ErrRekey = errors.New("a descriptor cannot re-key a peer")

// ErrStaleDescriptor is matched when a descriptor is older (a lower seq)
// than the one the node already learnt for the peer: a replayed old
// descriptor must not move a peer back to addresses it left.
var ErrStaleDescriptor = errors.New("the descriptor is older than the one already learnt")

// Handlers are the functions that serve the family's operations, one for
// each, named after it.
type Handlers struct {
	LearnPeer, LocalDescriptor func(context.Context, *sdk.Call) (sdk.Value, error)
}

// Operations declares the operations of the transport family, served by h.
// The docs are the production transport's; sim-network rewrites them
// (plugins/internal/standin) without changing the declarations.
func Operations(h Handlers) []sdk.Operation {
	return []sdk.Operation{
		{
			Spec: sdk.OpSpec{
				ID: effects.TransportLearnPeer,
				Doc: "Verifies a signed descriptor (internal/descriptor: signature by its device key, expiry, at most 5 minutes " +
					"in the future) and makes its authority a peer: named by the authority's hex, authenticated by the " +
					"descriptor's device key, dialled at its addresses until it expires. Returns {peer: string, peer_id: string, " +
					"addresses: list, expires_ms: int, known: bool}. A malformed or expired descriptor is invalid_args, a " +
					"signature that does not verify invalid_signature; a descriptor that would re-key a peer already known " +
					"under another key, or that is older (lower seq) than the one learnt, is conflict.",
				Params: []sdk.Param{
					{Name: "descriptor", Kind: sdk.KindMap, Doc: "the signed descriptor: {authority, device_key, addresses, relays?, issued_ms, expires_ms, seq, signature}"},
				},
				Result:      sdk.KindMap,
				Idempotent:  true, // learning the same descriptor again changes nothing
				Determinism: sdk.WritesWorld,
			},
			Handle: h.LearnPeer,
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.TransportLocalDescriptor,
				Doc: "Returns this node's unsigned descriptor fields, for its agent to sign and publish: " +
					"{name: string, peer_id: string, device_key: bytes (32), addresses: list of multiaddr strings}.",
				Result:      sdk.KindMap,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: h.LocalDescriptor,
		},
	}
}

// Verify parses and verifies a signed descriptor at nowMS
// (descriptor.Verify), and codes a failure as the family does: a bad
// signature is invalid_signature, anything else (malformed, expired, not
// yet valid) invalid_args. The error wraps the descriptor's, so errors.Is
// finds descriptor.ErrBadSignature and the others.
func Verify(v sdk.Value, nowMS int64) (descriptor.Signed, error) {
	s, err := descriptor.Verify(v, nowMS)
	if err != nil {
		return descriptor.Signed{}, Refuse(RefusalCode(err), err)
	}
	return s, nil
}

// RefusalCode is the code of a descriptor.Verify failure:
// invalid_signature for a bad signature, invalid_args for anything else.
func RefusalCode(err error) sdk.Code {
	if errors.Is(err, descriptor.ErrBadSignature) {
		return sdk.CodeInvalidSignature
	}
	return sdk.CodeInvalidArgs
}

// Refuse is the error refusing a descriptor: code, the cause in the
// message, and the cause wrapped so errors.Is finds it.
func Refuse(code sdk.Code, cause error) error {
	return &sdk.Error{Code: code, Message: "refusing the descriptor: " + cause.Error(), Retryable: code == sdk.CodeUnavailable, Err: cause}
}

// Learnt is transport.learn_peer's result.
type Learnt struct {
	// Peer is the peer's name: its authority's lower-case hex.
	Peer string
	// PeerID is the libp2p peer ID of the descriptor's device key.
	PeerID string
	// Addresses are the descriptor's addresses.
	Addresses []string
	// ExpiresMS is when the descriptor expires.
	ExpiresMS int64
	// Known reports that the name was a peer already (with this key).
	Known bool
}

// Value renders the result: {peer, peer_id, addresses, expires_ms, known}.
func (l Learnt) Value() sdk.Value {
	return sdk.Map(map[string]sdk.Value{
		"peer": sdk.String(l.Peer), "peer_id": sdk.String(l.PeerID), "addresses": StringList(l.Addresses),
		"expires_ms": sdk.Int(l.ExpiresMS), "known": sdk.Bool(l.Known),
	})
}

// Local is transport.local_descriptor's result.
type Local struct {
	// Name is the node's name; PeerID its libp2p peer ID ("" if it has no
	// key of its own).
	Name, PeerID string
	// DeviceKey is its Ed25519 public key; empty if the node has none of
	// its own, which the agent's signer then fills in (descriptor.SignWith).
	DeviceKey ed25519.PublicKey
	// Addresses are where it is reached.
	Addresses []string
}

// Value renders the result: {name, peer_id, device_key, addresses}.
func (l Local) Value() sdk.Value {
	return sdk.Map(map[string]sdk.Value{
		"name": sdk.String(l.Name), "peer_id": sdk.String(l.PeerID),
		"device_key": sdk.Bytes(l.DeviceKey), "addresses": StringList(l.Addresses),
	})
}

// StringList renders strings as a list value.
func StringList(ss []string) sdk.Value {
	out := make([]sdk.Value, len(ss))
	for i, s := range ss {
		out[i] = sdk.String(s)
	}
	return sdk.List(out...)
}

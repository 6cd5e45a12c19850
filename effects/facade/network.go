package facade

import (
	"context"
	"slices"

	"github.com/aurahost/aura-host/effects"
)

// Network is the client of the network family, served by the transport
// plugin (TCP) and by sim-network (simulated, with faults). Endpoints and
// contexts are effects.Values: non-empty bytes (an authority's 16 bytes) or
// strings (a peer's name). An optional endpoint given as the null Value is
// left out, and the plugin picks its default (usually the caller's own).
type Network struct{ c caller }

// MaxPayload is the largest payload an envelope may carry.
const MaxPayload = 64 << 10

var (
	opSendEnvelope        = declare("Network.SendEnvelope", effects.NetworkSendEnvelope, effects.KindMap, arg("envelope", effects.KindMap))
	opReceiveEnvelope     = declare("Network.ReceiveEnvelope", effects.NetworkReceiveEnvelope, effects.KindAny, opt("destination", effects.KindAny))
	opReceiveEnvelopeFrom = declare("Network.ReceiveEnvelopeFrom", effects.NetworkReceiveEnvelopeFrom, effects.KindAny,
		arg("source", effects.KindAny), arg("context", effects.KindAny), opt("destination", effects.KindAny))
	opConnectedPeers       = declare("Network.ConnectedPeers", effects.NetworkConnectedPeers, effects.KindList, opt("self", effects.KindAny))
	opIsChannelEstablished = declare("Network.IsChannelEstablished", effects.NetworkIsChannelEstablished, effects.KindBool,
		arg("context", effects.KindAny), arg("peer", effects.KindAny), opt("self", effects.KindAny))
)

// Envelope is one message between endpoints.
type Envelope struct {
	Destination effects.Value // whom it is for: non-empty bytes or string
	Source      effects.Value // whom it is from: non-empty bytes or string
	Context     effects.Value // the relational context it belongs to: bytes or string
	Payload     []byte        // at most MaxPayload bytes
	Metadata    effects.Value // a map, or null for none
	Receipt     []byte        // the flow-budget receipt, or nil for none
}

// Value returns the envelope as the network family carries it; absent
// optional fields are left out.
func (e Envelope) Value() effects.Value {
	m := map[string]effects.Value{
		"destination": e.Destination, "source": e.Source, "context": e.Context, "payload": effects.Bytes(e.Payload),
	}
	if !e.Metadata.IsNull() {
		m["metadata"] = e.Metadata
	}
	if e.Receipt != nil {
		m["receipt"] = effects.Bytes(e.Receipt)
	}
	return effects.Map(m)
}

func readEnvelope(r reader) Envelope {
	e := Envelope{Destination: r.value("destination"), Source: r.value("source"), Context: r.value("context"),
		Payload: r.bytes("payload"), Metadata: r.optValue("metadata"), Receipt: r.optBytes("receipt")}
	if !e.Metadata.IsNull() && e.Metadata.Kind() != effects.KindMap {
		r.d.fail(join(r.path, "metadata"), "a map", describe(e.Metadata))
	}
	return e
}

// SendResult is what a send did.
type SendResult struct {
	Seq     uint64 // the send's number
	Copies  int    // copies in flight: 1 normally, 0 if lost, 2 if duplicated (simulation)
	Dropped bool   // the envelope was lost (simulation)
	// DeliverAtMs is when the first copy becomes receivable, if Scheduled:
	// a simulated network knows; a real one does not.
	DeliverAtMs int64
	Scheduled   bool // DeliverAtMs is known
}

// SendEnvelope sends an envelope. A peer that cannot be reached is a
// retryable unavailable error; a destination that names no peer is an error
// matching effects.ErrNotFound (transport).
func (x *Network) SendEnvelope(ctx context.Context, env Envelope) (SendResult, error) {
	v, err := x.c.invoke(ctx, opSendEnvelope, map[string]effects.Value{"envelope": env.Value()})
	if err != nil {
		return SendResult{}, err
	}
	return decodeRecord(opSendEnvelope, v, func(r reader) SendResult {
		res := SendResult{Seq: r.uint("seq"), Copies: int(r.int("copies")), Dropped: r.bool("dropped")}
		if at := r.optValue("deliver_at"); !at.IsNull() {
			res.DeliverAtMs, res.Scheduled = r.int("deliver_at"), true
		}
		return res
	})
}

// ReceiveEnvelope takes the oldest envelope delivered to destination (null:
// the plugin's default) and reports whether there was one. It never waits.
func (x *Network) ReceiveEnvelope(ctx context.Context, destination effects.Value) (Envelope, bool, error) {
	args := map[string]effects.Value{}
	putValue(args, "destination", destination)
	return x.receive(ctx, opReceiveEnvelope, args)
}

// ReceiveEnvelopeFrom takes the oldest envelope delivered to destination
// (null: the plugin's default) from source in contextID, leaving others
// queued, and reports whether there was one. It never waits.
func (x *Network) ReceiveEnvelopeFrom(ctx context.Context, source, contextID, destination effects.Value) (Envelope, bool, error) {
	args := map[string]effects.Value{"source": source, "context": contextID}
	putValue(args, "destination", destination)
	return x.receive(ctx, opReceiveEnvelopeFrom, args)
}

func (x *Network) receive(ctx context.Context, op *operation, args map[string]effects.Value) (Envelope, bool, error) {
	v, err := x.c.invoke(ctx, op, args)
	if err != nil {
		return Envelope{}, false, err
	}
	if v.IsNull() {
		return Envelope{}, false, nil
	}
	e, err := decodeRecord(op, v, readEnvelope)
	return e, err == nil, err
}

// ConnectedPeers returns the endpoints self (null: the caller) can reach
// now: peer names (strings) on a transport, bytes or strings in
// simulation.
func (x *Network) ConnectedPeers(ctx context.Context, self effects.Value) ([]effects.Value, error) {
	args := map[string]effects.Value{}
	putValue(args, "self", self)
	v, err := x.c.invoke(ctx, opConnectedPeers, args)
	if err != nil {
		return nil, err
	}
	if v.Kind() != effects.KindList {
		return nil, shapeError(opConnectedPeers.id, "", "a list", describe(v))
	}
	for i, it := range v.Items() {
		if k := it.Kind(); (k != effects.KindBytes && k != effects.KindString) || it.Len() == 0 {
			return nil, shapeError(opConnectedPeers.id, index("", i), "non-empty bytes or string", describe(it))
		}
	}
	return slices.Clone(v.Items()), nil
}

// IsChannelEstablished reports whether self (null: the caller) and peer
// have exchanged an envelope in contextID and can reach each other now.
func (x *Network) IsChannelEstablished(ctx context.Context, contextID, peer, self effects.Value) (bool, error) {
	args := map[string]effects.Value{"context": contextID, "peer": peer}
	putValue(args, "self", self)
	v, err := x.c.invoke(ctx, opIsChannelEstablished, args)
	if err != nil {
		return false, err
	}
	return decodeBool(opIsChannelEstablished, v)
}

// putValue sets an optional argument unless v is null.
func putValue(args map[string]effects.Value, name string, v effects.Value) {
	if !v.IsNull() {
		args[name] = v
	}
}

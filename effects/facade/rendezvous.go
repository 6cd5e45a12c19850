package facade

import (
	"context"
	"time"

	"github.com/aurahost/aura-host/effects"
)

// Rendezvous is the client of the rendezvous service: peers publish
// signed descriptors (internal/descriptor) saying how to reach them
// (addresses, device key, relays), kept until they expire (at most an hour
// unless told otherwise) and to be refreshed five minutes before.
type Rendezvous struct{ c caller }

var (
	opPublish = declare("Rendezvous.Publish", effects.RendezvousPublish, effects.KindMap,
		arg("peer", effects.KindString), arg("descriptor", effects.KindMap), opt("validity_ms", effects.KindInt))
	opLookup           = declare("Rendezvous.Lookup", effects.RendezvousLookup, effects.KindMap, arg("peer", effects.KindString))
	opRendezvousList   = declare("Rendezvous.List", effects.RendezvousList, effects.KindList)
	opRendezvousExpire = declare("Rendezvous.Expire", effects.RendezvousExpire, effects.KindInt)
)

// PeerDescriptor is a published descriptor and its lifetime.
type PeerDescriptor struct {
	Peer        string        // whom it describes
	Descriptor  effects.Value // a non-empty map: how to reach the peer
	PublishedMs int64         // when it was published, in the service clock's milliseconds
	ExpiresMs   int64         // when it stops being valid
	RefreshAtMs int64         // when to publish it again
}

func readPeerDescriptor(r reader) PeerDescriptor {
	return PeerDescriptor{Peer: r.str("peer"), Descriptor: r.mapValue("descriptor"),
		PublishedMs: r.int("published_ms"), ExpiresMs: r.int("expires_ms"), RefreshAtMs: r.int("refresh_at_ms")}
}

// Publish publishes (or refreshes) peer's signed descriptor, replacing
// its previous one, kept for at most validity (0: the service's default,
// one hour; otherwise rounded up to whole ms) and never past the
// descriptor's own expiry. peer is the descriptor's authority.
func (x *Rendezvous) Publish(ctx context.Context, peer string, descriptor effects.Value, validity time.Duration) (PeerDescriptor, error) {
	args := map[string]effects.Value{"peer": effects.String(peer), "descriptor": descriptor}
	if validity != 0 {
		args["validity_ms"] = effects.Int(millis(validity))
	}
	v, err := x.c.invoke(ctx, opPublish, args)
	if err != nil {
		return PeerDescriptor{}, err
	}
	return decodeRecord(opPublish, v, readPeerDescriptor)
}

// Lookup returns peer's descriptor. A peer with none, or whose descriptor
// expired, is an error matching effects.ErrNotFound.
func (x *Rendezvous) Lookup(ctx context.Context, peer string) (effects.Value, error) {
	v, err := x.c.invoke(ctx, opLookup, map[string]effects.Value{"peer": effects.String(peer)})
	if err != nil {
		return effects.Value{}, err
	}
	return decodeMap(opLookup, v)
}

// List returns the descriptors that have not expired, by peer.
func (x *Rendezvous) List(ctx context.Context) ([]PeerDescriptor, error) {
	v, err := x.c.invoke(ctx, opRendezvousList, nil)
	if err != nil {
		return nil, err
	}
	return decodeList(opRendezvousList, v, readPeerDescriptor)
}

// Expire forgets the expired descriptors and returns how many.
func (x *Rendezvous) Expire(ctx context.Context) (int, error) {
	v, err := x.c.invoke(ctx, opRendezvousExpire, nil)
	if err != nil {
		return 0, err
	}
	return decodeCount(opRendezvousExpire, v)
}

package rendezvous

import (
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/service"
	"github.com/aurahost/aura-host/sdk"
)

// Name is the plugin's name, and the family of its operations and facts.
const Name = "rendezvous"

// Version is the plugin's semantic version.
const Version = "0.1.0"

// DefaultValidity is how long a descriptor is kept at most unless publish
// says otherwise, in milliseconds: one hour (never past the descriptor's
// own expiry).
const DefaultValidity = 60 * 60 * 1000

// RefreshMargin is how long before its expiry a descriptor should be
// refreshed, in milliseconds: five minutes.
const RefreshMargin = 5 * 60 * 1000

// MaxDescriptorBytes bounds the canonical encoding of a descriptor.
const MaxDescriptorBytes = 64 << 10

// PredicatePublished is the predicate of the fact publish journals.
const PredicatePublished = "rendezvous.published"

// New returns the rendezvous service plugin, ready to Serve.
func New() *sdk.Plugin {
	s := &directory{byPeer: map[string]*entry{}}
	s.rt = service.New(service.Config{Name: Name, Rebuild: s.rebuild})
	return s.rt.Plugin(Version, s.operations())
}

const entryDoc = "map {peer: string, descriptor: map, published_ms: int, expires_ms: int, refresh_at_ms: int}"

func (s *directory) operations() []sdk.Operation {
	peerParam := sdk.Param{Name: "peer", Kind: sdk.KindString,
		Doc: "the authority the descriptor describes: \"authority-\" and 32 hex digits, or the 32 hex digits alone (the transport's name for it)"}
	return []sdk.Operation{
		{
			Spec: sdk.OpSpec{
				ID: effects.RendezvousPublish,
				Doc: "Publishes (or caches) an authority's signed descriptor (internal/descriptor), replacing its previous one, " +
					"and journals rendezvous.published. The descriptor must verify now: its signature by its device_key " +
					"(invalid_signature otherwise), not expired nor issued more than 5 minutes ahead, well formed (invalid_args); " +
					"its authority must be peer (invalid_args); its device_key must be the device key the deployment knows for " +
					"that authority (device.public_key; unknown_device otherwise); its seq may not be lower than the published " +
					"one's (conflict). Returns " + entryDoc + "; expires_ms is the descriptor's, or sooner with validity_ms; " +
					"refresh_at_ms is 5 minutes before expires_ms (or now, for a validity under 5 minutes). A descriptor over " +
					"64 KiB encoded, or a validity_ms below 1, is invalid_args.",
				Params: []sdk.Param{
					peerParam,
					{Name: "descriptor", Kind: sdk.KindMap, Doc: "the signed descriptor: {authority, device_key, addresses, relays?, issued_ms, expires_ms, seq, signature}"},
					{Name: "validity_ms", Kind: sdk.KindInt, Optional: true, Doc: "how long to keep the descriptor at most, in milliseconds, 1 or more; default 3600000 (1 hour); never past the descriptor's own expires_ms"},
				},
				Result:      sdk.KindMap,
				Idempotent:  true, // a retry publishes the same descriptor again, a little later
				Determinism: sdk.WritesWorld,
			},
			Handle: s.rt.Op(s.publish),
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.RendezvousLookup,
				Doc: "Returns the authority's signed descriptor (map), as published: verified when it was published. " +
					"An authority with no descriptor, or whose descriptor has expired, is not_found.",
				Params:      []sdk.Param{peerParam},
				Result:      sdk.KindMap,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: s.rt.Op(s.lookup),
		},
		{
			Spec: sdk.OpSpec{
				ID:          effects.RendezvousList,
				Doc:         "Returns the descriptors that have not expired, as a list of " + entryDoc + ", by peer.",
				Result:      sdk.KindList,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: s.rt.Op(s.list),
		},
		{
			Spec: sdk.OpSpec{
				ID:          effects.RendezvousExpire,
				Doc:         "Drops the expired descriptors from memory. Returns how many (int).",
				Result:      sdk.KindInt,
				Idempotent:  true, // a retry finds nothing more to drop
				Determinism: sdk.WritesWorld,
			},
			Handle: s.rt.Op(s.expire),
		},
	}
}

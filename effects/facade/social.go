package facade

import (
	"context"
	"time"

	"github.com/aurahost/aura-host/effects"
)

// Social is the client of the agent's social topology (the host-owned
// social_manager service, host/social): homes and neighbourhoods derived
// from its verified, accepted invitations, and relay candidates spread
// across homes.
type Social struct{ c caller }

var (
	opNeighbourhood = declare("Social.Neighbourhood", effects.SocialNeighbourhood, effects.KindMap)
	opSelectRelays  = declare("Social.SelectRelays", effects.SocialSelectRelays, effects.KindList, arg("count", effects.KindInt))
)

// Home is a group of authorities: a channel, a device set, or a peer alone.
type Home struct {
	ID      string
	Kind    string   // "channel", "device" or "peer"
	Members []string // authority ids
	Own     bool     // the agent is a member
}

// SocialPeer is a member of the neighbourhood other than the agent.
type SocialPeer struct {
	Authority string
	Relations []string // the agent's own relationships with it
	Home      string   // its primary home
	Tier      int64    // its rank as a relay, lower first
}

// Neighbourhood is what the agent's journal says of its surroundings.
type Neighbourhood struct {
	Self          string
	Homes         []Home
	Peers         []SocialPeer
	Relationships int64
	// Facts not believed: malformed, not verifying, or of parties whose
	// device keys the deployment does not know.
	SkippedMalformed, SkippedUnverified, SkippedUnknown int64
}

// RelayCandidate is a relay candidate, or a hop of a path.
type RelayCandidate struct {
	Authority string
	Home      string
	Tier      int64
}

func readCandidate(r reader) RelayCandidate {
	return RelayCandidate{Authority: r.str("authority"), Home: r.str("home"), Tier: r.int("tier")}
}

func readNeighbourhood(r reader) Neighbourhood {
	skipped := r.record("skipped")
	return Neighbourhood{Self: r.str("self"), Relationships: r.int("relationships"),
		Homes: records(r, "homes", func(h reader) Home {
			return Home{ID: h.str("id"), Kind: h.str("kind"), Members: h.strings("members"), Own: h.bool("own")}
		}),
		Peers: records(r, "peers", func(p reader) SocialPeer {
			return SocialPeer{Authority: p.str("authority"), Relations: p.strings("relations"), Home: p.str("home"), Tier: p.int("tier")}
		}),
		SkippedMalformed: skipped.int("malformed"), SkippedUnverified: skipped.int("unverified"), SkippedUnknown: skipped.int("unknown"),
	}
}

// Neighbourhood returns the agent's homes and neighbourhood.
func (x *Social) Neighbourhood(ctx context.Context) (Neighbourhood, error) {
	v, err := x.c.invoke(ctx, opNeighbourhood, nil)
	if err != nil {
		return Neighbourhood{}, err
	}
	return decodeRecord(opNeighbourhood, v, readNeighbourhood)
}

// SelectRelays returns up to count (1 to 64) relay candidates, spread
// across homes.
func (x *Social) SelectRelays(ctx context.Context, count int) ([]RelayCandidate, error) {
	v, err := x.c.invoke(ctx, opSelectRelays, map[string]effects.Value{"count": effects.Int(int64(count))})
	if err != nil {
		return nil, err
	}
	return decodeList(opSelectRelays, v, readCandidate)
}

// Selection is the client of the agent's path selection (the host-owned
// selection service, host/social).
type Selection struct{ c caller }

var (
	opProfile    = declare("Selection.Profile", effects.SelectionProfile, effects.KindMap, arg("destination", effects.KindString), opt("refresh", effects.KindBool))
	opSetPrivacy = declare("Selection.SetPrivacy", effects.SelectionSetPrivacy, effects.KindBool, arg("on", effects.KindBool))
)

// PathProfile is how the agent reaches one destination.
type PathProfile struct {
	Destination string
	Mode        string           // "passthrough" or "private"
	Path        []RelayCandidate // the relays, none when passthrough
	// Descriptor: the destination has a valid rendezvous descriptor, with
	// these addresses and relays.
	Descriptor        bool
	Addresses, Relays []string
	HealthKnown       bool
	RTT               time.Duration
	LossPPM           int64 // loss rate, parts per million
	PermitKnown       bool
	Permitted         bool
	Headroom          uint64
	ComputedMs        int64
	ExpiresMs         int64
	ChangedMs         int64 // when the path last changed
}

func readProfile(r reader) PathProfile {
	return PathProfile{Destination: r.str("destination"), Mode: r.str("mode"), Path: records(r, "path", readCandidate),
		Descriptor: r.bool("descriptor"), Addresses: r.strings("addresses"), Relays: r.strings("relays"),
		HealthKnown: r.bool("health_known"), RTT: time.Duration(r.int("rtt_ms")) * time.Millisecond, LossPPM: r.int("loss_ppm"),
		PermitKnown: r.bool("permit_known"), Permitted: r.bool("permitted"), Headroom: r.uint("headroom"),
		ComputedMs: r.int("computed_ms"), ExpiresMs: r.int("expires_ms"), ChangedMs: r.int("changed_ms")}
}

// Profile returns the destination's profile; refresh computes it again
// now (a change of path is still held a second after the last). In
// privacy mode a destination without relays from two homes is an error
// matching effects.ErrUnavailable, saying why.
func (x *Selection) Profile(ctx context.Context, destination string, refresh bool) (PathProfile, error) {
	args := map[string]effects.Value{"destination": effects.String(destination)}
	if refresh {
		args["refresh"] = effects.Bool(true)
	}
	v, err := x.c.invoke(ctx, opProfile, args)
	if err != nil {
		return PathProfile{}, err
	}
	return decodeRecord(opProfile, v, readProfile)
}

// SetPrivacy turns privacy mode on or off and returns the new setting.
func (x *Selection) SetPrivacy(ctx context.Context, on bool) (bool, error) {
	v, err := x.c.invoke(ctx, opSetPrivacy, map[string]effects.Value{"on": effects.Bool(on)})
	if err != nil {
		return false, err
	}
	return decodeBool(opSetPrivacy, v)
}

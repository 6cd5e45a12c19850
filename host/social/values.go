package social

import "github.com/aurahost/aura-host/effects"

func authorities(as []effects.AuthorityID) effects.Value {
	items := make([]effects.Value, len(as))
	for i, a := range as {
		items[i] = effects.String(a.String())
	}
	return effects.List(items...)
}

func stringList(ss []string) effects.Value {
	items := make([]effects.Value, len(ss))
	for i, s := range ss {
		items[i] = effects.String(s)
	}
	return effects.List(items...)
}

// Value is the topology as social.neighbourhood returns it.
func (t Topology) Value() effects.Value {
	homes := make([]effects.Value, len(t.Homes))
	for i, h := range t.Homes {
		homes[i] = effects.Map(map[string]effects.Value{"id": effects.String(h.ID), "kind": effects.String(h.Kind),
			"members": authorities(h.Members), "own": effects.Bool(h.Own)})
	}
	peers := make([]effects.Value, len(t.Peers))
	for i, p := range t.Peers {
		peers[i] = effects.Map(map[string]effects.Value{"authority": effects.String(p.Authority.String()),
			"relations": stringList(p.Relations), "home": effects.String(p.Home), "tier": effects.Int(int64(p.Tier))})
	}
	return effects.Map(map[string]effects.Value{
		"self": effects.String(t.Self.String()), "homes": effects.List(homes...), "peers": effects.List(peers...),
		"relationships": effects.Int(int64(t.Relationships)),
		"skipped": effects.Map(map[string]effects.Value{"malformed": effects.Int(int64(t.Skipped.Malformed)),
			"unverified": effects.Int(int64(t.Skipped.Unverified)), "unknown": effects.Int(int64(t.Skipped.Unknown))}),
	})
}

func candidatesValue(cs []Candidate) effects.Value {
	items := make([]effects.Value, len(cs))
	for i, c := range cs {
		items[i] = c.Value()
	}
	return effects.List(items...)
}

// Value is the candidate as social.select_relays lists it.
func (c Candidate) Value() effects.Value {
	return effects.Map(map[string]effects.Value{"authority": effects.String(c.Authority.String()),
		"home": effects.String(c.Home), "tier": effects.Int(int64(c.Tier))})
}

// Value is the profile as selection.profile returns it (times in ms).
func (p Profile) Value() effects.Value {
	path := make([]effects.Value, len(p.Path))
	for i, c := range p.Path {
		path[i] = c.Value()
	}
	m := map[string]effects.Value{
		"destination": effects.String(p.Destination.String()), "mode": effects.String(string(p.Mode)),
		"path": effects.List(path...), "descriptor": effects.Bool(p.Descriptor),
		"addresses": stringList(p.Addresses), "relays": stringList(p.Relays),
		"computed_ms": effects.Int(p.ComputedAt.UnixMilli()), "expires_ms": effects.Int(p.ExpiresAt.UnixMilli()),
		"changed_ms": effects.Int(p.ChangedAt.UnixMilli()),
	}
	m["health_known"], m["rtt_ms"] = effects.Bool(p.HealthKnown), effects.Int(p.RTT.Milliseconds())
	m["loss_ppm"] = effects.Int(int64(p.Loss * 1e6))
	m["permit_known"], m["permitted"], m["headroom"] = effects.Bool(p.PermitKnown), effects.Bool(p.Permitted), effects.Uint(p.Headroom)
	return effects.Map(m)
}

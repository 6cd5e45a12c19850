package social

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"slices"

	"github.com/aurahost/aura-host/effects"
)

// Candidate is a relay candidate: a peer of the neighbourhood, its home
// and its tier.
type Candidate struct {
	Authority effects.AuthorityID
	Home      string
	Tier      int
}

// SelectRelays returns up to count relay candidates of the topology,
// skipping those usable says no to (nil: all usable): deterministic for a
// topology, and spread across homes — the first pick of every home comes
// before the second of any, so no home supplies two relays while another
// home with a candidate supplies none. Within a home, candidates go by
// tier (guardians first), then by a hash of the agent's and the peer's
// authorities, so different agents with the same peers spread their load
// rather than all picking the same relay.
func SelectRelays(t Topology, count int, usable func(Peer) bool) []Candidate {
	if count <= 0 {
		return nil
	}
	byHome := map[string][]Peer{}
	for _, p := range t.Peers {
		if usable == nil || usable(p) {
			byHome[p.Home] = append(byHome[p.Home], p)
		}
	}
	rank := func(a, b Peer) int {
		return cmp.Or(cmp.Compare(a.Tier, b.Tier), bytes.Compare(spread(t.Self, a.Authority), spread(t.Self, b.Authority)))
	}
	homes := make([]string, 0, len(byHome))
	for id, ps := range byHome {
		slices.SortFunc(ps, rank)
		homes = append(homes, id)
	}
	slices.SortFunc(homes, func(a, b string) int { return cmp.Or(rank(byHome[a][0], byHome[b][0]), cmp.Compare(a, b)) })
	var out []Candidate
	for round := 0; len(out) < count; round++ {
		took := false
		for _, id := range homes {
			if ps := byHome[id]; round < len(ps) && len(out) < count {
				out = append(out, Candidate{Authority: ps[round].Authority, Home: id, Tier: ps[round].Tier})
				took = true
			}
		}
		if !took {
			break
		}
	}
	return out
}

// spread is the per-agent order of peers within a tier.
func spread(self, peer effects.AuthorityID) []byte {
	h := sha256.New()
	h.Write([]byte("aura-relay-spread/v1\x00"))
	h.Write(self[:])
	h.Write(peer[:])
	return h.Sum(nil)
}

// distinctHomes counts the homes of candidates.
func distinctHomes(cs []Candidate) int {
	seen := map[string]bool{}
	for _, c := range cs {
		seen[c.Home] = true
	}
	return len(seen)
}

package social

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"slices"

	"github.com/aurahost/aura-host/effects"
)

// Home is a group of authorities that live together socially: a channel
// (its sender and the receivers that accepted it), a device set (an
// authority and the devices it enrolled), or a peer in no such group,
// alone.
type Home struct {
	ID      string                // "channel/…", "devices/…" or "peer/…"
	Kind    string                // KindChannel, KindDevice, or "peer"
	Members []effects.AuthorityID // sorted
	Own     bool                  // the agent is a member
}

// HomePeer is the kind of a home of one peer in no channel or device set.
const HomePeer = "peer"

// Peer is one authority of the neighbourhood other than the agent.
type Peer struct {
	Authority effects.AuthorityID
	// Relations are the kinds of the agent's own accepted relationships
	// with it, sorted; none for a peer reached only through a home.
	Relations []string
	Home      string // its primary home: the first of its homes by ID
	Tier      int    // its rank as a relay: lower is closer (see tierOf)
}

// Topology is what the agent's journal says of its social surroundings.
type Topology struct {
	Self  effects.AuthorityID
	Homes []Home // the neighbourhood's homes, by ID
	Peers []Peer // the neighbourhood's other members, by authority
	// Relationships counted, and facts skipped as unbelievable.
	Relationships int
	Skipped       Skipped
}

// The relay tiers: the agent's guardians first, then its other devices,
// contacts, co-members of its homes, and members of neighbouring homes.
const (
	tierGuardian = iota
	tierDevice
	tierContact
	tierHome
	tierNeighbour
)

// Derive computes the topology of self from its relationships: pure, so
// the same relationships give the same topology everywhere.
func Derive(self effects.AuthorityID, rels []Relationship) Topology {
	homes := map[string]*Home{}
	join := func(id, kind string, members ...effects.AuthorityID) {
		h := homes[id]
		if h == nil {
			h = &Home{ID: id, Kind: kind}
			homes[id] = h
		}
		for _, m := range members {
			if !slices.Contains(h.Members, m) {
				h.Members = append(h.Members, m)
			}
		}
	}
	direct := map[effects.AuthorityID][]string{} // the agent's own relations
	everyone := map[effects.AuthorityID]bool{}
	for _, r := range rels {
		everyone[r.Sender], everyone[r.Receiver] = true, true
		switch r.Kind {
		case KindChannel:
			sum := sha256.Sum256([]byte(r.Message))
			join("channel/"+r.Sender.String()+"/"+hex.EncodeToString(sum[:6]), KindChannel, r.Sender, r.Receiver)
		case KindDevice:
			join("devices/"+r.Sender.String(), KindDevice, r.Sender, r.Receiver)
		}
		if r.Sender == self {
			direct[r.Receiver] = appendOnce(direct[r.Receiver], r.Kind)
		} else if r.Receiver == self {
			direct[r.Sender] = appendOnce(direct[r.Sender], r.Kind)
		}
	}
	memberOf := map[effects.AuthorityID][]string{}
	for _, h := range homes {
		for _, m := range h.Members {
			memberOf[m] = append(memberOf[m], h.ID)
		}
	}
	for a := range everyone {
		if len(memberOf[a]) == 0 {
			id := "peer/" + a.String()
			join(id, HomePeer, a)
			memberOf[a] = []string{id}
		}
		slices.Sort(memberOf[a])
	}
	return neighbourhood(self, homes, memberOf, direct, len(rels))
}

// neighbourhood keeps the homes of the agent and of the peers it is
// directly related to, and ranks their members.
func neighbourhood(self effects.AuthorityID, homes map[string]*Home, memberOf map[effects.AuthorityID][]string,
	direct map[effects.AuthorityID][]string, n int) Topology {
	near := map[string]bool{}
	for _, id := range memberOf[self] {
		near[id] = true
	}
	for p := range direct {
		for _, id := range memberOf[p] {
			near[id] = true
		}
	}
	t := Topology{Self: self, Relationships: n}
	peers := map[effects.AuthorityID]bool{}
	for id := range near {
		h := homes[id]
		slices.SortFunc(h.Members, compareAuthority)
		h.Own = slices.Contains(h.Members, self)
		t.Homes = append(t.Homes, *h)
		for _, m := range h.Members {
			if m != self {
				peers[m] = true
			}
		}
	}
	slices.SortFunc(t.Homes, func(a, b Home) int { return cmp.Compare(a.ID, b.ID) })
	for p := range peers {
		rel := direct[p]
		slices.Sort(rel)
		t.Peers = append(t.Peers, Peer{Authority: p, Relations: rel, Home: memberOf[p][0],
			Tier: tierOf(rel, sharesHome(memberOf[p], memberOf[self]))})
	}
	slices.SortFunc(t.Peers, func(a, b Peer) int { return compareAuthority(a.Authority, b.Authority) })
	return t
}

func tierOf(relations []string, coMember bool) int {
	switch {
	case slices.Contains(relations, KindGuardian):
		return tierGuardian
	case slices.Contains(relations, KindDevice):
		return tierDevice
	case slices.Contains(relations, KindContact):
		return tierContact
	case coMember || len(relations) > 0:
		return tierHome
	}
	return tierNeighbour
}

func sharesHome(a, b []string) bool {
	for _, id := range a {
		if slices.Contains(b, id) {
			return true
		}
	}
	return false
}

func appendOnce(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

func compareAuthority(a, b effects.AuthorityID) int { return bytes.Compare(a[:], b[:]) }

// Home returns the home with that ID.
func (t Topology) Home(id string) (Home, bool) {
	i := slices.IndexFunc(t.Homes, func(h Home) bool { return h.ID == id })
	if i < 0 {
		return Home{}, false
	}
	return t.Homes[i], true
}

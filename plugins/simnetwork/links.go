package simnetwork

import (
	"context"
	"maps"
	"strconv"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/networkops"
	"github.com/aurahost/aura-host/sdk"
)

// maxLinkSizes bounds the distinct payload sizes a link's histogram keeps;
// further sizes are counted under the size -1.
const maxLinkSizes = 64

// LinkStats is what an observer of one link (source → destination) sees
// cross it: every envelope put on it and every copy delivered, whatever
// its context, with the payload sizes of the copies delivered. It is the
// count a simulation test of cover traffic reads: what crossed the link,
// not what a service believes it sent.
type LinkStats struct {
	// Sent counts the sends on the link; Delivered, the copies put in the
	// destination's inbox (a duplicate counts twice, a lost one not).
	Sent, Delivered int64
	// PayloadBytes totals the payloads of the copies delivered.
	PayloadBytes int64
	// Sizes counts the copies delivered per payload size (at most
	// maxLinkSizes sizes; the rest under -1).
	Sizes map[int]int64
	// Reordered counts the copies delivered after a copy of an envelope
	// sent later on the link (Stats.Reordered).
	Reordered int64
	// newest is the send number (message.linkSeq) of the latest-sent
	// envelope delivered so far.
	newest int64
}

// Value renders the stats as {sent, delivered, payload_bytes: int, sizes:
// map of decimal size → int}.
func (s LinkStats) Value() sdk.Value {
	sizes := map[string]sdk.Value{}
	for size, n := range s.Sizes {
		sizes[strconv.Itoa(size)] = sdk.Int(n)
	}
	return sdk.Map(map[string]sdk.Value{"sent": sdk.Int(s.Sent), "delivered": sdk.Int(s.Delivered),
		"payload_bytes": sdk.Int(s.PayloadBytes), "reordered": sdk.Int(s.Reordered), "sizes": sdk.Map(sizes)})
}

// Link returns what has crossed the link from source to destination so
// far.
func (n *Network) Link(source, destination sdk.Value) LinkStats {
	n.mu.Lock()
	defer n.mu.Unlock()
	s := n.links[[2]string{networkops.AddressKey(source), networkops.AddressKey(destination)}]
	if s == nil {
		return LinkStats{Sizes: map[int]int64{}}
	}
	out := *s
	out.Sizes = maps.Clone(s.Sizes)
	return out
}

// link returns the stats of a link, made on first use. Called with mu.
func (n *Network) link(key [2]string) *LinkStats {
	if n.links == nil {
		n.links = map[[2]string]*LinkStats{}
	}
	s := n.links[key]
	if s == nil {
		s = &LinkStats{Sizes: map[int]int64{}}
		n.links[key] = s
	}
	return s
}

// countDelivery records a copy delivered on its link. Called with mu.
func (n *Network) countDelivery(m *message) {
	s := n.link(m.link)
	s.Delivered++
	if m.linkSeq < s.newest {
		s.Reordered++
	}
	s.newest = max(s.newest, m.linkSeq)
	if n.newestTo == nil {
		n.newestTo = map[string]uint64{}
	}
	if m.seq < n.newestTo[m.link[1]] {
		n.stats.Reordered++
		if m.hold > 0 {
			n.stats.HeldOvertaken++
		}
	}
	n.newestTo[m.link[1]] = max(n.newestTo[m.link[1]], m.seq)
	size := len(m.env.Payload)
	s.PayloadBytes += int64(size)
	if _, ok := s.Sizes[size]; !ok && len(s.Sizes) >= maxLinkSizes {
		size = -1
	}
	s.Sizes[size]++
}

func (p *plugin) linkOperation() sdk.Operation {
	return sdk.Operation{
		Spec: sdk.OpSpec{
			ID: effects.NetworkControlLink,
			Doc: "Describes what has crossed one link, source to destination, whatever the context: a map {sent (sends " +
				"on the link), delivered (copies put in the destination's inbox), payload_bytes (their payloads' total), reordered (copies " +
				"delivered after a copy of an envelope sent later on the link): " +
				"int, sizes: map of payload size (decimal) → copies delivered}. What an observer of the link counts.",
			Params: []sdk.Param{
				{Name: "source", Kind: sdk.KindAny, Doc: "the sending endpoint: " + endpointDoc},
				{Name: "destination", Kind: sdk.KindAny, Doc: "the receiving endpoint: " + endpointDoc},
			},
			Result:      sdk.KindMap,
			Idempotent:  true,
			Determinism: sdk.ReadsWorld,
		},
		Handle: func(_ context.Context, c *sdk.Call) (sdk.Value, error) {
			src, dst := c.Arg("source"), c.Arg("destination")
			if !networkops.IsAddress(src, false) || !networkops.IsAddress(dst, false) {
				return sdk.Value{}, invalid("source and destination must be non-empty bytes or non-empty strings, got %v and %v", src, dst)
			}
			return p.network().Link(src, dst).Value(), nil
		},
	}
}

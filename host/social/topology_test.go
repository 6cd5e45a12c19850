package social

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aurahost/aura-host/effects"
)

var (
	pS = newParty("self")
	pA = newParty("a")
	pB = newParty("b")
	pC = newParty("c")
	pD = newParty("d")
	pE = newParty("e")
	pX = newParty("attacker")
)

var labels = map[effects.AuthorityID]string{pS.id: "S", pA.id: "A", pB.id: "B", pC.id: "C", pD.id: "D", pE.id: "E", pX.id: "X"}

// short rewrites authority ids in s to their test labels.
func short(s string) string {
	for id, l := range labels {
		s = strings.ReplaceAll(s, id.String(), l)
	}
	return s
}

// byLabel orders labels S first, then alphabetically.
func byLabel(a, b string) int {
	if a == "S" || b == "S" {
		return strings.Compare(strings.ReplaceAll(a, "S", "\x00"), strings.ReplaceAll(b, "S", "\x00"))
	}
	return strings.Compare(a, b)
}

func rel(kind string, sender, receiver party, msg string) Relationship {
	return Relationship{ID: kind + labels[sender.id] + labels[receiver.id] + msg, Kind: kind, Sender: sender.id, Receiver: receiver.id, Message: msg}
}

// summary is a topology in test labels: homes as "kind:members[:own]"
// and peers as "label home-kind tier relations".
func summary(t Topology) (homes, peers []string) {
	for _, h := range t.Homes {
		var ms []string
		for _, m := range h.Members {
			ms = append(ms, labels[m])
		}
		slices.SortFunc(ms, byLabel)
		s := h.Kind + ":" + strings.Join(ms, ",")
		if h.Own {
			s += ":own"
		}
		homes = append(homes, s)
	}
	for _, p := range t.Peers {
		kind, _, _ := strings.Cut(p.Home, "/")
		peers = append(peers, fmt.Sprintf("%s %s %d %s", labels[p.Authority], kind, p.Tier, strings.Join(p.Relations, "+")))
	}
	slices.Sort(homes)
	slices.Sort(peers)
	return homes, peers
}

func TestDerive(t *testing.T) {
	for _, tc := range []struct {
		name         string
		rels         []Relationship
		homes, peers []string
	}{
		{name: "nothing journaled"},
		{name: "a guardian is a home of its own", rels: []Relationship{rel(KindGuardian, pS, pA, "")},
			homes: []string{"peer:A", "peer:S:own"}, peers: []string{"A peer 0 guardian"}},
		{name: "the agent invited as guardian counts the same way", rels: []Relationship{rel(KindGuardian, pA, pS, "")},
			homes: []string{"peer:A", "peer:S:own"}, peers: []string{"A peer 0 guardian"}},
		{name: "a channel is one home with its sender", rels: []Relationship{rel(KindChannel, pS, pA, "family"), rel(KindChannel, pS, pB, "family")},
			homes: []string{"channel:S,A,B:own"}, peers: []string{"A channel 3 channel", "B channel 3 channel"}},
		{name: "two channels of one sender are two homes", rels: []Relationship{rel(KindChannel, pS, pA, "family"), rel(KindChannel, pS, pB, "work")},
			homes: []string{"channel:S,A:own", "channel:S,B:own"}, peers: []string{"A channel 3 channel", "B channel 3 channel"}},
		{name: "a contact's channel is a neighbouring home",
			rels:  []Relationship{rel(KindContact, pS, pA, ""), rel(KindChannel, pA, pB, "club"), rel(KindChannel, pA, pC, "club")},
			homes: []string{"channel:A,B,C", "peer:S:own"},
			peers: []string{"A channel 2 contact", "B channel 4 ", "C channel 4 "}},
		{name: "devices form a home; the strongest relation sets the tier",
			rels:  []Relationship{rel(KindDevice, pS, pA, ""), rel(KindGuardian, pS, pA, ""), rel(KindDevice, pS, pB, "")},
			homes: []string{"device:S,A,B:own"}, peers: []string{"A devices 0 device+guardian", "B devices 1 device"}},
		{name: "relationships between strangers are not the neighbourhood",
			rels:  []Relationship{rel(KindGuardian, pS, pA, ""), rel(KindGuardian, pB, pC, ""), rel(KindChannel, pD, pE, "far")},
			homes: []string{"peer:A", "peer:S:own"}, peers: []string{"A peer 0 guardian"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			topo := Derive(pS.id, tc.rels)
			homes, peers := summary(topo)
			if diff := cmp.Diff(tc.homes, homes); diff != "" {
				t.Errorf("homes (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.peers, peers); diff != "" {
				t.Errorf("peers (-want +got):\n%s", diff)
			}
			// The same relationships in another order give the same topology.
			rev := slices.Clone(tc.rels)
			slices.Reverse(rev)
			if again := Derive(pS.id, rev); !again.Value().Equal(topo.Value()) {
				t.Errorf("derived from the reversed relationships:\n%s\nwant\n%s", short(again.Value().String()), short(topo.Value().String()))
			}
		})
	}
}

// TestReadRelationshipsBelievesOnlyVerifiedFacts is the attacker's view:
// whoever can merge facts into the journal (a sync peer) tries to forge
// relationships to pull relay selection towards itself.
func TestReadRelationshipsBelievesOnlyVerifiedFacts(t *testing.T) {
	type want struct {
		rels    []string // "kind sender>receiver"
		skipped Skipped
	}
	for _, tc := range []struct {
		name  string
		setup func(j *journal)
		want  want
	}{
		{name: "an accepted invitation counts", setup: func(j *journal) { j.relate(KindGuardian, pS, pA, "") },
			want: want{rels: []string{"guardian S>A"}}},
		{name: "a pending invitation does not", setup: func(j *journal) { j.invite("i1", KindGuardian, pS, pA, pS, "") }},
		{name: "an invitation signed by another key than the sender's", setup: func(j *journal) {
			j.invite("i1", KindGuardian, pS, pX, pX, "")
			j.answer("i1", "accepted", pX, pX, 2000)
		}, want: want{skipped: Skipped{Unverified: 1}}},
		{name: "an acceptance signed with the attacker's own key", setup: func(j *journal) {
			j.invite("i1", KindGuardian, pS, pA, pS, "")
			j.answer("i1", "accepted", pA, pX, 2000)
		}, want: want{skipped: Skipped{Unverified: 1}}},
		{name: "an acceptance by someone other than the receiver", setup: func(j *journal) {
			j.invite("i1", KindGuardian, pS, pA, pS, "")
			j.answer("i1", "accepted", pX, pX, 2000)
		}, want: want{skipped: Skipped{Unverified: 1}}},
		{name: "an acceptance after the expiry", setup: func(j *journal) {
			j.invite("i1", KindGuardian, pS, pA, pS, "")
			j.answer("i1", "accepted", pA, pA, 100_000)
		}, want: want{skipped: Skipped{Unverified: 1}}},
		{name: "an acceptance after a cancellation: the earliest terminal fact wins", setup: func(j *journal) {
			j.invite("i1", KindGuardian, pS, pA, pS, "")
			j.answer("i1", "cancelled", pS, pS, 1500)
			j.answer("i1", "accepted", pA, pA, 2000)
		}},
		{name: "a decline after an acceptance does not undo it", setup: func(j *journal) {
			j.invite("i1", KindContact, pS, pA, pS, "")
			j.answer("i1", "accepted", pA, pA, 2000)
			j.answer("i1", "declined", pA, pA, 3000)
		}, want: want{rels: []string{"contact S>A"}}},
		{name: "a party the deployment knows no key for", setup: func(j *journal) { j.relate(KindContact, pS, pD, "") },
			want: want{skipped: Skipped{Unknown: 1}}},
		{name: "a fact of another shape", setup: func(j *journal) {
			j.add(predicateCreated, effects.Map(map[string]effects.Value{"id": effects.String("i1")}))
		}, want: want{skipped: Skipped{Malformed: 1}}},
		{name: "an invitation from one to itself", setup: func(j *journal) { j.invite("i1", KindContact, pS, pS, pS, "") },
			want: want{skipped: Skipped{Malformed: 1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j := newJournal(pS, pA, pB, pX) // pD has no key in the deployment
			tc.setup(j)
			rels, skipped, err := ReadRelationships(t.Context(), j.invoke, DeviceKeys(j.invoke))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rels {
				got = append(got, fmt.Sprintf("%s %s>%s", r.Kind, labels[r.Sender], labels[r.Receiver]))
			}
			if diff := cmp.Diff(tc.want.rels, got); diff != "" {
				t.Errorf("relationships (-want +got):\n%s", diff)
			}
			if skipped != tc.want.skipped {
				t.Errorf("skipped %+v, want %+v", skipped, tc.want.skipped)
			}
		})
	}
}

func TestReadRelationshipsFailsWhenTheJournalDoes(t *testing.T) {
	j := newJournal(pS)
	j.fail = &effects.Error{Code: effects.CodeUnavailable, Op: effects.JournalFactsByPredicate, Message: "journal restarting"}
	_, _, err := ReadRelationships(t.Context(), j.invoke, DeviceKeys(j.invoke))
	if !errors.Is(err, effects.ErrUnavailable) || !strings.Contains(err.Error(), "invitation.created") {
		t.Fatalf("error %v, want unavailable naming the facts it read", err)
	}
}

package social

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/internal/descriptor"
)

// world is the selector's inputs, changed by a test between calls.
type world struct {
	mu       sync.Mutex
	now      time.Time
	loss     map[effects.AuthorityID]float64
	headroom map[effects.AuthorityID]uint64
	descs    map[effects.AuthorityID]effects.Value
	topo     Topology
}

var epoch = time.UnixMilli(1_800_000_000_000)

func newWorld(rels ...Relationship) *world {
	return &world{now: epoch, loss: map[effects.AuthorityID]float64{}, headroom: map[effects.AuthorityID]uint64{},
		descs: map[effects.AuthorityID]effects.Value{}, topo: Derive(pS.id, rels)}
}

func (w *world) selector(t *testing.T, privacy bool) *Selector {
	t.Helper()
	s, err := NewSelector(SelectorConfig{Self: pS.id, Privacy: privacy,
		Topology: func(context.Context) (Topology, error) { w.mu.Lock(); defer w.mu.Unlock(); return w.topo, nil },
		Now:      func(context.Context) (time.Time, error) { w.mu.Lock(); defer w.mu.Unlock(); return w.now, nil },
		Health: func(p effects.AuthorityID) (time.Duration, float64, bool) {
			w.mu.Lock()
			defer w.mu.Unlock()
			l, ok := w.loss[p]
			return 20 * time.Millisecond, l, ok
		},
		Permit: func(_ context.Context, d effects.AuthorityID) (uint64, bool, error) {
			w.mu.Lock()
			defer w.mu.Unlock()
			h, ok := w.headroom[d]
			return h, ok, nil
		},
		Lookup: func(_ context.Context, d effects.AuthorityID) (effects.Value, bool, error) {
			w.mu.Lock()
			defer w.mu.Unlock()
			v, ok := w.descs[d]
			return v, ok, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (w *world) at(d time.Duration) { w.mu.Lock(); w.now = epoch.Add(d); w.mu.Unlock() }

func (w *world) setLoss(p party, l float64) { w.mu.Lock(); w.loss[p.id] = l; w.mu.Unlock() }

func pathOf(p Profile) string {
	var out []string
	for _, c := range p.Path {
		out = append(out, labels[c.Authority])
	}
	return strings.Join(out, ",")
}

// TestSelectorStateMachine walks one destination's profile through its
// states on a clock the test moves: fresh, cached within the TTL, renewed
// after it, changed when a relay fails, held when a change comes under a
// second after the last, and refused when too few homes are usable.
func TestSelectorStateMachine(t *testing.T) {
	// Homes: D alone (guardian), E alone (contact), and the channel {S, A, B}.
	w := newWorld(rel(KindGuardian, pS, pD, ""), rel(KindContact, pS, pE, ""),
		rel(KindChannel, pS, pA, "family"), rel(KindChannel, pS, pB, "family"))
	s := w.selector(t, true)
	type step struct {
		at      time.Duration
		before  func()
		refresh bool
		outcome Outcome
		path    string // "" with err
		changed time.Duration
		err     string
	}
	steps := []step{
		{at: 0, outcome: Fresh, path: "D,E", changed: 0},
		{at: 10 * time.Second, outcome: Cached, path: "D,E", changed: 0},
		{at: 29999 * time.Millisecond, refresh: true, outcome: Renewed, path: "D,E", changed: 0},
		{at: 59 * time.Second, outcome: Cached, path: "D,E", changed: 0},
		{at: 60 * time.Second, outcome: Renewed, path: "D,E", changed: 0},
		{at: 61 * time.Second, before: func() { w.setLoss(pD, 0.9) }, outcome: Changed, path: "E,B", changed: 61 * time.Second},
		{at: 61300 * time.Millisecond, before: func() { w.setLoss(pD, 0) }, refresh: true, outcome: Held, path: "E,B", changed: 61 * time.Second},
		{at: 61999 * time.Millisecond, outcome: Cached, path: "E,B", changed: 61 * time.Second},
		{at: 62 * time.Second, outcome: Changed, path: "D,E", changed: 62 * time.Second},
		{at: 63 * time.Second, before: func() { w.setLoss(pD, 0.6); w.setLoss(pE, 0.7) }, err: "only 1 are usable"},
		{at: 64 * time.Second, before: func() { w.setLoss(pE, 0.5) }, outcome: Fresh, path: "E,B", changed: 64 * time.Second},
	}
	for i, st := range steps {
		w.at(st.at)
		if st.before != nil {
			st.before()
		}
		p, outcome, err := s.Profile(t.Context(), pC.id, st.refresh)
		name := fmt.Sprintf("step %d at %v", i, st.at)
		if st.err != "" {
			var de *DiversityError
			if !errors.As(err, &de) || !strings.Contains(err.Error(), st.err) || !strings.Contains(err.Error(), "turn privacy mode off") {
				t.Fatalf("%s: error %v, want a *DiversityError saying %q and what to do", name, err, st.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// Relay B or A: the spread hash picks one of the channel; the test
		// names B, so map A to B if the hash chose A.
		got := pathOf(p)
		if got != st.path && strings.ReplaceAll(got, "A", "B") != st.path {
			t.Errorf("%s: path %s, want %s", name, got, st.path)
		}
		if outcome != st.outcome || p.Mode != Private || !p.ChangedAt.Equal(epoch.Add(st.changed)) {
			t.Errorf("%s: %s, mode %s, changed at %v; want %s, private, changed at %v", name, outcome, p.Mode,
				p.ChangedAt.Sub(epoch), st.outcome, st.changed)
		}
	}
}

// TestDecide is the transition table of one destination's profile.
func TestDecide(t *testing.T) {
	d, e, b := Candidate{Authority: pD.id}, Candidate{Authority: pE.id}, Candidate{Authority: pB.id}
	at := func(s float64) time.Time { return epoch.Add(time.Duration(s * float64(time.Second))) }
	old := Profile{Path: []Candidate{d, e}, ComputedAt: at(0), ExpiresAt: at(30), ChangedAt: at(0)}
	for _, tc := range []struct {
		name        string
		old         Profile
		had         bool
		next        []Candidate
		now         float64
		want        Outcome
		wantPath    []Candidate
		changed     float64
		wantExpires float64
	}{
		{"none yet", Profile{}, false, []Candidate{d, e}, 5, Fresh, []Candidate{d, e}, 5, 35},
		{"same path", old, true, []Candidate{d, e}, 31, Renewed, []Candidate{d, e}, 0, 61},
		{"another path, a second after the change", old, true, []Candidate{e, b}, 1, Changed, []Candidate{e, b}, 1, 31},
		{"another path, under a second after the change", old, true, []Candidate{e, b}, 0.5, Held, []Candidate{d, e}, 0, 1},
		{"same relays in another order is another path", old, true, []Candidate{e, d}, 2, Changed, []Candidate{e, d}, 2, 32},
		{"passthrough stays passthrough", Profile{ChangedAt: at(0)}, true, nil, 0.2, Renewed, nil, 0, 30.2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := at(tc.now)
			next := Profile{Path: tc.next, ComputedAt: now, ExpiresAt: now.Add(PathTTL)}
			p, outcome := decide(tc.old, tc.had, next, now)
			if outcome != tc.want || !samePath(p.Path, tc.wantPath) || !p.ChangedAt.Equal(at(tc.changed)) || !p.ExpiresAt.Equal(at(tc.wantExpires)) {
				t.Errorf("%s, path %d relays, changed %v, expires %v; want %s, %d relays, changed %v, expires %v", outcome, len(p.Path),
					p.ChangedAt.Sub(epoch), p.ExpiresAt.Sub(epoch), tc.want, len(tc.wantPath), at(tc.changed).Sub(epoch), at(tc.wantExpires).Sub(epoch))
			}
		})
	}
}

// TestPrivacyNeverFallsBackToDirect: with every relay in one home, privacy
// mode refuses the destination; with privacy off the same destination is
// direct.
func TestPrivacyNeverFallsBackToDirect(t *testing.T) {
	w := newWorld(rel(KindChannel, pS, pA, "family"), rel(KindChannel, pS, pB, "family"), rel(KindChannel, pS, pD, "family"))
	s := w.selector(t, true)
	_, _, err := s.Profile(t.Context(), pC.id, false)
	var de *DiversityError
	if !errors.As(err, &de) || de.Homes != 1 || de.Floor != DiversityFloor || de.Candidates != 3 {
		t.Fatalf("error %v, want a *DiversityError with 1 home of 3 candidates", err)
	}
	if ee := de.Effect(effects.SelectionProfile); ee.Code != effects.CodeUnavailable {
		t.Errorf("as an effect error: %v", ee)
	}
	// The destination is never its own relay: A asks for a path to D.
	w2 := newWorld(rel(KindGuardian, pS, pD, ""), rel(KindContact, pS, pE, ""))
	if _, _, err := w2.selector(t, true).Profile(t.Context(), pD.id, false); !errors.As(err, &de) || de.Homes != 1 {
		t.Fatalf("a path to one of two relays: %v, want a *DiversityError with 1 home", err)
	}
	s.SetPrivacy(false)
	p, outcome, err := s.Profile(t.Context(), pC.id, false)
	if err != nil || p.Mode != Passthrough || len(p.Path) != 0 || outcome != Fresh {
		t.Fatalf("privacy off: %+v %s %v, want a fresh passthrough profile", p, outcome, err)
	}
	if _, _, err := s.Profile(t.Context(), pS.id, false); err == nil {
		t.Error("a profile of the agent itself was given")
	}
}

// TestProfileFusesItsInputs: the destination's descriptor (only a valid
// one of that destination), its health and the permit to send to it.
func TestProfileFusesItsInputs(t *testing.T) {
	w := newWorld()
	sign := func(p party, expires time.Duration) effects.Value {
		s, err := descriptor.Sign(p.key, descriptor.Descriptor{Authority: p.id, DeviceKey: p.pub(), Addresses: []string{"10.0.0.1:4001"},
			Relays: []string{"10.0.0.9:4001"}, IssuedMS: epoch.UnixMilli() - 1000, ExpiresMS: epoch.Add(expires).UnixMilli(), Seq: 1})
		if err != nil {
			t.Fatal(err)
		}
		return s.Value()
	}
	w.descs[pA.id] = sign(pA, time.Hour)
	w.descs[pB.id] = sign(pC, time.Hour) // B's entry describes C
	w.descs[pC.id] = sign(pC, 0)         // expired
	w.loss[pA.id] = 0.25
	w.headroom[pA.id], w.headroom[pB.id] = 100, 0
	s := w.selector(t, false)
	for _, tc := range []struct {
		dest                        party
		descriptor, health, permitK bool
		permitted                   bool
	}{
		{pA, true, true, true, true},
		{pB, false, false, true, false},
		{pC, false, false, true, false}, // no budget: no permit
	} {
		p, _, err := s.Profile(t.Context(), tc.dest.id, false)
		if err != nil {
			t.Fatal(err)
		}
		if p.Descriptor != tc.descriptor || p.HealthKnown != tc.health || p.PermitKnown != tc.permitK || p.Permitted != tc.permitted {
			t.Errorf("%s: descriptor %v health %v permit %v/%v; want %v %v %v/%v", labels[tc.dest.id], p.Descriptor, p.HealthKnown,
				p.PermitKnown, p.Permitted, tc.descriptor, tc.health, tc.permitK, tc.permitted)
		}
	}
	p, _, _ := s.Profile(t.Context(), pA.id, false)
	v := p.Value()
	for field, want := range map[string]effects.Value{"mode": effects.String("passthrough"), "loss_ppm": effects.Int(250000),
		"headroom": effects.Uint(100), "addresses": effects.List(effects.String("10.0.0.1:4001"))} {
		if got, _ := v.Get(field); !got.Equal(want) {
			t.Errorf("profile %s = %v, want %v", field, got, want)
		}
	}
}

package holds

import (
	"errors"
	"testing"

	"github.com/aurahost/aura-host/effects"
)

var (
	alice = effects.DeriveAuthorityID("alice", 9)
	bob   = effects.DeriveAuthorityID("bob", 9)
	carol = effects.DeriveAuthorityID("carol", 9)
	hold1 = effects.DeriveAuthorityID("hold1", 9)
)

// The capability epochs of one holder: each issue supersedes the last;
// expiry is exclusive; only the recipient may use its capability.
func TestCapabilityEpochs(t *testing.T) {
	const ttl = 30_000
	issue := func(cs *capabilities, r effects.AuthorityID, now int64) *Capability {
		c := cs.next(r, now)
		c.Signature = []byte{byte(c.Epoch), 1, 2}
		cs.record(c)
		return c
	}
	type step struct {
		name   string
		run    func(cs *capabilities) (*Capability, effects.AuthorityID, int64)
		refuse Refusal
	}
	for _, tc := range []step{
		{"fresh, by its recipient", func(cs *capabilities) (*Capability, effects.AuthorityID, int64) {
			return issue(cs, alice, 0), alice, 1
		}, ""},
		{"last millisecond", func(cs *capabilities) (*Capability, effects.AuthorityID, int64) {
			return issue(cs, alice, 0), alice, ttl - 1
		}, ""},
		{"at expiry", func(cs *capabilities) (*Capability, effects.AuthorityID, int64) {
			return issue(cs, alice, 0), alice, ttl
		}, RefusedExpired},
		{"superseded by a rotation", func(cs *capabilities) (*Capability, effects.AuthorityID, int64) {
			old := issue(cs, alice, 0)
			issue(cs, alice, ttl/2)
			return old, alice, ttl / 2
		}, RefusedSuperseded},
		{"superseded and expired: superseded first", func(cs *capabilities) (*Capability, effects.AuthorityID, int64) {
			old := issue(cs, alice, 0)
			issue(cs, alice, ttl/2)
			return old, alice, 2 * ttl
		}, RefusedSuperseded},
		{"the newest after a rotation", func(cs *capabilities) (*Capability, effects.AuthorityID, int64) {
			issue(cs, alice, 0)
			return issue(cs, alice, ttl/2), alice, ttl/2 + 1
		}, ""},
		{"used by someone else", func(cs *capabilities) (*Capability, effects.AuthorityID, int64) {
			return issue(cs, alice, 0), bob, 1
		}, RefusedNotRecipient},
		{"another recipient's rotation does not touch it", func(cs *capabilities) (*Capability, effects.AuthorityID, int64) {
			c := issue(cs, alice, 0)
			issue(cs, bob, 1)
			return c, alice, 2
		}, ""},
		{"never issued", func(cs *capabilities) (*Capability, effects.AuthorityID, int64) {
			return &Capability{Holder: hold1, Recipient: alice, Epoch: 1, ExpiresMs: ttl}, alice, 1
		}, RefusedBadCapability},
		{"a future epoch", func(cs *capabilities) (*Capability, effects.AuthorityID, int64) {
			c := *issue(cs, alice, 0)
			c.Epoch++
			return &c, alice, 1
		}, RefusedBadCapability},
		{"another holder's", func(cs *capabilities) (*Capability, effects.AuthorityID, int64) {
			c := *issue(cs, alice, 0)
			c.Holder = carol
			return &c, alice, 1
		}, RefusedBadCapability},
		{"expiry moved later", func(cs *capabilities) (*Capability, effects.AuthorityID, int64) {
			c := *issue(cs, alice, 0)
			c.ExpiresMs += ttl
			return &c, alice, ttl + 1
		}, RefusedBadCapability},
		{"signature altered", func(cs *capabilities) (*Capability, effects.AuthorityID, int64) {
			c := *issue(cs, alice, 0)
			c.Signature = []byte{9}
			return &c, alice, 1
		}, RefusedBadCapability},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs := newCapabilities(hold1, ttl)
			c, src, now := tc.run(cs)
			if got := cs.check(c, src, now); got != tc.refuse {
				t.Fatalf("check: %q, want %q", got, tc.refuse)
			}
		})
	}
}

// The deposit lifecycle, one event after another from a fresh deposit
// with holders hold1 and carol, expiring at 100.
func TestDepositLifecycle(t *testing.T) {
	ack := func(h effects.AuthorityID) depositEvent { return depositEvent{kind: "ack", holder: h} }
	refusal := func(h effects.AuthorityID) depositEvent { return depositEvent{kind: "refusal", holder: h} }
	witness := func(h effects.AuthorityID, o Outcome) depositEvent {
		return depositEvent{kind: "witness", holder: h, outcome: o}
	}
	expire := func(now int64) depositEvent { return depositEvent{kind: "expire", nowMs: now} }
	for _, tc := range []struct {
		name   string
		events []depositEvent
		want   DepositState
		errAt  int   // index of the event that must fail (-1: none)
		code   error // its error
	}{
		{"acknowledged", []depositEvent{ack(hold1)}, DepositHeld, -1, nil},
		{"both acknowledged", []depositEvent{ack(hold1), ack(carol)}, DepositHeld, -1, nil},
		{"one refused", []depositEvent{refusal(hold1)}, DepositPending, -1, nil},
		{"every holder refused", []depositEvent{refusal(hold1), refusal(carol)}, DepositRefused, -1, nil},
		{"refused then held", []depositEvent{refusal(hold1), ack(carol)}, DepositHeld, -1, nil},
		{"a second answer", []depositEvent{ack(hold1), refusal(hold1)}, DepositHeld, 1, effects.ErrConflict},
		{"an answer from a non-holder", []depositEvent{ack(bob)}, DepositPending, 0, effects.ErrDenied},
		{"delivered", []depositEvent{ack(hold1), witness(hold1, Delivered)}, DepositDelivered, -1, nil},
		{"a failure witnessed", []depositEvent{ack(hold1), witness(hold1, Failed)}, DepositHeld, -1, nil},
		{"a witness counted once", []depositEvent{ack(hold1), witness(hold1, Failed), witness(hold1, Delivered)}, DepositHeld, 2, effects.ErrConflict},
		{"a witness of a non-holder", []depositEvent{witness(bob, Delivered)}, DepositPending, 0, effects.ErrDenied},
		{"not expired yet", []depositEvent{expire(99)}, DepositPending, 0, effects.ErrConflict},
		{"expired", []depositEvent{ack(hold1), expire(100)}, DepositExpired, -1, nil},
		{"delivered then expired", []depositEvent{witness(carol, Delivered), expire(100)}, DepositExpired, -1, nil},
		{"nothing after expiry", []depositEvent{expire(100), ack(hold1)}, DepositExpired, 1, effects.ErrConflict},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &Deposit{Holders: []effects.AuthorityID{hold1, carol}, ExpiresMs: 100, State: DepositPending}
			for i, ev := range tc.events {
				err := d.apply(ev)
				if i == tc.errAt {
					if !errors.Is(err, tc.code) {
						t.Fatalf("event %d: %v, want %v", i, err, tc.code)
					}
				} else if err != nil {
					t.Fatalf("event %d: %v", i, err)
				}
			}
			if d.State != tc.want {
				t.Fatalf("state %s, want %s", d.State, tc.want)
			}
		})
	}
}

// The movement queue: FIFO, bounded, one copy per id, expiry.
func TestMovementQueue(t *testing.T) {
	m := func(id byte, exp int64) outbound { return outbound{id: MessageID{id}, expiresMs: exp} }
	for _, tc := range []struct {
		name    string
		push    []outbound
		fullAt  int // index of the push refused as full (-1: none)
		dropAt  int64
		dropped int
		want    []byte // ids left, in order
	}{
		{"in order", []outbound{m(1, 10), m(2, 10)}, -1, 0, 0, []byte{1, 2}},
		{"full", []outbound{m(1, 10), m(2, 10), m(3, 10), m(4, 10)}, 3, 0, 0, []byte{1, 2, 3}},
		{"a copy of a waiting id is not queued twice", []outbound{m(1, 10), m(1, 10), m(2, 10)}, -1, 0, 0, []byte{1, 2}},
		{"a copy does not count as full", []outbound{m(1, 10), m(2, 10), m(3, 10), m(3, 10)}, -1, 0, 0, []byte{1, 2, 3}},
		{"expired ones dropped", []outbound{m(1, 5), m(2, 10), m(3, 5)}, -1, 5, 2, []byte{2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := NewQueue(3)
			for i, it := range tc.push {
				err := q.Push(it)
				if (i == tc.fullAt) != errors.Is(err, ErrQueueFull) {
					t.Fatalf("push %d: %v", i, err)
				}
			}
			if n := q.DropExpired(tc.dropAt); n != tc.dropped {
				t.Fatalf("dropped %d, want %d", n, tc.dropped)
			}
			var got []byte
			for {
				h, ok := q.Head()
				if !ok {
					break
				}
				got = append(got, h.id[0])
				q.Pop()
			}
			if string(got) != string(tc.want) {
				t.Fatalf("left %v, want %v", got, tc.want)
			}
		})
	}
}

// The replay window: an id within the window once; stale and future
// messages refused; a full window refuses rather than forget early.
func TestReplayWindow(t *testing.T) {
	type msg struct {
		id           byte
		sent, now    int64
		replay, full bool
	}
	for _, tc := range []struct {
		name string
		msgs []msg
	}{
		{"new ids", []msg{{id: 1, sent: 100, now: 100}, {id: 2, sent: 100, now: 101}}},
		{"a replay", []msg{{id: 1, sent: 100, now: 100}, {id: 1, sent: 100, now: 150, replay: true}}},
		{"a replay with a new send time", []msg{{id: 1, sent: 100, now: 100}, {id: 1, sent: 140, now: 150, replay: true}}},
		{"stale", []msg{{id: 1, sent: 100, now: 201, replay: true}}},
		{"the window's edge", []msg{{id: 1, sent: 100, now: 200}}},
		{"from the future", []msg{{id: 1, sent: 301, now: 200, replay: true}}},
		{"full", []msg{{id: 1, sent: 100, now: 100}, {id: 2, sent: 100, now: 100}, {id: 3, sent: 100, now: 100, full: true}}},
		{"room again once ids leave the window", []msg{{id: 1, sent: 100, now: 100}, {id: 2, sent: 150, now: 150}, {id: 3, sent: 201, now: 201}}},
		{"an id forgotten is stale anyway", []msg{{id: 1, sent: 100, now: 100}, {id: 2, sent: 250, now: 250}, {id: 1, sent: 100, now: 250, replay: true}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := NewReplayWindow(100, 2)
			for i, m := range tc.msgs {
				err := w.Accept(MessageID{m.id}, m.sent, m.now)
				switch {
				case m.replay && !errors.Is(err, ErrReplay), m.full && !errors.Is(err, ErrQueueFull), !m.replay && !m.full && err != nil:
					t.Fatalf("message %d: %v", i, err)
				}
			}
		})
	}
}

// Codecs refuse what they did not make: extra fields, wrong sizes, bad
// versions.
func TestDecodersAreStrict(t *testing.T) {
	s := &Sealed{Depositor: alice, Recipient: bob, CreatedMs: 1, ExpiresMs: 2, Payload: []byte("p"), Signature: make([]byte, 64)}
	s.ID = s.computeID()
	if _, err := DecodeSealed(s.Encode()); err != nil {
		t.Fatal(err)
	}
	extra := effects.Map(map[string]effects.Value{"x": effects.Int(1)}).Canonical()
	for name, raw := range map[string][]byte{
		"garbage": []byte("nope"), "a map of something else": extra,
	} {
		if _, err := DecodeSealed(raw); err == nil {
			t.Errorf("sealed %s: decoded", name)
		}
		if _, err := DecodeCapability(raw); err == nil {
			t.Errorf("capability %s: decoded", name)
		}
		if _, err := DecodeWitness(raw); !errors.Is(err, ErrBadWitness) {
			t.Errorf("witness %s: %v", name, err)
		}
		if _, err := decodeMessage(raw); err == nil {
			t.Errorf("message %s: decoded", name)
		}
	}
	if _, err := decodeMessage(encodeMessage(MessageID{1}, "gossip", 1, nil)); err == nil {
		t.Error("a message of an unknown kind decoded")
	}
}

// GC at a given time: what passed its retention goes (from storage too),
// the rest stays.
func TestGC(t *testing.T) {
	const retention = 120_000
	for _, tc := range []struct {
		name                         string
		at                           int64 // ms after the records were made
		custody, deposits, received  int   // removed
		leftCustody, leftStorageKeys int
	}{
		{"nothing due", 59_999, 0, 0, 0, 2, 3},
		{"all but the short custody", retention - 1, 1, 0, 0, 1, 2},
		{"the short custody", 60_000, 1, 0, 0, 1, 2},
		{"everything at retention", retention, 2, 1, 1, 0, 0},
		{"long after", 10 * retention, 2, 1, 1, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, "me", "a", "b")
			s := w.start("me", nil)
			ctx := t.Context()
			t0 := w.now
			mk := func(dep, rec string, exp int64) *Sealed {
				x := &Sealed{Depositor: w.id(dep), Recipient: w.id(rec), CreatedMs: t0, ExpiresMs: exp, Payload: []byte(dep + rec)}
				x.ID = x.computeID()
				return x
			}
			s.mu.Lock()
			for _, h := range []*held{
				{sealed: mk("a", "b", t0+60_000), receivedMs: t0, expiresMs: t0 + 60_000},
				{sealed: mk("b", "a", t0+retention), receivedMs: t0, expiresMs: t0 + retention},
			} {
				s.custody[h.sealed.ID] = h
				w.storage[w.id("me")][storageKey(custodyPrefix, h.sealed.ID)] = h.encode()
			}
			own := mk("me", "a", t0+retention)
			s.deposits[own.ID] = &Deposit{ID: own.ID, ExpiresMs: own.ExpiresMs, State: DepositHeld}
			s.order = append(s.order, own.ID)
			got := mk("a", "me", t0+retention)
			s.received[got.ID] = &Received{Sealed: got, AtMs: t0}
			s.recvd = append(s.recvd, got.ID)
			w.storage[w.id("me")][storageKey(receivedPrefix, got.ID)] = got.Encode()
			res := s.gc(ctx, t0+tc.at)
			s.mu.Unlock()
			if res.Custody != tc.custody || res.Deposits != tc.deposits || res.Received != tc.received {
				t.Fatalf("removed %+v, want custody %d, deposits %d, received %d", res, tc.custody, tc.deposits, tc.received)
			}
			if s.HeldCount() != tc.leftCustody || len(w.storage[w.id("me")]) != tc.leftStorageKeys {
				t.Fatalf("left %d held and %d stored records, want %d and %d", s.HeldCount(), len(w.storage[w.id("me")]), tc.leftCustody, tc.leftStorageKeys)
			}
		})
	}
}

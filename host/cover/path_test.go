package cover_test

import (
	"errors"
	"testing"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/cover"
)

var (
	t0   = time.UnixMilli(1_000_000).UTC()
	peer = effects.DeriveAuthorityID("peer", 0)
)

func msg(b byte) cover.MessageID { return cover.MessageID{b} }
func pathID(b byte) cover.PathID { return cover.PathID{b} }

// TestPathLifecycle drives a path through every transition of its state
// machine. Each case is a sequence of events at times after t0 (TTL 30 s,
// a window of 3 ids), each with the error and state it must give.
func TestPathLifecycle(t *testing.T) {
	type event struct {
		at   time.Duration
		do   string // establish, admit, teardown, state
		id   byte
		err  error
		want cover.PathState
	}
	cases := []struct {
		name   string
		events []event
	}{
		{"new path is building", []event{{0, "state", 0, nil, cover.PathBuilding}}},
		{"building refuses messages", []event{{0, "admit", 1, cover.ErrPathNotEstablished, cover.PathBuilding}}},
		{"establish then admit", []event{
			{time.Second, "establish", 0, nil, cover.PathEstablished},
			{2 * time.Second, "admit", 1, nil, cover.PathEstablished},
		}},
		{"establish twice is a no-op", []event{
			{0, "establish", 0, nil, cover.PathEstablished},
			{time.Second, "establish", 0, nil, cover.PathEstablished},
		}},
		{"replay within the path is dropped", []event{
			{0, "establish", 0, nil, cover.PathEstablished},
			{time.Second, "admit", 1, nil, cover.PathEstablished},
			{29 * time.Second, "admit", 1, cover.ErrReplay, cover.PathEstablished},
			{29 * time.Second, "admit", 2, nil, cover.PathEstablished},
		}},
		{"window full drops new ids, not old", []event{
			{0, "establish", 0, nil, cover.PathEstablished},
			{0, "admit", 1, nil, cover.PathEstablished},
			{0, "admit", 2, nil, cover.PathEstablished},
			{0, "admit", 3, nil, cover.PathEstablished},
			{0, "admit", 4, cover.ErrWindowFull, cover.PathEstablished},
			{0, "admit", 1, cover.ErrReplay, cover.PathEstablished},
		}},
		{"established path expires at its TTL", []event{
			{0, "establish", 0, nil, cover.PathEstablished},
			{30*time.Second - time.Millisecond, "admit", 1, nil, cover.PathEstablished},
			{30 * time.Second, "admit", 2, cover.ErrPathExpired, cover.PathExpired},
		}},
		{"a building path expires too", []event{
			{30 * time.Second, "state", 0, nil, cover.PathExpired},
			{31 * time.Second, "establish", 0, cover.ErrPathExpired, cover.PathExpired},
		}},
		{"establishing late does not extend the TTL", []event{
			{29 * time.Second, "establish", 0, nil, cover.PathEstablished},
			{30 * time.Second, "admit", 1, cover.ErrPathExpired, cover.PathExpired},
		}},
		{"a replay after expiry is dropped as expired", []event{
			{0, "establish", 0, nil, cover.PathEstablished},
			{time.Second, "admit", 1, nil, cover.PathEstablished},
			{40 * time.Second, "admit", 1, cover.ErrPathExpired, cover.PathExpired},
		}},
		{"teardown of a building path", []event{
			{0, "teardown", 0, nil, cover.PathTornDown},
			{time.Second, "establish", 0, cover.ErrPathTornDown, cover.PathTornDown},
		}},
		{"teardown of an established path", []event{
			{0, "establish", 0, nil, cover.PathEstablished},
			{time.Second, "teardown", 0, nil, cover.PathTornDown},
			{time.Second, "admit", 1, cover.ErrPathTornDown, cover.PathTornDown},
		}},
		{"torn down stays torn down past its TTL", []event{
			{0, "teardown", 0, nil, cover.PathTornDown},
			{time.Minute, "state", 0, nil, cover.PathTornDown},
		}},
		{"teardown of an expired path keeps it expired", []event{
			{31 * time.Second, "teardown", 0, nil, cover.PathExpired},
			{31 * time.Second, "admit", 1, cover.ErrPathExpired, cover.PathExpired},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := cover.NewPath(pathID(7), peer, t0, 30*time.Second, 3)
			for i, ev := range tc.events {
				now := t0.Add(ev.at)
				var err error
				switch ev.do {
				case "establish":
					err = p.Establish(now)
				case "admit":
					err = p.Admit(msg(ev.id), now)
				case "teardown":
					p.TearDown(now)
				}
				if !errors.Is(err, ev.err) || (ev.err == nil && err != nil) {
					t.Errorf("event %d (%s at %v): err %v, want %v", i, ev.do, ev.at, err, ev.err)
				}
				if got := p.State(now); got != ev.want {
					t.Errorf("event %d (%s at %v): state %s, want %s", i, ev.do, ev.at, got, ev.want)
				}
			}
		})
	}
}

// TestPathErrorsCarryCodes: a path's refusals are typed, with the code a
// caller across the plugin boundary sees.
func TestPathErrorsCarryCodes(t *testing.T) {
	for err, code := range map[error]*effects.Error{
		cover.ErrReplay: effects.ErrConflict, cover.ErrPathExpired: effects.ErrConflict, cover.ErrPathTornDown: effects.ErrConflict,
		cover.ErrPathNotEstablished: effects.ErrConflict, cover.ErrWindowFull: effects.ErrExhausted,
		cover.ErrTooManyPaths: effects.ErrExhausted, cover.ErrMalformed: effects.ErrInvalidArgs,
	} {
		if !errors.Is(err, code) {
			t.Errorf("%v does not match %s", err, code.Code)
		}
	}
}

// TestInbound plays the receiving side against an honest sender and an
// attacker: replays on a path are dropped, a message on an expired path is
// dropped, and a peer inventing paths is bounded.
func TestInbound(t *testing.T) {
	other := effects.DeriveAuthorityID("other", 0)
	type msgAt struct {
		at   time.Duration
		from effects.AuthorityID
		path byte
		id   byte
		err  error
	}
	cases := []struct {
		name string
		msgs []msgAt
	}{
		{"a new path opens established", []msgAt{{0, peer, 1, 1, nil}}},
		{"a replay on the path is dropped", []msgAt{{0, peer, 1, 1, nil}, {time.Second, peer, 1, 1, cover.ErrReplay}}},
		{"the same id on another path is not a replay", []msgAt{{0, peer, 1, 1, nil}, {0, peer, 2, 1, nil}}},
		{"paths are per peer", []msgAt{{0, peer, 1, 1, nil}, {0, other, 1, 1, nil}}},
		{"a message on an expired path is dropped", []msgAt{{0, peer, 1, 1, nil}, {30 * time.Second, peer, 1, 2, cover.ErrPathExpired}}},
		{"an honest sender's next path opens after expiry", []msgAt{{0, peer, 1, 1, nil}, {30 * time.Second, peer, 2, 1, nil}}},
		{"a peer inventing paths is bounded", []msgAt{
			{0, peer, 1, 1, nil}, {0, peer, 2, 1, nil}, {0, peer, 3, 1, nil}, {0, peer, 4, 1, nil},
			{0, peer, 5, 1, cover.ErrTooManyPaths},
			{0, other, 5, 1, nil}, // another peer is not starved
			{30 * time.Second, peer, 5, 1, nil},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := &cover.Inbound{TTL: 30 * time.Second, MaxPerPeer: 4}
			for i, m := range tc.msgs {
				err := in.Admit(m.from, pathID(m.path), msg(m.id), t0.Add(m.at))
				if !errors.Is(err, m.err) || (m.err == nil && err != nil) {
					t.Errorf("message %d: err %v, want %v", i, err, m.err)
				}
			}
		})
	}
}

// TestTopUp checks the top-up arithmetic: what the floor owes over an
// interval, less the application's sends, with fractions carried over and
// a gap capped.
func TestTopUp(t *testing.T) {
	type step struct {
		elapsed time.Duration
		app     int64
		want    int64
	}
	cases := []struct {
		name  string
		floor int
		cap   time.Duration
		steps []step
	}{
		{"silent application gets the floor", 2, 0, []step{{time.Second, 0, 2}, {time.Second, 0, 2}}},
		{"half-second intervals alternate nothing lost", 2, 0, []step{{500 * time.Millisecond, 0, 1}, {500 * time.Millisecond, 0, 1}}},
		{"fractions carry over", 3, 0, []step{{500 * time.Millisecond, 0, 1}, {500 * time.Millisecond, 0, 2}, {500 * time.Millisecond, 0, 1}, {500 * time.Millisecond, 0, 2}}},
		{"application traffic counts toward the floor", 2, 0, []step{{time.Second, 1, 1}}},
		{"application at the floor needs no cover", 2, 0, []step{{time.Second, 2, 0}}},
		{"application above the floor is not banked", 2, 0, []step{{time.Second, 10, 0}, {time.Second, 0, 2}}},
		{"a gap is capped", 2, 2 * time.Second, []step{{time.Minute, 0, 4}}},
		{"no time, nothing owed", 2, 0, []step{{0, 0, 0}, {-time.Second, 0, 0}}},
		{"floor 0 owes nothing", 0, 0, []step{{time.Second, 0, 0}}},
		{"a short interval owes a fraction, paid later", 2, 0, []step{{100 * time.Millisecond, 0, 0}, {400 * time.Millisecond, 0, 1}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tu := cover.TopUp{Floor: tc.floor, MaxElapsed: tc.cap}
			for i, s := range tc.steps {
				if got := tu.Due(s.elapsed, s.app); got != s.want {
					t.Errorf("step %d (%v, app %d): due %d, want %d", i, s.elapsed, s.app, got, s.want)
				}
			}
		})
	}
}

// TestPayload: a cover payload carries its path id and a message id, is
// the size asked, and a short one is malformed.
func TestPayload(t *testing.T) {
	random := make([]byte, cover.DefaultPayloadBytes)
	for i := range random {
		random[i] = byte(i*7 + 3)
	}
	p, id, err := cover.EncodePayload(pathID(9), random)
	if err != nil {
		t.Fatal(err)
	}
	if len(p) != cover.DefaultPayloadBytes {
		t.Fatalf("payload is %d bytes, want %d", len(p), cover.DefaultPayloadBytes)
	}
	gotPath, gotID, err := cover.ParsePayload(p)
	if err != nil || gotPath != pathID(9) || gotID != id {
		t.Fatalf("parsed %v %v %v, want %v %v", gotPath, gotID, err, pathID(9), id)
	}
	if _, _, err := cover.ParsePayload(p[:31]); !errors.Is(err, cover.ErrMalformed) {
		t.Fatalf("31 bytes: %v, want ErrMalformed", err)
	}
	if _, _, err := cover.EncodePayload(pathID(1), make([]byte, 31)); err == nil {
		t.Fatal("a 31-byte payload was made")
	}
}

package facade_test

import (
	"context"
	"testing"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/effects/facade"
)

const sessionID = "session-00112233445566778899aabbccddeeff"

// handleValue is a session handle as plugins/session builds it.
func handleValue(status string, ended bool) effects.Value {
	m := map[string]effects.Value{
		"id": str(sessionID), "kind": str("threshold"), "participants": list(str("a"), str("b")),
		"my_role": str("a"), "epoch": i64(1), "started_ms": i64(1000), "expires_ms": i64(61000), "status": str(status),
	}
	if ended {
		m["ended_ms"] = i64(2000)
	}
	return obj(m)
}

func handle(status facade.SessionStatus, endedMs int64) facade.SessionHandle {
	return facade.SessionHandle{ID: sessionID, Kind: facade.SessionThreshold, Participants: []string{"a", "b"},
		MyRole: "a", Epoch: 1, StartedMs: 1000, ExpiresMs: 61000, Status: status, EndedMs: endedMs}
}

func sessionCases() []methodCase {
	return []methodCase{
		{
			name: "Sessions.Create",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Sessions.Create(ctx, facade.SessionRequest{Kind: facade.SessionThreshold,
					Participants: []string{"a", "b"}, MyRole: "a", TTL: time.Minute})
			},
			op: effects.SessionCreate,
			args: args("kind", str("threshold"), "participants", list(str("a"), str("b")), "my_role", str("a"),
				"ttl_ms", i64(60000)),
			reply: handleValue("active", false), want: handle(facade.SessionActive, 0),
		},
		{
			name: "Sessions.Get",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Sessions.Get(ctx, sessionID) },
			op:   effects.SessionGet, args: args("id", str(sessionID)),
			reply: handleValue("expired", false), want: handle(facade.SessionExpired, 0),
		},
		{
			name: "Sessions.End",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Sessions.End(ctx, sessionID) },
			op:   effects.SessionEnd, args: args("id", str(sessionID)),
			reply: handleValue("ended", true), want: handle(facade.SessionEnded, 2000),
		},
		{
			name: "Sessions.ListActive",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Sessions.ListActive(ctx) },
			op:   effects.SessionListActive, args: effects.Null(),
			reply: list(handleValue("active", false)), want: []facade.SessionHandle{handle(facade.SessionActive, 0)},
		},
		{
			name: "Sessions.Stats",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Sessions.Stats(ctx) },
			op:   effects.SessionStats, args: effects.Null(),
			reply: obj(map[string]effects.Value{"active": i64(1), "ended": i64(2), "expired": i64(3), "known": i64(6), "created": i64(9)}),
			want:  facade.SessionStats{Active: 1, Ended: 2, Expired: 3, Known: 6, Created: 9},
		},
		{
			name: "Sessions.CleanExpired",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Sessions.CleanExpired(ctx) },
			op:   effects.SessionCleanExpired, args: effects.Null(),
			reply: i64(3), want: 3,
		},
	}
}

func TestSessionHandleID(t *testing.T) {
	id, err := handle(facade.SessionActive, 0).SessionID()
	if err != nil || id.String() != sessionID {
		t.Errorf("SessionID() = %v, %v", id, err)
	}
}

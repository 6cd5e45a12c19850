package facade

import (
	"context"
	"time"

	"github.com/aurahost/aura-host/effects"
)

// Sessions is the client of the session service: coordination and
// threshold sessions with participants, a role and a time to live, every
// transition journaled.
type Sessions struct{ c caller }

// SessionKind is what a session coordinates.
type SessionKind string

// The session kinds.
const (
	SessionCoordination SessionKind = "coordination"
	SessionThreshold    SessionKind = "threshold"
)

// SessionStatus is where a session stands.
type SessionStatus string

// The session statuses.
const (
	SessionActive  SessionStatus = "active"
	SessionEnded   SessionStatus = "ended"
	SessionExpired SessionStatus = "expired"
)

var (
	opSessionCreate = declare("Sessions.Create", effects.SessionCreate, effects.KindMap,
		arg("kind", effects.KindString), arg("participants", effects.KindList), arg("my_role", effects.KindString), arg("ttl_ms", effects.KindInt))
	opSessionGet          = declare("Sessions.Get", effects.SessionGet, effects.KindMap, arg("id", effects.KindString))
	opSessionEnd          = declare("Sessions.End", effects.SessionEnd, effects.KindMap, arg("id", effects.KindString))
	opSessionListActive   = declare("Sessions.ListActive", effects.SessionListActive, effects.KindList)
	opSessionStats        = declare("Sessions.Stats", effects.SessionStats, effects.KindMap)
	opSessionCleanExpired = declare("Sessions.CleanExpired", effects.SessionCleanExpired, effects.KindInt)
)

// SessionRequest asks for a new session.
type SessionRequest struct {
	Kind         SessionKind   // what the session coordinates
	Participants []string      // distinct, non-empty; at least one
	MyRole       string        // this authority's role, non-empty
	TTL          time.Duration // until the session expires; rounded up to whole ms, at least 1 ms
}

// SessionHandle is a session as the service reports it.
type SessionHandle struct {
	ID           string        // "session-" and 32 hex digits
	Kind         SessionKind   // what the session coordinates
	Participants []string      // who takes part
	MyRole       string        // this authority's role
	Epoch        int64         // the session's sequence number among this authority's sessions, from 1
	StartedMs    int64         // when it was created, in the service clock's milliseconds
	ExpiresMs    int64         // when it expires unless ended before
	Status       SessionStatus // where it stands now
	EndedMs      int64         // when it ended; 0 unless Status is SessionEnded
}

// SessionID parses the handle's ID as an effects.SessionID.
func (h SessionHandle) SessionID() (effects.SessionID, error) { return effects.ParseSessionID(h.ID) }

func readSession(r reader) SessionHandle {
	return SessionHandle{
		ID: r.str("id"), Kind: SessionKind(r.str("kind")), Participants: r.strings("participants"),
		MyRole: r.str("my_role"), Epoch: r.int("epoch"), StartedMs: r.int("started_ms"), ExpiresMs: r.int("expires_ms"),
		Status: SessionStatus(r.str("status")), EndedMs: r.optInt("ended_ms"),
	}
}

// SessionStats counts the sessions the service knows.
type SessionStats struct {
	Active  int64 // neither ended nor expired
	Ended   int64 // ended before they expired
	Expired int64 // expired but not yet cleaned
	Known   int64 // the three above
	Created int64 // ever, including cleaned ones
}

// Create creates an active session and returns its handle.
func (x *Sessions) Create(ctx context.Context, req SessionRequest) (SessionHandle, error) {
	v, err := x.c.invoke(ctx, opSessionCreate, map[string]effects.Value{
		"kind": effects.String(string(req.Kind)), "participants": stringList(req.Participants),
		"my_role": effects.String(req.MyRole), "ttl_ms": effects.Int(millis(req.TTL)),
	})
	return x.handle(opSessionCreate, v, err)
}

// Get returns a session's handle. A session never created, or cleaned after
// it expired, is an error matching effects.ErrNotFound.
func (x *Sessions) Get(ctx context.Context, id string) (SessionHandle, error) {
	v, err := x.c.invoke(ctx, opSessionGet, map[string]effects.Value{"id": effects.String(id)})
	return x.handle(opSessionGet, v, err)
}

// End ends an active session and returns its handle. One already ended or
// expired is an error matching effects.ErrConflict.
func (x *Sessions) End(ctx context.Context, id string) (SessionHandle, error) {
	v, err := x.c.invoke(ctx, opSessionEnd, map[string]effects.Value{"id": effects.String(id)})
	return x.handle(opSessionEnd, v, err)
}

func (x *Sessions) handle(op *operation, v effects.Value, err error) (SessionHandle, error) {
	if err != nil {
		return SessionHandle{}, err
	}
	return decodeRecord(op, v, readSession)
}

// ListActive returns the active sessions, oldest first.
func (x *Sessions) ListActive(ctx context.Context) ([]SessionHandle, error) {
	v, err := x.c.invoke(ctx, opSessionListActive, nil)
	if err != nil {
		return nil, err
	}
	return decodeList(opSessionListActive, v, readSession)
}

// Stats counts the sessions.
func (x *Sessions) Stats(ctx context.Context) (SessionStats, error) {
	v, err := x.c.invoke(ctx, opSessionStats, nil)
	if err != nil {
		return SessionStats{}, err
	}
	return decodeRecord(opSessionStats, v, func(r reader) SessionStats {
		return SessionStats{Active: r.int("active"), Ended: r.int("ended"), Expired: r.int("expired"),
			Known: r.int("known"), Created: r.int("created")}
	})
}

// CleanExpired journals the expiry of every session past its time to live
// without being ended, forgets them, and returns how many.
func (x *Sessions) CleanExpired(ctx context.Context) (int, error) {
	v, err := x.c.invoke(ctx, opSessionCleanExpired, nil)
	if err != nil {
		return 0, err
	}
	return decodeCount(opSessionCleanExpired, v)
}

// stringList encodes strings as a list Value.
func stringList(ss []string) effects.Value {
	items := make([]effects.Value, len(ss))
	for i, s := range ss {
		items[i] = effects.String(s)
	}
	return effects.List(items...)
}

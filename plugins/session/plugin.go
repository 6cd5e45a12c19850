package session

import (
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/service"
	"github.com/aurahost/aura-host/sdk"
)

// Name is the plugin's name, and the family of its operations and facts.
const Name = "session"

// Version is the plugin's semantic version.
const Version = "0.1.0"

// The session kinds.
const (
	KindCoordination = "coordination"
	KindThreshold    = "threshold"
)

// The statuses a session handle reports.
const (
	StatusActive  = "active"
	StatusEnded   = "ended"
	StatusExpired = "expired"
)

// The predicates of the facts the service journals.
const (
	PredicateCreated = "session.created"
	PredicateEnded   = "session.ended"
	PredicateExpired = "session.expired"
)

// New returns the session service plugin, ready to Serve.
func New() *sdk.Plugin {
	s := &sessions{byID: map[string]*record{}}
	s.rt = service.New(service.Config{Name: Name, Rebuild: s.rebuild, Started: s.cleanAtStart})
	return s.rt.Plugin(Version, s.operations())
}

const handleDoc = "a session handle: map {id: string (\"session-\" and 32 hex digits), kind: string, " +
	"participants: list of strings, my_role: string, epoch: int (the session's sequence number among this " +
	"authority's sessions, from 1), started_ms: int, expires_ms: int, status: string (active | ended | expired), " +
	"ended_ms: int (only when ended)}"

func (s *sessions) operations() []sdk.Operation {
	idParam := sdk.Param{Name: "id", Kind: sdk.KindString, Doc: "the session's id, as create returned it"}
	return []sdk.Operation{
		{
			Spec: sdk.OpSpec{
				ID: effects.SessionCreate,
				Doc: "Creates an active session and journals session.created. Returns " + handleDoc + ". " +
					"A kind other than coordination or threshold, no participants, a repeated or empty participant, " +
					"an empty my_role or a ttl_ms below 1 is invalid_args.",
				Params: []sdk.Param{
					{Name: "kind", Kind: sdk.KindString, Doc: `"coordination" or "threshold"`},
					{Name: "participants", Kind: sdk.KindList, Doc: "the participants (non-empty, distinct strings), at least one"},
					{Name: "my_role", Kind: sdk.KindString, Doc: "this authority's role in the session, non-empty"},
					{Name: "ttl_ms", Kind: sdk.KindInt, Doc: "milliseconds until the session expires, 1 or more"},
				},
				Result:      sdk.KindMap,
				Determinism: sdk.WritesWorld,
			},
			Handle: s.rt.Op(s.create),
		},
		{
			Spec: sdk.OpSpec{
				ID:          effects.SessionGet,
				Doc:         "Returns the session's handle (" + handleDoc + "); a session never created, or cleaned after it expired, is not_found.",
				Params:      []sdk.Param{idParam},
				Result:      sdk.KindMap,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: s.rt.Op(s.get),
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.SessionEnd,
				Doc: "Ends an active session and journals session.ended. Returns its handle with status ended. " +
					"An unknown session is not_found; one already ended or expired is a conflict.",
				Params:      []sdk.Param{idParam},
				Result:      sdk.KindMap,
				Determinism: sdk.WritesWorld,
			},
			Handle: s.rt.Op(s.end),
		},
		{
			Spec: sdk.OpSpec{
				ID:          effects.SessionListActive,
				Doc:         "Returns the active sessions' handles (list), oldest first.",
				Result:      sdk.KindList,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: s.rt.Op(s.listActive),
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.SessionStats,
				Doc: "Counts sessions: a map {active, ended, expired (expired but not yet cleaned), " +
					"known (all three), created (ever, including cleaned ones)}, each an int.",
				Result:      sdk.KindMap,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: s.rt.Op(s.stats),
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.SessionCleanExpired,
				Doc: "Journals session.expired for every session whose time to live has passed without it " +
					"being ended, and forgets those sessions. Returns how many (int).",
				Result:      sdk.KindInt,
				Idempotent:  true, // a retry finds nothing more to clean
				Determinism: sdk.WritesWorld,
			},
			Handle: s.rt.Op(s.cleanExpired),
		},
	}
}

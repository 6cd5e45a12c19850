package facade

import (
	"context"
	"time"

	"github.com/aurahost/aura-host/effects"
)

// Ceremonies is the client of the guardian ceremony tracker: the account
// proposes a ceremony over guardian invitations it sent, with a
// threshold; at the threshold of verified acceptances it completes,
// committing the pending key rotation it names; expired, cancelled or
// unreachable, it rolls the rotation back.
type Ceremonies struct{ c caller }

var (
	opCeremonyPropose = declare("Ceremonies.Propose", effects.CeremonyPropose, effects.KindMap,
		arg("invitations", effects.KindList), arg("threshold", effects.KindInt), arg("ttl_ms", effects.KindInt), opt("rotation", effects.KindString))
	opCeremonyAdvance = declare("Ceremonies.Advance", effects.CeremonyAdvance, effects.KindMap, arg("id", effects.KindString))
	opCeremonyCancel  = declare("Ceremonies.Cancel", effects.CeremonyCancel, effects.KindMap, arg("id", effects.KindString))
	opCeremonyGet     = declare("Ceremonies.Get", effects.CeremonyGet, effects.KindMap, arg("id", effects.KindString))
	opCeremonyList    = declare("Ceremonies.List", effects.CeremonyList, effects.KindList)
)

// CeremonyState is where a ceremony stands.
type CeremonyState string

// The ceremony states.
const (
	CeremonyProposed   CeremonyState = "proposed"
	CeremonyCollecting CeremonyState = "collecting"
	CeremonyCompleted  CeremonyState = "completed"
	CeremonyRolledBack CeremonyState = "rolled_back"
)

// Ceremony is a guardian ceremony and where it stands.
type Ceremony struct {
	ID, Account string
	Invitations []string // the guardian invitations' ids
	Guardians   []string // their receivers, in the same order
	Threshold   int64
	CreatedMs   int64
	ExpiresMs   int64
	Rotation    string // the pending key's handle, "" for none
	State       CeremonyState
	Accepted    []string // the guardians whose verified acceptance counts
	Reason      string   // expired | cancelled | unreachable, when rolled back (or due to be)
	// Settled: the outcome is journaled. A completed or rolled-back state
	// that is not settled is due: Advance makes it so.
	Settled bool
}

func readCeremony(r reader) Ceremony {
	return Ceremony{ID: r.str("id"), Account: r.str("account"), Invitations: r.strings("invitations"), Guardians: r.strings("guardians"),
		Threshold: r.int("threshold"), CreatedMs: r.int("created_ms"), ExpiresMs: r.int("expires_ms"), Rotation: r.str("rotation"),
		State: CeremonyState(r.str("state")), Accepted: r.strings("accepted"), Reason: r.str("reason"), Settled: r.bool("settled")}
}

// CeremonyRequest is what Propose asks for.
type CeremonyRequest struct {
	Invitations []string      // guardian invitations the account sent, distinct
	Threshold   int           // verified acceptances that complete it
	TTL         time.Duration // until it expires (rounded up to whole ms)
	Rotation    string        // the pending key rotation to commit, "" for none
}

// Propose opens a ceremony of the caller's authority.
func (x *Ceremonies) Propose(ctx context.Context, req CeremonyRequest) (Ceremony, error) {
	ids := make([]effects.Value, len(req.Invitations))
	for i, id := range req.Invitations {
		ids[i] = effects.String(id)
	}
	args := map[string]effects.Value{"invitations": effects.List(ids...), "threshold": effects.Int(int64(req.Threshold)),
		"ttl_ms": effects.Int(millis(req.TTL))}
	if req.Rotation != "" {
		args["rotation"] = effects.String(req.Rotation)
	}
	return x.one(ctx, opCeremonyPropose, args)
}

// Advance counts the verified acceptances and completes, rolls back or
// keeps collecting.
func (x *Ceremonies) Advance(ctx context.Context, id string) (Ceremony, error) {
	return x.one(ctx, opCeremonyAdvance, map[string]effects.Value{"id": effects.String(id)})
}

// Cancel rolls back a ceremony that has not completed.
func (x *Ceremonies) Cancel(ctx context.Context, id string) (Ceremony, error) {
	return x.one(ctx, opCeremonyCancel, map[string]effects.Value{"id": effects.String(id)})
}

// Get returns a ceremony.
func (x *Ceremonies) Get(ctx context.Context, id string) (Ceremony, error) {
	return x.one(ctx, opCeremonyGet, map[string]effects.Value{"id": effects.String(id)})
}

// List returns every known ceremony, oldest first.
func (x *Ceremonies) List(ctx context.Context) ([]Ceremony, error) {
	v, err := x.c.invoke(ctx, opCeremonyList, nil)
	if err != nil {
		return nil, err
	}
	return decodeList(opCeremonyList, v, readCeremony)
}

func (x *Ceremonies) one(ctx context.Context, op *operation, args map[string]effects.Value) (Ceremony, error) {
	v, err := x.c.invoke(ctx, op, args)
	if err != nil {
		return Ceremony{}, err
	}
	return decodeRecord(op, v, readCeremony)
}

package invitation

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/service"
	"github.com/aurahost/aura-host/sdk"
)

// invitations is one instance's state, touched only inside rt's operations.
type invitations struct {
	rt   *service.Runtime
	byID map[string]*record
}

// record is one known invitation.
type record struct {
	id, kind, sender, receiver string
	message                    string
	hasMessage                 bool
	createdMS, expiresMS       int64
	// nonce makes each invitation's signed body unique; senderKey is the
	// device key that signed it, signature the signature over
	// signedBody's canonical encoding (purpose effects.PurposeInvitation).
	nonce, senderKey, signature []byte

	// settled is the terminal status recorded in the journal, or "" while
	// none is: a pending invitation past its expiry reads as expired
	// without one.
	settled   string
	settledBy string
	settledMS int64
	// answer is the signed answer that settled it (nil for an expiry), which
	// export_answer hands to the other party.
	answer *answer
}

func (r *record) status(now int64) string {
	switch {
	case r.settled != "":
		return r.settled
	case now >= r.expiresMS:
		return StatusExpired
	}
	return StatusPending
}

func (r *record) value(now int64) sdk.Value {
	m := map[string]sdk.Value{
		"id":         sdk.String(r.id),
		"kind":       sdk.String(r.kind),
		"sender":     sdk.String(r.sender),
		"receiver":   sdk.String(r.receiver),
		"status":     sdk.String(r.status(now)),
		"created_ms": sdk.Int(r.createdMS),
		"expires_ms": sdk.Int(r.expiresMS),
	}
	if r.hasMessage {
		m["message"] = sdk.String(r.message)
	}
	if r.settledBy != "" {
		m["settled_by"], m["settled_ms"] = sdk.String(r.settledBy), sdk.Int(r.settledMS)
	}
	return sdk.Map(m)
}

// signedBody is what the inviter's device signs: every field of the
// invitation, in effects' canonical encoding (sorted keys, no floats), so
// the bytes are the same wherever the body is rebuilt.
func (r *record) signedBody() sdk.Value {
	m := map[string]sdk.Value{
		"id":         sdk.String(r.id),
		"kind":       sdk.String(r.kind),
		"sender":     sdk.String(r.sender),
		"receiver":   sdk.String(r.receiver),
		"created_ms": sdk.Int(r.createdMS),
		"expires_ms": sdk.Int(r.expiresMS),
		"nonce":      sdk.Bytes(r.nonce),
		"sender_key": sdk.Bytes(r.senderKey),
	}
	if r.hasMessage {
		m["message"] = sdk.String(r.message)
	}
	return sdk.Map(m)
}

// createdBody is the body of the invitation.created fact, and what a code
// carries: the signed body and its signature.
func (r *record) createdBody() sdk.Value {
	m := map[string]sdk.Value{"signature": sdk.Bytes(r.signature)}
	for _, f := range r.signedBody().Fields() {
		m[f.Key] = f.Value
	}
	return sdk.Map(m)
}

// signatureValid reports whether the invitation's signature verifies under
// its sender key: a pure check, so a replay repeats it exactly.
func (r *record) signatureValid() bool {
	return service.DeviceSignatureValid(effects.PurposeInvitation, r.signedBody().Canonical(), r.signature, r.senderKey)
}

// decodeCreated reads and validates a created body (from a fact or a code).
func decodeCreated(body sdk.Value, what string) (*record, error) {
	b := service.Read(body, what)
	r := &record{id: b.String("id"), kind: b.String("kind"), sender: b.String("sender"), receiver: b.String("receiver"),
		createdMS: b.Int("created_ms"), expiresMS: b.Int("expires_ms"),
		nonce: b.Bytes("nonce"), senderKey: b.Bytes("sender_key"), signature: b.Bytes("signature")}
	if b.Has("message") {
		r.message, r.hasMessage = b.String("message"), true
	}
	if err := b.Err(); err != nil {
		return nil, err
	}
	for _, f := range body.Fields() {
		switch f.Key {
		case "id", "kind", "sender", "receiver", "created_ms", "expires_ms", "nonce", "sender_key", "signature", "message":
		default:
			return nil, fmt.Errorf("%s has an unexpected field %q: the signature covers a fixed set of fields", what, f.Key)
		}
	}
	if r.id == "" {
		return nil, fmt.Errorf("%s has an empty id", what)
	}
	for _, party := range []struct{ name, id string }{{"sender", r.sender}, {"receiver", r.receiver}} {
		if _, err := effects.ParseAuthorityID(party.id); err != nil {
			return nil, fmt.Errorf("%s: %s is not an authority id: %v", what, party.name, err)
		}
	}
	if err := checkParties(r.kind, r.sender, r.receiver, r.message); err != nil {
		return nil, err
	}
	if r.expiresMS <= r.createdMS {
		return nil, fmt.Errorf("%s expires (%d ms) no later than it was created (%d ms)", what, r.expiresMS, r.createdMS)
	}
	return r, nil
}

func checkParties(kind, sender, receiver, message string) error {
	if receiver != "" {
		if _, err := effects.ParseAuthorityID(receiver); err != nil {
			return fmt.Errorf("receiver must be an authority id (\"authority-\" and 32 hex digits): %v", err)
		}
	}
	switch kind {
	case KindGuardian, KindContact, KindChannel, KindDevice:
	default:
		return fmt.Errorf("kind must be %q, %q, %q or %q, got %q", KindGuardian, KindContact, KindChannel, KindDevice, kind)
	}
	switch {
	case sender == "":
		return fmt.Errorf("sender must not be empty")
	case receiver == "":
		return fmt.Errorf("receiver must not be empty")
	case sender == receiver:
		return fmt.Errorf("sender and receiver are both %s: an invitation is from one authority to another", sender)
	case len(message) > MaxMessageBytes:
		return fmt.Errorf("message is %d bytes, more than the %d allowed", len(message), MaxMessageBytes)
	}
	return nil
}

// settlements maps each terminal predicate to its status.
var settlements = map[string]string{
	PredicateAccepted:  StatusAccepted,
	PredicateDeclined:  StatusDeclined,
	PredicateCancelled: StatusCancelled,
}

// predicateOf is the inverse of settlements.
func predicateOf(status string) string {
	for pred, st := range settlements {
		if st == status {
			return pred
		}
	}
	panic("invitation: no predicate for status " + status)
}

// settle applies a terminal fact. When merged journals hold two terminal
// facts for one invitation, the earlier wins (ties by status name), so
// every replica agrees whatever order it learnt them in.
func (r *record) settle(status, by string, at int64, a *answer) {
	if r.settled != "" && cmp.Or(cmp.Compare(r.settledMS, at), cmp.Compare(r.settled, status)) <= 0 {
		return
	}
	r.settled, r.settledBy, r.settledMS, r.answer = status, by, at, a
}

func (s *invitations) rebuild(ctx context.Context, fx *service.Effects) error {
	byID := map[string]*record{}
	steps := []service.Step{{Predicate: PredicateCreated, Apply: func(f service.Fact) error {
		r, err := decodeCreated(f.Body, PredicateCreated+" fact")
		if err != nil {
			return err
		}
		if !r.signatureValid() {
			return fmt.Errorf("invitation %s: its signature does not verify under its sender key", r.id)
		}
		if _, dup := byID[r.id]; dup {
			return fmt.Errorf("a second invitation.created fact for %s", r.id)
		}
		byID[r.id] = r
		return nil
	}}}
	for _, pred := range slices.Sorted(maps.Keys(settlements)) {
		steps = append(steps, service.Step{Predicate: pred, Apply: func(f service.Fact) error {
			a, err := decodeAnswer(f.Body, pred)
			if err != nil {
				return err
			}
			if r, ok := byID[a.id]; ok {
				if !a.valid(settlements[pred]) {
					return fmt.Errorf("%s of %s by %s: its signature does not verify", pred, a.id, a.by)
				}
				r.settle(settlements[pred], a.by, a.atMS, &a)
			}
			return nil
		}})
	}
	steps = append(steps, service.Step{Predicate: PredicateExpired, Apply: func(f service.Fact) error {
		b := service.Read(f.Body, PredicateExpired+" fact")
		id := b.String("id")
		if err := b.Err(); err != nil {
			return err
		}
		if r, ok := byID[id]; ok {
			r.settle(StatusExpired, "", r.expiresMS, nil)
		}
		return nil
	}})
	if err := fx.Replay(ctx, steps...); err != nil {
		return err
	}
	s.byID = byID
	return nil
}

func (s *invitations) invite(ctx context.Context, fx *service.Effects, c *sdk.Call) (sdk.Value, error) {
	sender, err := service.Actor(c)
	if err != nil {
		return sdk.Value{}, err
	}
	a := service.Read(c.Args, "arguments")
	r := &record{kind: a.String("kind"), sender: sender, receiver: a.String("receiver")}
	ttl := a.Int("ttl_ms")
	if a.Has("message") {
		r.message, r.hasMessage = a.String("message"), true
	}
	if err := a.Err(); err != nil {
		return sdk.Value{}, service.Invalid("%v", err)
	}
	if err := checkParties(r.kind, r.sender, r.receiver, r.message); err != nil {
		return sdk.Value{}, service.Invalid("%v", err)
	}
	if ttl < 1 {
		return sdk.Value{}, service.Invalid("ttl_ms must be 1 or more, got %d", ttl)
	}
	now, err := fx.Now(ctx)
	if err != nil {
		return sdk.Value{}, err
	}
	if r.id, err = fx.NewID(ctx, "invitation"); err != nil {
		return sdk.Value{}, err
	}
	if r.nonce, err = fx.Random32(ctx); err != nil {
		return sdk.Value{}, err
	}
	if r.senderKey, err = fx.DeviceKey(ctx); err != nil {
		return sdk.Value{}, err
	}
	r.createdMS, r.expiresMS = now, now+ttl
	if r.signature, err = fx.DeviceSign(ctx, effects.PurposeInvitation, r.signedBody().Canonical()); err != nil {
		return sdk.Value{}, err
	}
	factID, err := fx.Append(ctx, service.Fact{Predicate: PredicateCreated, Time: now, Body: r.createdBody()})
	if err != nil {
		return sdk.Value{}, err
	}
	s.byID[r.id] = r
	return withFactID(r.value(now), factID), nil
}

func withFactID(v sdk.Value, id []byte) sdk.Value {
	m := map[string]sdk.Value{"fact_id": sdk.Bytes(id)}
	for _, f := range v.Fields() {
		m[f.Key] = f.Value
	}
	return sdk.Map(m)
}

func (s *invitations) find(c *sdk.Call) (*record, error) {
	id, _ := c.Arg("id").AsString()
	r, ok := s.byID[id]
	if !ok {
		return nil, sdk.Errorf(sdk.CodeNotFound, "no invitation %q", id)
	}
	return r, nil
}

// transition returns the handler of accept, decline or cancel.
func (s *invitations) transition(to string) func(context.Context, *service.Effects, *sdk.Call) (sdk.Value, error) {
	verb := map[string]string{StatusAccepted: "accept", StatusDeclined: "decline", StatusCancelled: "cancel"}[to]
	return func(ctx context.Context, fx *service.Effects, c *sdk.Call) (sdk.Value, error) {
		r, err := s.find(c)
		if err != nil {
			return sdk.Value{}, err
		}
		as, err := service.Actor(c)
		if err != nil {
			return sdk.Value{}, err
		}
		role, party := "receiver", r.receiver
		if to == StatusCancelled {
			role, party = "sender", r.sender
		}
		if as != party {
			return sdk.Value{}, sdk.Errorf(sdk.CodeDenied, "only the %s of invitation %s (%s) may %s it; this caller acts for %s", role, r.id, party, verb, as)
		}
		now, err := fx.Now(ctx)
		if err != nil {
			return sdk.Value{}, err
		}
		switch st := r.status(now); st {
		case StatusPending:
		case StatusExpired:
			if err := s.recordExpiry(ctx, fx, r); err != nil {
				return sdk.Value{}, err
			}
			return sdk.Value{}, sdk.Errorf(sdk.CodeConflict, "invitation %s expired at %d ms and can no longer be %s", r.id, r.expiresMS, to)
		default:
			return sdk.Value{}, sdk.Errorf(sdk.CodeConflict, "invitation %s is already %s (by %q at %d ms); its status cannot change",
				r.id, st, r.settledBy, r.settledMS)
		}
		ans := answer{id: r.id, by: as, atMS: now}
		if ans.key, err = fx.DeviceKey(ctx); err != nil {
			return sdk.Value{}, err
		}
		if ans.signature, err = fx.DeviceSign(ctx, effects.PurposeInvitationAnswer, ans.signed(to).Canonical()); err != nil {
			return sdk.Value{}, err
		}
		factID, err := fx.Append(ctx, service.Fact{Predicate: predicateOf(to), Time: now, Body: ans.body()})
		if err != nil {
			return sdk.Value{}, err
		}
		r.settle(to, as, now, &ans)
		return withFactID(r.value(now), factID), nil
	}
}

// recordExpiry journals that a pending invitation expired. The fact's time
// and body depend only on the invitation, so noticing the expiry twice
// records one fact.
func (s *invitations) recordExpiry(ctx context.Context, fx *service.Effects, r *record) error {
	if r.settled != "" {
		return nil
	}
	if _, err := fx.Append(ctx, service.ExpiryFact(PredicateExpired, r.id, r.expiresMS)); err != nil {
		return err
	}
	r.settle(StatusExpired, "", r.expiresMS, nil)
	return nil
}

// expire records the expiry of every pending invitation past its expiry,
// each journaled before it is applied, so a failure half way leaves those
// done recorded and the rest for the next run.
func (s *invitations) expire(ctx context.Context, fx *service.Effects, _ *sdk.Call) (sdk.Value, error) {
	now, err := fx.Now(ctx)
	if err != nil {
		return sdk.Value{}, err
	}
	var n int64
	for _, r := range service.Oldest(s.byID, func(r *record) int64 { return r.createdMS }) {
		if r.settled != "" || now < r.expiresMS {
			continue
		}
		if err := s.recordExpiry(ctx, fx, r); err != nil {
			return sdk.Value{}, err
		}
		n++
	}
	return sdk.Int(n), nil
}

func (s *invitations) get(ctx context.Context, fx *service.Effects, c *sdk.Call) (sdk.Value, error) {
	r, err := s.find(c)
	if err != nil {
		return sdk.Value{}, err
	}
	now, err := fx.Now(ctx)
	if err != nil {
		return sdk.Value{}, err
	}
	return r.value(now), nil
}

func (s *invitations) listPending(ctx context.Context, fx *service.Effects, c *sdk.Call) (sdk.Value, error) {
	party, filter := c.Arg("for").AsString()
	now, err := fx.Now(ctx)
	if err != nil {
		return sdk.Value{}, err
	}
	out := []sdk.Value{}
	for _, r := range service.Oldest(s.byID, func(r *record) int64 { return r.createdMS }) {
		if r.status(now) != StatusPending || filter && r.sender != party && r.receiver != party {
			continue
		}
		out = append(out, r.value(now))
	}
	return sdk.List(out...), nil
}

// answer is an acceptance, a decline or a cancellation: who answered,
// when, and that party's device signature over both and the new status
// (purpose effects.PurposeInvitationAnswer).
type answer struct {
	id, by         string
	atMS           int64
	key, signature []byte
}

func (a answer) signed(status string) sdk.Value {
	return sdk.Map(map[string]sdk.Value{"id": sdk.String(a.id), "by": sdk.String(a.by), "at_ms": sdk.Int(a.atMS),
		"status": sdk.String(status), "key": sdk.Bytes(a.key)})
}

func (a answer) body() sdk.Value {
	return sdk.Map(map[string]sdk.Value{"id": sdk.String(a.id), "by": sdk.String(a.by), "at_ms": sdk.Int(a.atMS),
		"key": sdk.Bytes(a.key), "signature": sdk.Bytes(a.signature)})
}

func (a answer) valid(status string) bool {
	return service.DeviceSignatureValid(effects.PurposeInvitationAnswer, a.signed(status).Canonical(), a.signature, a.key)
}

func decodeAnswer(body sdk.Value, pred string) (answer, error) {
	b := service.Read(body, pred+" fact")
	a := answer{id: b.String("id"), by: b.String("by"), atMS: b.Int("at_ms"), key: b.Bytes("key"), signature: b.Bytes("signature")}
	return a, b.Err()
}

package social

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"fmt"
	"slices"

	"github.com/aurahost/aura-host/effects"
)

// Invoker routes one call as the agent: the agent's Invoke, so every call
// passes its Router and guard chain.
type Invoker func(ctx context.Context, op effects.OpID, args effects.Value) (effects.Value, error)

// The relationship kinds: an accepted invitation's kind.
const (
	KindGuardian = "guardian"
	KindContact  = "contact"
	KindChannel  = "channel"
	KindDevice   = "device"
)

// The invitation service's facts this package reads.
const (
	predicateCreated   = "invitation.created"
	predicateAccepted  = "invitation.accepted"
	predicateDeclined  = "invitation.declined"
	predicateCancelled = "invitation.cancelled"
)

// Relationship is one accepted invitation: Sender invited Receiver as
// Kind, and Receiver accepted at AcceptedMS. Message is the invitation's
// message (a channel's name).
type Relationship struct {
	ID         string
	Kind       string
	Sender     effects.AuthorityID
	Receiver   effects.AuthorityID
	Message    string
	AcceptedMS int64
}

// KeyOf returns the device key the deployment knows for an authority
// (device.public_key), false when it knows none.
type KeyOf func(ctx context.Context, authority effects.AuthorityID) (ed25519.PublicKey, bool, error)

// Skipped counts the facts ReadRelationships did not believe.
type Skipped struct {
	Malformed  int // not the invitation service's shape
	Unverified int // a signature that does not verify, or a key that is not the party's
	Unknown    int // a party whose device key the deployment does not know
}

// Total is how many facts were skipped.
func (s Skipped) Total() int { return s.Malformed + s.Unverified + s.Unknown }

type invitation struct {
	Relationship
	expiresMS int64
	// settled is the earliest verified terminal fact's predicate, at settledMS.
	settled   string
	settledMS int64
}

// ReadRelationships reads the invitation facts of the journal through
// invoke and returns the accepted relationships whose invitation and
// answer both verify under the parties' anchored device keys, sorted by
// ID. When merged journals hold several terminal facts for one
// invitation, the earliest verified one wins (as the invitation service
// decides), so an acceptance after a cancellation does not count.
func ReadRelationships(ctx context.Context, invoke Invoker, keyOf KeyOf) ([]Relationship, Skipped, error) {
	var skipped Skipped
	keys := map[effects.AuthorityID]ed25519.PublicKey{}
	anchored := func(a effects.AuthorityID, key []byte) (bool, error) {
		k, ok := keys[a]
		if !ok {
			var err error
			if k, ok, err = keyOf(ctx, a); err != nil {
				return false, err
			}
			if !ok {
				k = nil
			}
			keys[a] = k
		}
		return k != nil && k.Equal(ed25519.PublicKey(key)), nil
	}
	created, err := readFacts(ctx, invoke, predicateCreated)
	if err != nil {
		return nil, skipped, err
	}
	byID := map[string]*invitation{}
	for _, body := range created {
		inv, key, ok := decodeCreated(body)
		if !ok {
			skipped.Malformed++
			continue
		}
		good, err := anchored(inv.Sender, key)
		if err != nil {
			return nil, skipped, err
		}
		switch {
		case keys[inv.Sender] == nil:
			skipped.Unknown++
		case !good || !createdValid(body, key):
			skipped.Unverified++
		case byID[inv.ID] == nil:
			byID[inv.ID] = inv
		}
	}
	for _, pred := range []string{predicateAccepted, predicateDeclined, predicateCancelled} {
		bodies, err := readFacts(ctx, invoke, pred)
		if err != nil {
			return nil, skipped, err
		}
		for _, body := range bodies {
			if err := settle(body, pred, byID, &skipped, anchored, keys); err != nil {
				return nil, skipped, err
			}
		}
	}
	var out []Relationship
	for _, inv := range byID {
		if inv.settled == predicateAccepted {
			r := inv.Relationship
			r.AcceptedMS = inv.settledMS
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b Relationship) int { return cmp.Compare(a.ID, b.ID) })
	return out, skipped, nil
}

// settle applies one terminal fact to the invitation it names, once it
// verified: an answer (accepted, declined) by the receiver, a cancellation
// by the sender, given while the invitation was pending.
func settle(body effects.Value, pred string, byID map[string]*invitation, skipped *Skipped,
	anchored func(effects.AuthorityID, []byte) (bool, error), keys map[effects.AuthorityID]ed25519.PublicKey) error {
	id, byS, at, key, sig, ok := decodeAnswer(body)
	inv := byID[id]
	if !ok {
		skipped.Malformed++
		return nil
	}
	if inv == nil {
		return nil // an answer to an invitation we do not believe in
	}
	by, err := effects.ParseAuthorityID(byS)
	want := inv.Receiver
	if pred == predicateCancelled {
		want = inv.Sender
	}
	if err != nil || by != want || at >= inv.expiresMS {
		skipped.Unverified++
		return nil
	}
	good, err := anchored(by, key)
	if err != nil {
		return err
	}
	status := map[string]string{predicateAccepted: "accepted", predicateDeclined: "declined", predicateCancelled: "cancelled"}[pred]
	signed := effects.Map(map[string]effects.Value{"id": effects.String(id), "by": effects.String(byS), "at_ms": effects.Int(at),
		"status": effects.String(status), "key": effects.Bytes(key)})
	switch {
	case keys[by] == nil:
		skipped.Unknown++
	case !good || !deviceValid(effects.PurposeInvitationAnswer, signed.Canonical(), sig, key):
		skipped.Unverified++
	case inv.settled == "" || at < inv.settledMS || (at == inv.settledMS && pred < inv.settled):
		inv.settled, inv.settledMS = pred, at
	}
	return nil
}

// readFacts returns the bodies of the journal's facts with a predicate,
// sorted by their canonical encoding: the order of a replay does not
// depend on the order the journal lists them in.
func readFacts(ctx context.Context, invoke Invoker, predicate string) ([]effects.Value, error) {
	v, err := invoke(ctx, effects.JournalFactsByPredicate, effects.Map(map[string]effects.Value{"predicate": effects.String(predicate)}))
	if err != nil {
		return nil, fmt.Errorf("read the %s facts: %w", predicate, err)
	}
	if v.Kind() != effects.KindList {
		return nil, fmt.Errorf("read the %s facts: %s returned %s, want a list", predicate, effects.JournalFactsByPredicate, v.Kind())
	}
	var out []effects.Value
	for _, item := range v.Items() {
		if inner, ok := item.Get("fact"); ok && inner.Kind() == effects.KindMap {
			item = inner
		}
		p, _ := item.Get("predicate")
		if s, _ := p.AsString(); s != predicate {
			continue
		}
		if body, ok := item.Get("body"); ok && body.Kind() == effects.KindMap {
			out = append(out, body)
		}
	}
	slices.SortFunc(out, effects.Compare)
	return out, nil
}

func str(v effects.Value, name string) (string, bool) {
	f, ok := v.Get(name)
	if !ok {
		return "", false
	}
	return f.AsString()
}

func integer(v effects.Value, name string) (int64, bool) {
	f, ok := v.Get(name)
	if !ok {
		return 0, false
	}
	return f.AsInt()
}

func byteField(v effects.Value, name string) ([]byte, bool) {
	f, ok := v.Get(name)
	if !ok {
		return nil, false
	}
	return f.AsBytes()
}

// decodeCreated reads an invitation.created body.
func decodeCreated(body effects.Value) (*invitation, []byte, bool) {
	id, ok1 := str(body, "id")
	kind, ok2 := str(body, "kind")
	senderS, ok3 := str(body, "sender")
	receiverS, ok4 := str(body, "receiver")
	expires, ok5 := integer(body, "expires_ms")
	key, ok6 := byteField(body, "sender_key")
	_, ok7 := byteField(body, "signature")
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) || id == "" {
		return nil, nil, false
	}
	sender, err1 := effects.ParseAuthorityID(senderS)
	receiver, err2 := effects.ParseAuthorityID(receiverS)
	if err1 != nil || err2 != nil || sender == receiver {
		return nil, nil, false
	}
	switch kind {
	case KindGuardian, KindContact, KindChannel, KindDevice:
	default:
		return nil, nil, false
	}
	msg, _ := str(body, "message")
	return &invitation{Relationship: Relationship{ID: id, Kind: kind, Sender: sender, Receiver: receiver, Message: msg}, expiresMS: expires}, key, true
}

// createdValid checks the sender's signature over the created body
// without its signature field.
func createdValid(body effects.Value, key []byte) bool {
	sig, _ := byteField(body, "signature")
	m := map[string]effects.Value{}
	for _, f := range body.Fields() {
		if f.Key != "signature" {
			m[f.Key] = f.Value
		}
	}
	return deviceValid(effects.PurposeInvitation, effects.Map(m).Canonical(), sig, key)
}

func decodeAnswer(body effects.Value) (id, by string, at int64, key, sig []byte, ok bool) {
	id, ok1 := str(body, "id")
	by, ok2 := str(body, "by")
	at, ok3 := integer(body, "at_ms")
	key, ok4 := byteField(body, "key")
	sig, ok5 := byteField(body, "signature")
	return id, by, at, key, sig, ok1 && ok2 && ok3 && ok4 && ok5
}

func deviceValid(purpose string, msg, sig, key []byte) bool {
	return len(key) == ed25519.PublicKeySize && len(sig) == ed25519.SignatureSize &&
		ed25519.Verify(key, effects.DeviceSigningMessage(purpose, msg), sig)
}

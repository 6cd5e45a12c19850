package social

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"sync"

	"github.com/aurahost/aura-host/effects"
)

// party is an authority with a device key derived from its label.
type party struct {
	id  effects.AuthorityID
	key ed25519.PrivateKey
}

func newParty(label string) party {
	seed := sha256.Sum256([]byte("social-test/" + label))
	return party{id: effects.DeriveAuthorityID(label, 7), key: ed25519.NewKeyFromSeed(seed[:])}
}

func (p party) pub() ed25519.PublicKey { return p.key.Public().(ed25519.PublicKey) }

// journal is a fake agent invoker: a journal of facts by predicate, the
// deployment's peer keys (device.public_key), and a switch to fail.
type journal struct {
	mu    sync.Mutex
	facts map[string][]effects.Value
	keys  map[effects.AuthorityID]ed25519.PublicKey
	fail  error
	reads int
}

func newJournal(parties ...party) *journal {
	j := &journal{facts: map[string][]effects.Value{}, keys: map[effects.AuthorityID]ed25519.PublicKey{}}
	for _, p := range parties {
		j.keys[p.id] = p.pub()
	}
	return j
}

func (j *journal) add(predicate string, body effects.Value) {
	j.mu.Lock()
	defer j.mu.Unlock()
	fact := effects.Map(map[string]effects.Value{"type": effects.String("invitation"), "predicate": effects.String(predicate),
		"time": effects.Int(0), "authority": effects.Bytes(make([]byte, 16)), "body": body})
	// The journal lists some facts wrapped with their id, as it may.
	if len(j.facts[predicate])%2 == 1 {
		fact = effects.Map(map[string]effects.Value{"fact": fact, "id": effects.Bytes([]byte{1})})
	}
	j.facts[predicate] = append(j.facts[predicate], fact)
}

func (j *journal) invoke(_ context.Context, op effects.OpID, args effects.Value) (effects.Value, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.fail != nil {
		return effects.Value{}, j.fail
	}
	switch op {
	case effects.JournalFactsByPredicate:
		j.reads++
		p, _ := args.Get("predicate")
		s, _ := p.AsString()
		return effects.List(j.facts[s]...), nil
	case effects.DevicePublicKey:
		a, _ := args.Get("authority")
		s, _ := a.AsString()
		id, err := effects.ParseAuthorityID(s)
		if err != nil {
			return effects.Value{}, &effects.Error{Code: effects.CodeInvalidArgs, Op: op}
		}
		if k, ok := j.keys[id]; ok {
			return effects.Bytes(k), nil
		}
		return effects.Value{}, &effects.Error{Code: effects.CodeNotFound, Op: op, Message: "no key"}
	}
	return effects.Value{}, &effects.Error{Code: effects.CodeUnknownOp, Op: op}
}

// invite journals an invitation.created by sender (signed by signer's
// key, normally the sender's), and returns its id.
func (j *journal) invite(id, kind string, sender, receiver, signer party, message string) {
	body := map[string]effects.Value{
		"id": effects.String(id), "kind": effects.String(kind), "sender": effects.String(sender.id.String()),
		"receiver": effects.String(receiver.id.String()), "created_ms": effects.Int(1000), "expires_ms": effects.Int(100_000),
		"nonce": effects.Bytes([]byte(id)), "sender_key": effects.Bytes(signer.pub()),
	}
	if message != "" {
		body["message"] = effects.String(message)
	}
	sig := ed25519.Sign(signer.key, effects.DeviceSigningMessage(effects.PurposeInvitation, effects.Map(body).Canonical()))
	body["signature"] = effects.Bytes(sig)
	j.add(predicateCreated, effects.Map(body))
}

// answer journals a terminal fact (accepted, declined, cancelled) by
// party by, signed by signer.
func (j *journal) answer(id, status string, by, signer party, atMS int64) {
	signed := effects.Map(map[string]effects.Value{"id": effects.String(id), "by": effects.String(by.id.String()),
		"at_ms": effects.Int(atMS), "status": effects.String(status), "key": effects.Bytes(signer.pub())})
	sig := ed25519.Sign(signer.key, effects.DeviceSigningMessage(effects.PurposeInvitationAnswer, signed.Canonical()))
	body := effects.Map(map[string]effects.Value{"id": effects.String(id), "by": effects.String(by.id.String()),
		"at_ms": effects.Int(atMS), "key": effects.Bytes(signer.pub()), "signature": effects.Bytes(sig)})
	j.add("invitation."+status, body)
}

// relate journals an accepted invitation from sender to receiver.
func (j *journal) relate(kind string, sender, receiver party, message string) {
	id := fmt.Sprintf("invitation-%s-%s-%s-%s", kind, sender.id, receiver.id, message)
	j.invite(id, kind, sender, receiver, sender, message)
	j.answer(id, "accepted", receiver, receiver, 2000)
}

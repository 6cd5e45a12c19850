package ceremony

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"fmt"
	"slices"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/service"
	"github.com/aurahost/aura-host/sdk"
)

// ceremonies is one instance's state, touched only inside rt's operations.
type ceremonies struct {
	rt   *service.Runtime
	byID map[string]*ceremony
}

// ceremony is one guardian ceremony and what became of it.
type ceremony struct {
	id, account          string
	invitations          []string // invitation ids, one per guardian
	guardians            []string // the invitations' receivers, in the same order
	threshold            int64
	createdMS, expiresMS int64
	rotation             string // the held key whose commit completes the ceremony; "" for none

	completed  bool
	accepted   []string // recorded at completion
	doneMS     int64
	rolledBack string // the recorded reason, or ""
}

// tally is what the journal's invitation facts say of a ceremony's
// invitations: the guardians whose verified acceptance counts, and how
// many can no longer accept (declined, cancelled, expired unanswered).
type tally struct {
	accepted []string
	declined int
}

// status is the ceremony's state machine: from its record, the tally of
// its invitations and the time, the state it is in and, for a rollback
// that is due or done, why.
func status(c *ceremony, t tally, now int64) (state, reason string) {
	switch {
	case c.completed:
		return StateCompleted, ""
	case c.rolledBack != "":
		return StateRolledBack, c.rolledBack
	case int64(len(t.accepted)) >= c.threshold:
		return StateCompleted, "" // due: advance commits it
	case now >= c.expiresMS:
		return StateRolledBack, ReasonExpired
	case int64(len(c.invitations)-t.declined) < c.threshold:
		return StateRolledBack, ReasonUnreachable
	case len(t.accepted) == 0:
		return StateProposed, ""
	}
	return StateCollecting, ""
}

func (c *ceremony) value(t tally, now int64) sdk.Value {
	st, reason := status(c, t, now)
	accepted := t.accepted
	if c.completed {
		accepted = c.accepted
	}
	m := map[string]sdk.Value{
		"id": sdk.String(c.id), "account": sdk.String(c.account), "invitations": service.Strings(c.invitations),
		"guardians": service.Strings(c.guardians), "threshold": sdk.Int(c.threshold), "created_ms": sdk.Int(c.createdMS),
		"expires_ms": sdk.Int(c.expiresMS), "rotation": sdk.String(c.rotation),
		"state": sdk.String(st), "accepted": service.Strings(accepted), "reason": sdk.String(reason),
		"settled": sdk.Bool(c.completed || c.rolledBack != ""),
	}
	return sdk.Map(m)
}

func (s *ceremonies) rebuild(ctx context.Context, fx *service.Effects) error {
	byID := map[string]*ceremony{}
	err := fx.Replay(ctx,
		service.Step{Predicate: PredicateProposed, Apply: func(f service.Fact) error {
			b := service.Read(f.Body, PredicateProposed+" fact")
			c := &ceremony{id: b.String("id"), account: b.String("account"), invitations: b.Strings("invitations"),
				guardians: b.Strings("guardians"), threshold: b.Int("threshold"), createdMS: b.Int("created_ms"), expiresMS: b.Int("expires_ms")}
			if b.Has("rotation") {
				c.rotation = b.String("rotation")
			}
			if err := b.Err(); err != nil {
				return err
			}
			if len(c.invitations) != len(c.guardians) || c.threshold < 1 || c.threshold > int64(len(c.invitations)) {
				return fmt.Errorf("ceremony %s: %d invitations, %d guardians, threshold %d", c.id, len(c.invitations), len(c.guardians), c.threshold)
			}
			if c.account != fx.Authority().String() {
				return fmt.Errorf("ceremony %s is of %s, not of this authority", c.id, c.account)
			}
			byID[c.id] = c
			return nil
		}},
		service.Step{Predicate: PredicateCompleted, Apply: func(f service.Fact) error {
			b := service.Read(f.Body, PredicateCompleted+" fact")
			id, accepted, at := b.String("id"), b.Strings("accepted"), b.Int("completed_ms")
			if err := b.Err(); err != nil {
				return err
			}
			if c := byID[id]; c != nil && c.rolledBack == "" {
				c.completed, c.accepted, c.doneMS = true, accepted, at
			}
			return nil
		}},
		service.Step{Predicate: PredicateRolledBack, Apply: func(f service.Fact) error {
			b := service.Read(f.Body, PredicateRolledBack+" fact")
			id, reason, at := b.String("id"), b.String("reason"), b.Int("at_ms")
			if err := b.Err(); err != nil {
				return err
			}
			// Both outcomes merged from two replicas: the earlier wins.
			if c := byID[id]; c != nil && (!c.completed || at < c.doneMS) {
				c.completed, c.accepted, c.rolledBack, c.doneMS = false, nil, reason, at
			}
			return nil
		}},
	)
	if err != nil {
		return err
	}
	s.byID = byID
	return nil
}

// invitation is one guardian invitation the account sent, as its
// verified facts say.
type invitation struct {
	receiver  string
	expiresMS int64
	settled   string // the earliest verified terminal status
	settledMS int64
}

// invitationsOf reads the invitation facts and returns the account's
// verified guardian invitations by id (see the package doc).
func invitationsOf(ctx context.Context, fx *service.Effects, account string, anchor ed25519.PublicKey) (map[string]*invitation, error) {
	created, err := fx.Facts(ctx, predicateInvitationCreated)
	if err != nil {
		return nil, err
	}
	out := map[string]*invitation{}
	for _, f := range created {
		b := service.Read(f.Body, "invitation.created fact")
		id, kind, sender, receiver := b.String("id"), b.String("kind"), b.String("sender"), b.String("receiver")
		expires, key, sig := b.Int("expires_ms"), b.Bytes("sender_key"), b.Bytes("signature")
		if b.Err() != nil || kind != kindGuardian || sender != account || !anchor.Equal(ed25519.PublicKey(key)) {
			continue
		}
		m := map[string]sdk.Value{}
		for _, fl := range f.Body.Fields() {
			if fl.Key != "signature" {
				m[fl.Key] = fl.Value
			}
		}
		if !service.DeviceSignatureValid(effects.PurposeInvitation, sdk.Map(m).Canonical(), sig, key) {
			continue
		}
		out[id] = &invitation{receiver: receiver, expiresMS: expires}
	}
	keys := map[string]ed25519.PublicKey{}
	for _, st := range []struct{ pred, status string }{
		{predicateInvitationAccepted, "accepted"}, {predicateInvitationDeclined, "declined"}, {predicateInvitationCancelled, "cancelled"},
	} {
		answers, err := fx.Facts(ctx, st.pred)
		if err != nil {
			return nil, err
		}
		for _, f := range answers {
			if err := settle(ctx, fx, out, keys, f.Body, st.status, account, anchor); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// settle applies one verified terminal fact to its invitation.
func settle(ctx context.Context, fx *service.Effects, invs map[string]*invitation, keys map[string]ed25519.PublicKey,
	body sdk.Value, status, account string, anchor ed25519.PublicKey) error {
	b := service.Read(body, "invitation answer")
	id, by, at, key, sig := b.String("id"), b.String("by"), b.Int("at_ms"), b.Bytes("key"), b.Bytes("signature")
	inv := invs[id]
	if b.Err() != nil || inv == nil || at >= inv.expiresMS {
		return nil
	}
	want := inv.receiver
	if status == "cancelled" {
		want = account
	}
	if by != want {
		return nil
	}
	k, ok := keys[by]
	if !ok {
		if by == account {
			k = anchor
		} else {
			var err error
			if k, _, err = fx.PeerKey(ctx, by); err != nil {
				return err
			}
		}
		keys[by] = k
	}
	signed := sdk.Map(map[string]sdk.Value{"id": sdk.String(id), "by": sdk.String(by), "at_ms": sdk.Int(at),
		"status": sdk.String(status), "key": sdk.Bytes(key)})
	if k == nil || !k.Equal(ed25519.PublicKey(key)) || !service.DeviceSignatureValid(effects.PurposeInvitationAnswer, signed.Canonical(), sig, key) {
		return nil
	}
	if inv.settled == "" || cmp.Or(cmp.Compare(at, inv.settledMS), cmp.Compare(status, inv.settled)) < 0 {
		inv.settled, inv.settledMS = status, at
	}
	return nil
}

// count tallies a ceremony's invitations at now: an acceptance counts if
// given before the ceremony expired; a decline, a cancellation or an
// invitation that expired unanswered is lost.
func count(c *ceremony, invs map[string]*invitation, now int64) tally {
	var t tally
	for i, id := range c.invitations {
		inv := invs[id]
		switch {
		case inv == nil || inv.receiver != c.guardians[i]:
		case inv.settled == "accepted" && inv.settledMS < c.expiresMS:
			t.accepted = append(t.accepted, inv.receiver)
		case inv.settled == "declined" || inv.settled == "cancelled" || inv.settled == "" && now >= inv.expiresMS:
			t.declined++
		}
	}
	slices.Sort(t.accepted)
	return t
}

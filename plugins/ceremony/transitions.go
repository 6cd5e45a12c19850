package ceremony

import (
	"context"
	"fmt"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/service"
	"github.com/aurahost/aura-host/sdk"
)

func (s *ceremonies) propose(ctx context.Context, fx *service.Effects, c *sdk.Call) (sdk.Value, error) {
	account, err := service.Actor(c)
	if err != nil {
		return sdk.Value{}, err
	}
	a := service.Read(c.Args, "arguments")
	cer := &ceremony{account: account, invitations: a.Strings("invitations"), threshold: a.Int("threshold")}
	ttl := a.Int("ttl_ms")
	if a.Has("rotation") {
		cer.rotation = a.String("rotation")
	}
	switch {
	case a.Err() != nil:
		return sdk.Value{}, service.Invalid("%v", a.Err())
	case len(cer.invitations) == 0 || len(cer.invitations) > MaxInvitations:
		return sdk.Value{}, service.Invalid("invitations lists %d ids: a ceremony has 1 to %d guardian invitations", len(cer.invitations), MaxInvitations)
	case !distinct(cer.invitations):
		return sdk.Value{}, service.Invalid("invitations lists an id twice: each guardian counts once")
	case cer.threshold < 1 || cer.threshold > int64(len(cer.invitations)):
		return sdk.Value{}, service.Invalid("threshold is %d: it must be 1 to %d, the number of invitations", cer.threshold, len(cer.invitations))
	case ttl < 1:
		return sdk.Value{}, service.Invalid("ttl_ms is %d: a ceremony lives 1 ms or more", ttl)
	case a.Has("rotation") && cer.rotation == "":
		return sdk.Value{}, service.Invalid("rotation is empty: name the pending key's handle, or leave it out")
	}
	now, invs, err := s.view(ctx, fx, account)
	if err != nil {
		return sdk.Value{}, err
	}
	for _, id := range cer.invitations {
		inv := invs[id]
		switch {
		case inv == nil:
			return sdk.Value{}, sdk.Errorf(sdk.CodeNotFound, "no guardian invitation %q sent by %s and signed by this agent's device is journaled here", id, account)
		case inv.settled == "declined" || inv.settled == "cancelled":
			return sdk.Value{}, sdk.Errorf(sdk.CodeConflict, "invitation %s was %s: invite the guardian again", id, inv.settled)
		case inv.settled == "" && now >= inv.expiresMS:
			return sdk.Value{}, sdk.Errorf(sdk.CodeConflict, "invitation %s expired at %d ms: invite the guardian again", id, inv.expiresMS)
		}
		cer.guardians = append(cer.guardians, inv.receiver)
	}
	if cer.rotation != "" {
		_, found, err := fx.Find(ctx, effects.CryptoFrostKeyInfo, sdk.Map(map[string]sdk.Value{"key": sdk.String(cer.rotation)}))
		if err != nil {
			return sdk.Value{}, wrap(err, "rotation %q", cer.rotation)
		}
		if !found {
			return sdk.Value{}, sdk.Errorf(sdk.CodeNotFound, "rotation %q: the crypto plugin holds no key with that handle: begin the resharing first (crypto.frost_reshare_begin)", cer.rotation)
		}
	}
	if cer.id, err = fx.NewID(ctx, "ceremony"); err != nil {
		return sdk.Value{}, err
	}
	cer.createdMS, cer.expiresMS = now, now+ttl
	body := map[string]sdk.Value{"id": sdk.String(cer.id), "account": sdk.String(account), "invitations": service.Strings(cer.invitations),
		"guardians": service.Strings(cer.guardians), "threshold": sdk.Int(cer.threshold), "created_ms": sdk.Int(now), "expires_ms": sdk.Int(cer.expiresMS)}
	if cer.rotation != "" {
		body["rotation"] = sdk.String(cer.rotation)
	}
	if _, err := fx.Append(ctx, service.Fact{Predicate: PredicateProposed, Time: now, Body: sdk.Map(body)}); err != nil {
		return sdk.Value{}, err
	}
	s.byID[cer.id] = cer
	return cer.value(count(cer, invs, now), now), nil
}

// own finds the ceremony a call names and checks the caller is its account.
func (s *ceremonies) own(c *sdk.Call, verb string) (*ceremony, error) {
	cer, err := s.find(c)
	if err != nil {
		return nil, err
	}
	if caller, err := service.Actor(c); err != nil {
		return nil, err
	} else if caller != cer.account {
		return nil, sdk.Errorf(sdk.CodeDenied, "ceremony %s is %s's: only its account may %s it", cer.id, cer.account, verb)
	}
	return cer, nil
}

func (s *ceremonies) advance(ctx context.Context, fx *service.Effects, c *sdk.Call) (sdk.Value, error) {
	cer, err := s.own(c, "advance")
	if err != nil {
		return sdk.Value{}, err
	}
	now, invs, err := s.view(ctx, fx, cer.account)
	if err != nil {
		return sdk.Value{}, err
	}
	t := count(cer, invs, now)
	if cer.completed || cer.rolledBack != "" {
		return cer.value(t, now), nil
	}
	switch st, reason := status(cer, t, now); st {
	case StateCompleted:
		if err := s.complete(ctx, fx, cer, t, now); err != nil {
			return sdk.Value{}, err
		}
	case StateRolledBack:
		if err := s.rollback(ctx, fx, cer, reason, now); err != nil {
			return sdk.Value{}, err
		}
	}
	return cer.value(t, now), nil
}

func (s *ceremonies) cancel(ctx context.Context, fx *service.Effects, c *sdk.Call) (sdk.Value, error) {
	cer, err := s.own(c, "cancel")
	if err != nil {
		return sdk.Value{}, err
	}
	now, invs, err := s.view(ctx, fx, cer.account)
	if err != nil {
		return sdk.Value{}, err
	}
	switch {
	case cer.completed:
		return sdk.Value{}, sdk.Errorf(sdk.CodeConflict, "ceremony %s completed at %d ms: its rotation is committed and cannot be rolled back", cer.id, cer.doneMS)
	case cer.rolledBack == "":
		if err := s.rollback(ctx, fx, cer, ReasonCancelled, now); err != nil {
			return sdk.Value{}, err
		}
	}
	return cer.value(count(cer, invs, now), now), nil
}

// complete commits the rotation, then journals the completion: commit is
// idempotent, so a failure between the two is repaired by the next
// advance.
func (s *ceremonies) complete(ctx context.Context, fx *service.Effects, cer *ceremony, t tally, now int64) error {
	if cer.rotation != "" {
		if _, err := fx.Invoke(ctx, effects.CryptoFrostDKGCommit, sdk.Map(map[string]sdk.Value{"key": sdk.String(cer.rotation)})); err != nil {
			return wrap(err, "ceremony %s reached its threshold but its rotation %s did not commit (advance again)", cer.id, cer.rotation)
		}
	}
	body := sdk.Map(map[string]sdk.Value{"id": sdk.String(cer.id), "accepted": service.Strings(t.accepted), "completed_ms": sdk.Int(now)})
	if _, err := fx.Append(ctx, service.Fact{Predicate: PredicateCompleted, Time: now, Body: body}); err != nil {
		return err
	}
	cer.completed, cer.accepted, cer.doneMS = true, t.accepted, now
	return nil
}

// rollback aborts the rotation, then journals the rollback (abort is
// idempotent too).
func (s *ceremonies) rollback(ctx context.Context, fx *service.Effects, cer *ceremony, reason string, now int64) error {
	if cer.rotation != "" {
		if _, err := fx.Invoke(ctx, effects.CryptoFrostDKGAbort, sdk.Map(map[string]sdk.Value{"key": sdk.String(cer.rotation)})); err != nil {
			return wrap(err, "ceremony %s is to roll back (%s) but its rotation %s did not abort (try again)", cer.id, reason, cer.rotation)
		}
	}
	at := now
	if reason == ReasonExpired {
		at = cer.expiresMS // noticed twice, recorded once
	}
	body := sdk.Map(map[string]sdk.Value{"id": sdk.String(cer.id), "reason": sdk.String(reason), "at_ms": sdk.Int(at)})
	if _, err := fx.Append(ctx, service.Fact{Predicate: PredicateRolledBack, Time: at, Body: body}); err != nil {
		return err
	}
	cer.rolledBack, cer.doneMS = reason, at
	return nil
}

// wrap puts context before a dependency's typed error, keeping its code.
func wrap(err error, format string, args ...any) error {
	e := effects.AsError(err)
	msg := e.Message
	if msg == "" {
		msg = e.Error()
	}
	return &sdk.Error{Code: e.Code, Retryable: e.Retryable, Message: fmt.Sprintf(format, args...) + ": " + msg}
}

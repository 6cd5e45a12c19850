package auth

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"sync"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/service"
	"github.com/aurahost/aura-host/sdk"
)

// nonceSize is the length of a challenge's nonce.
const nonceSize = 32

// authenticator is one instance's state. challenges is touched only inside
// rt's operations; ttl is set by Configure, hence its own lock.
type authenticator struct {
	rt *service.Runtime

	ttlMu sync.Mutex
	ttl   int64

	challenges map[string]*challenge
	// devices is the authority's device set, derived from its journaled
	// auth.device_enrolled facts (see deviceSet); anchor is this agent's
	// own device key, nil when the service runs under no agent.
	devices map[string]enrolment
	anchor  ed25519.PublicKey
}

// challenge is one issued challenge and what became of it.
type challenge struct {
	id        string
	nonce     []byte
	issuedMS  int64
	expiresMS int64
	used      bool
	usedMS    int64
}

func (a *authenticator) challengeTTL() int64 {
	a.ttlMu.Lock()
	defer a.ttlMu.Unlock()
	return a.ttl
}

// forgettable reports whether a challenge may be dropped from memory: it
// expired more than one lifetime ago. Until then a verify of it is told it
// expired (or was used) rather than that it does not exist.
func (a *authenticator) forgettable(c *challenge, now int64) bool {
	return now >= c.expiresMS+a.challengeTTL()
}

func (a *authenticator) rebuild(ctx context.Context, fx *service.Effects) error {
	now, err := fx.Now(ctx)
	if err != nil {
		return err
	}
	challenges := map[string]*challenge{}
	consume := func(pred, atField string) service.Step {
		return service.Step{Predicate: pred, Apply: func(f service.Fact) error {
			b := service.Read(f.Body, pred+" fact")
			id, at := b.String("challenge_id"), b.Int(atField)
			if err := b.Err(); err != nil {
				return err
			}
			if c, ok := challenges[id]; ok && (!c.used || at < c.usedMS) {
				c.used, c.usedMS = true, at
			}
			return nil
		}}
	}
	err = fx.Replay(ctx,
		service.Step{Predicate: PredicateChallengeIssued, Apply: func(f service.Fact) error {
			b := service.Read(f.Body, PredicateChallengeIssued+" fact")
			c := &challenge{id: b.String("id"), nonce: b.Bytes("nonce"), issuedMS: b.Int("issued_ms"), expiresMS: b.Int("expires_ms")}
			if err := b.Err(); err != nil {
				return err
			}
			if len(c.nonce) != nonceSize {
				return fmt.Errorf("challenge %s has a %d-byte nonce, want %d", c.id, len(c.nonce), nonceSize)
			}
			challenges[c.id] = c
			return nil
		}},
		consume(PredicateAuthenticated, "authenticated_ms"),
		consume(PredicateRejected, "rejected_ms"),
	)
	if err != nil {
		return err
	}
	for id, c := range challenges {
		if a.forgettable(c, now) {
			delete(challenges, id)
		}
	}
	a.challenges = challenges
	return a.rebuildDevices(ctx, fx)
}

func (a *authenticator) createChallenge(ctx context.Context, fx *service.Effects, _ *sdk.Call) (sdk.Value, error) {
	now, err := fx.Now(ctx)
	if err != nil {
		return sdk.Value{}, err
	}
	id, err := fx.NewID(ctx, "challenge")
	if err != nil {
		return sdk.Value{}, err
	}
	nonce, err := fx.Random32(ctx)
	if err != nil {
		return sdk.Value{}, err
	}
	c := &challenge{id: id, nonce: nonce, issuedMS: now, expiresMS: now + a.challengeTTL()}
	body := sdk.Map(map[string]sdk.Value{
		"id": sdk.String(c.id), "nonce": sdk.Bytes(c.nonce), "issued_ms": sdk.Int(c.issuedMS), "expires_ms": sdk.Int(c.expiresMS),
	})
	if _, err := fx.Append(ctx, service.Fact{Predicate: PredicateChallengeIssued, Time: now, Body: body}); err != nil {
		return sdk.Value{}, err
	}
	for old, oc := range a.challenges {
		if a.forgettable(oc, now) {
			delete(a.challenges, old)
		}
	}
	a.challenges[c.id] = c
	return sdk.Map(map[string]sdk.Value{
		"id": sdk.String(c.id), "nonce": sdk.Bytes(c.nonce), "expires_ms": sdk.Int(c.expiresMS),
	}), nil
}

func (a *authenticator) verify(ctx context.Context, fx *service.Effects, call *sdk.Call) (sdk.Value, error) {
	r := service.Read(call.Args, "arguments")
	id, sig, pub, method := r.String("challenge_id"), r.Bytes("signature"), r.Bytes("public_key"), r.String("method")
	if err := r.Err(); err != nil {
		return sdk.Value{}, service.Invalid("%v", err)
	}
	switch method {
	case MethodDeviceKey:
	case MethodThresholdSignature, MethodPasskey:
		return sdk.Value{}, service.Invalid("method %q is not served by this auth service (only %q)", method, MethodDeviceKey)
	default:
		return sdk.Value{}, service.Invalid("unknown method %q (the platform's methods are %q, %q and %q; this service serves %q)",
			method, MethodDeviceKey, MethodThresholdSignature, MethodPasskey, MethodDeviceKey)
	}
	if len(pub) != ed25519.PublicKeySize {
		return sdk.Value{}, service.Invalid("public_key must be a %d-byte Ed25519 public key, got %d bytes", ed25519.PublicKeySize, len(pub))
	}
	if _, member := a.devices[string(pub)]; !member {
		// Checked before the challenge is looked at: a key outside the
		// device set learns nothing and consumes nothing.
		return sdk.Value{}, sdk.Errorf(sdk.CodeUnknownDevice,
			"public_key %x is not in this authority's device set (%d enrolled device(s)): only an enrolled device authenticates", pub, len(a.devices))
	}
	c, ok := a.challenges[id]
	if !ok {
		return sdk.Value{}, sdk.Errorf(sdk.CodeNotFound, "no challenge %q (never issued, or expired long ago)", id)
	}
	if c.used {
		return sdk.Value{}, sdk.Errorf(sdk.CodeConflict, "challenge %s was already used at %d ms: a challenge answers one verify", id, c.usedMS)
	}
	now, err := fx.Now(ctx)
	if err != nil {
		return sdk.Value{}, err
	}
	if now >= c.expiresMS {
		return sdk.Value{}, sdk.Errorf(sdk.CodeConflict, "challenge %s expired at %d ms; create a new one", id, c.expiresMS)
	}
	valid, err := fx.VerifyDevice(ctx, effects.PurposeAuthChallenge, c.nonce, sig, pub)
	if err != nil {
		return sdk.Value{}, err
	}
	out := map[string]sdk.Value{
		"authenticated": sdk.Bool(valid),
		"method":        sdk.String(method),
		"challenge_id":  sdk.String(id),
		"public_key":    sdk.Bytes(pub),
	}
	body := map[string]sdk.Value{"challenge_id": sdk.String(id), "method": sdk.String(method), "public_key": sdk.Bytes(pub)}
	pred := PredicateAuthenticated
	if valid {
		body["authenticated_ms"] = sdk.Int(now)
	} else {
		pred = PredicateRejected
		body["rejected_ms"] = sdk.Int(now)
	}
	factID, err := fx.Append(ctx, service.Fact{Predicate: pred, Time: now, Body: sdk.Map(body)})
	if err != nil {
		return sdk.Value{}, err
	}
	c.used, c.usedMS = true, now
	if valid {
		out["authenticated_ms"] = sdk.Int(now)
		out["fact_id"] = sdk.Bytes(factID)
	} else {
		out["reason"] = sdk.String("the signature does not verify under public_key for this challenge's nonce")
	}
	return sdk.Map(out), nil
}

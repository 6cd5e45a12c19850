package service

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
)

const (
	journalFamily     = "journal"
	identifierBytes   = 16
	randomBytesLength = 32
)

// Effects is a service's handle on the effects it calls through the host.
// Errors of the called operation come back as typed errors naming it, with
// codes that make sense to the service's own caller (see dependencyError).
type Effects struct {
	host *sdk.HostClient
	rt   *Runtime
}

func (fx *Effects) invoke(ctx context.Context, op sdk.OpID, args sdk.Value) (sdk.Value, error) {
	v, err := fx.host.Invoke(ctx, op, args)
	fx.rt.observe(ctx, op, err)
	if err != nil {
		return sdk.Value{}, dependencyError(op, err)
	}
	return v, nil
}

// dependencyError turns the failure of an operation the service called into
// the service's own error. Codes that describe the caller's request
// (invalid_args, not_found, conflict) would mislead the service's caller —
// they describe the service's request — so they become internal; a missing
// operation means the deployment lacks a plugin the service needs, which
// is unavailable. The called operation's error is not wrapped as a cause:
// errors.Is must match the code the service reports, not the one it met.
func dependencyError(op sdk.OpID, err error) error {
	e := effects.AsError(err)
	msg := e.Message
	if msg == "" {
		msg = e.Error()
	}
	code := e.Code
	switch code {
	case sdk.CodeUnknownOp:
		code = sdk.CodeUnavailable
		msg = fmt.Sprintf("no plugin serves %s in this deployment (%s)", op, msg)
		if op.Family() == "device" {
			msg = fmt.Sprintf("no device key: %s is served by the agent runtime (host/agent), and this service does not run under an agent", op)
		}
	case sdk.CodeInvalidArgs, sdk.CodeNotFound, sdk.CodeConflict, sdk.CodeInvalidConfig:
		code = sdk.CodeInternal
	}
	return &sdk.Error{Code: code, Message: fmt.Sprintf("%s: %s", op, msg), Retryable: code == sdk.CodeUnavailable}
}

// Now returns the time in milliseconds since the Unix epoch, from the clock
// effect (a virtual clock in simulations).
func (fx *Effects) Now(ctx context.Context) (int64, error) {
	v, err := fx.invoke(ctx, effects.ClockPhysicalTime, sdk.Null())
	if err != nil {
		return 0, err
	}
	ms, ok := v.Get("ms")
	n, isInt := ms.AsInt()
	if !ok || !isInt {
		return 0, sdk.Errorf(sdk.CodeInternal, "%s returned %v, want a map with an integer ms", effects.ClockPhysicalTime, v)
	}
	return n, nil
}

// Append journals a fact and returns the journal's id for it.
func (fx *Effects) Append(ctx context.Context, f Fact) ([]byte, error) {
	v, err := fx.invoke(ctx, effects.JournalAppendFact, sdk.Map(map[string]sdk.Value{"fact": f.Value(fx.host.Authority())}))
	if err != nil {
		return nil, err
	}
	id, ok := v.AsBytes()
	if !ok {
		return nil, sdk.Errorf(sdk.CodeInternal, "%s returned %s, want the fact's id as bytes", effects.JournalAppendFact, v.Kind())
	}
	return id, nil
}

// Facts returns the journal's facts with a predicate, sorted by the
// canonical encoding of their bodies so that a replay does not depend on
// the order the journal lists them in. An item that is not a fact of the
// envelope this package writes is logged and skipped rather than failing
// the read: one malformed fact must not stop a service from rebuilding the
// rest.
func (fx *Effects) Facts(ctx context.Context, predicate string) ([]Fact, error) {
	v, err := fx.invoke(ctx, effects.JournalFactsByPredicate, sdk.Map(map[string]sdk.Value{"predicate": sdk.String(predicate)}))
	if err != nil {
		return nil, err
	}
	if v.Kind() != sdk.KindList {
		return nil, sdk.Errorf(sdk.CodeInternal, "%s returned %s, want a list of facts", effects.JournalFactsByPredicate, v.Kind())
	}
	facts := make([]Fact, 0, v.Len())
	for i, item := range v.Items() {
		f, err := DecodeFact(item)
		if err == nil && f.Predicate != predicate {
			err = fmt.Errorf("listed under %s but its predicate is %s", predicate, f.Predicate)
		}
		if err != nil {
			fx.rt.warn("skipping a journal item that is not a fact", "predicate", predicate, "index", i, "error", err)
			continue
		}
		facts = append(facts, f)
	}
	slices.SortFunc(facts, func(a, b Fact) int { return effects.Compare(a.Body, b.Body) })
	return facts, nil
}

// Step is one predicate of a replay and what to do with each of its facts.
type Step struct {
	Predicate string
	// Apply applies one fact to the state being rebuilt. An error means
	// the fact is malformed: it is logged and skipped.
	Apply func(f Fact) error
}

// Replay reads the facts of each step's predicate, in the order of the
// steps, and applies them.
func (fx *Effects) Replay(ctx context.Context, steps ...Step) error {
	for _, st := range steps {
		facts, err := fx.Facts(ctx, st.Predicate)
		if err != nil {
			return err
		}
		for _, f := range facts {
			if err := st.Apply(f); err != nil {
				fx.rt.warn("skipping a malformed fact", "predicate", st.Predicate, "body", f.Body.String(), "error", err)
			}
		}
	}
	return nil
}

// Random32 returns 32 random bytes from the random effect (seeded in the
// testing and simulation modes).
func (fx *Effects) Random32(ctx context.Context) ([]byte, error) {
	v, err := fx.invoke(ctx, effects.RandomBytes32, sdk.Null())
	if err != nil {
		return nil, err
	}
	b, ok := v.AsBytes()
	if !ok || len(b) != randomBytesLength {
		return nil, sdk.Errorf(sdk.CodeInternal, "%s returned %v, want %d bytes", effects.RandomBytes32, v, randomBytesLength)
	}
	return b, nil
}

// NewID returns a fresh identifier printed as the platform prints its
// 16-byte identifiers: prefix, a dash, 32 hex digits ("invitation-…").
func (fx *Effects) NewID(ctx context.Context, prefix string) (string, error) {
	b, err := fx.Random32(ctx)
	if err != nil {
		return "", err
	}
	return prefix + "-" + hex.EncodeToString(b[:identifierBytes]), nil
}

// VerifyEd25519 reports whether sig is pub's Ed25519 signature of msg, as
// the crypto effect judges it.
func (fx *Effects) VerifyEd25519(ctx context.Context, msg, sig, pub []byte) (bool, error) {
	v, err := fx.invoke(ctx, effects.CryptoEd25519Verify, sdk.Map(map[string]sdk.Value{
		"msg": sdk.Bytes(msg), "sig": sdk.Bytes(sig), "pub": sdk.Bytes(pub),
	}))
	if err != nil {
		return false, err
	}
	ok, isBool := v.AsBool()
	if !isBool {
		return false, sdk.Errorf(sdk.CodeInternal, "%s returned %s, want bool", effects.CryptoEd25519Verify, v.Kind())
	}
	return ok, nil
}

// Actor is the party a call acts for: the caller's authority, which the
// host's Router sets and enforces on every call (and the SDK checks
// against the authority the plugin was configured for). A service never
// takes its acting party from an argument. A call without an authority —
// possible only on a plugin the host shares between agents, called
// outside any agent — is denied.
func Actor(c *sdk.Call) (string, error) {
	if c.Authority.IsZero() {
		return "", sdk.Errorf(sdk.CodeDenied, "%s needs the caller's authority, and the call has none", c.Op)
	}
	return c.Authority.String(), nil
}

// DeviceSign has the agent's device key sign msg for purpose (see
// effects.DeviceSigningMessage). The private key stays in the host: this
// is a call to the host-owned device.sign.
func (fx *Effects) DeviceSign(ctx context.Context, purpose string, msg []byte) ([]byte, error) {
	v, err := fx.invoke(ctx, effects.DeviceSign, sdk.Map(map[string]sdk.Value{"message": sdk.Bytes(msg), "purpose": sdk.String(purpose)}))
	if err != nil {
		return nil, err
	}
	sig, ok := v.AsBytes()
	if !ok || len(sig) != ed25519.SignatureSize {
		return nil, sdk.Errorf(sdk.CodeInternal, "%s returned %v, want a %d-byte signature", effects.DeviceSign, v, ed25519.SignatureSize)
	}
	return sig, nil
}

// DeviceKey returns the public key of the agent's own device.
func (fx *Effects) DeviceKey(ctx context.Context) (ed25519.PublicKey, error) {
	v, err := fx.invoke(ctx, effects.DevicePublicKey, sdk.Null())
	if err != nil {
		return nil, err
	}
	return publicKey(v)
}

// PeerKey returns the device key the deployment knows for authority (its
// peer keys, the trust anchor for other authorities' keys), and false when
// it knows none.
func (fx *Effects) PeerKey(ctx context.Context, authority string) (ed25519.PublicKey, bool, error) {
	v, err := fx.host.Invoke(ctx, effects.DevicePublicKey, sdk.Map(map[string]sdk.Value{"authority": sdk.String(authority)}))
	fx.rt.observe(ctx, effects.DevicePublicKey, err)
	if err != nil {
		if effects.AsError(err).Code == sdk.CodeNotFound {
			return nil, false, nil
		}
		return nil, false, dependencyError(effects.DevicePublicKey, err)
	}
	k, err := publicKey(v)
	return k, err == nil, err
}

func publicKey(v sdk.Value) (ed25519.PublicKey, error) {
	b, ok := v.AsBytes()
	if !ok || len(b) != ed25519.PublicKeySize {
		return nil, sdk.Errorf(sdk.CodeInternal, "%s returned %v, want a %d-byte key", effects.DevicePublicKey, v, ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(b), nil
}

// VerifyDevice reports whether sig is pub's device signature of msg for
// purpose, as the crypto effect judges it.
func (fx *Effects) VerifyDevice(ctx context.Context, purpose string, msg, sig, pub []byte) (bool, error) {
	if len(pub) != ed25519.PublicKeySize {
		return false, nil
	}
	return fx.VerifyEd25519(ctx, effects.DeviceSigningMessage(purpose, msg), sig, pub)
}

// DeviceSignatureValid is VerifyDevice without the effect, for replays: a
// pure check that repeats exactly.
func DeviceSignatureValid(purpose string, msg, sig, pub []byte) bool {
	return len(pub) == ed25519.PublicKeySize && len(sig) == ed25519.SignatureSize &&
		ed25519.Verify(pub, effects.DeviceSigningMessage(purpose, msg), sig)
}

// Authority is the authority the service acts for: the one its host
// callbacks are scoped to.
func (fx *Effects) Authority() sdk.AuthorityID { return fx.host.Authority() }

// Anchor returns the agent's own device key, the trust anchor of the
// authority's signed facts, and false when the service runs under no agent
// (no device family in the deployment). That absence is a property of the
// deployment, not a failure of a dependency, so it does not degrade health.
func (fx *Effects) Anchor(ctx context.Context) (ed25519.PublicKey, bool, error) {
	v, err := fx.host.Invoke(ctx, effects.DevicePublicKey, sdk.Null())
	if err != nil {
		if effects.AsError(err).Code == sdk.CodeUnknownOp {
			return nil, false, nil
		}
		fx.rt.observe(ctx, effects.DevicePublicKey, err)
		return nil, false, dependencyError(effects.DevicePublicKey, err)
	}
	fx.rt.observe(ctx, effects.DevicePublicKey, nil)
	k, err := publicKey(v)
	return k, err == nil, err
}

// Invoke calls any other operation through the host (a service's own
// dependency that has no helper here, such as the crypto plugin's held
// keys), with the same error translation and health bookkeeping as the
// helpers.
func (fx *Effects) Invoke(ctx context.Context, op sdk.OpID, args sdk.Value) (sdk.Value, error) {
	return fx.invoke(ctx, op, args)
}

// Find is Invoke for an operation that looks something up: a not_found
// answer is found = false, not an error.
func (fx *Effects) Find(ctx context.Context, op sdk.OpID, args sdk.Value) (v sdk.Value, found bool, err error) {
	v, err = fx.host.Invoke(ctx, op, args)
	if err != nil && effects.AsError(err).Code == sdk.CodeNotFound {
		fx.rt.observe(ctx, op, nil)
		return sdk.Value{}, false, nil
	}
	fx.rt.observe(ctx, op, err)
	if err != nil {
		return sdk.Value{}, false, dependencyError(op, err)
	}
	return v, true, nil
}

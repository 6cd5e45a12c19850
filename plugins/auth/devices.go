package auth

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"slices"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/service"
	"github.com/aurahost/aura-host/sdk"
)

// enrolment is one auth.device_enrolled fact: key joins the device set,
// signed (purpose effects.PurposeDeviceEnrolment) by signer, a device
// already in the set — or by key itself for the genesis enrolment.
type enrolment struct {
	authority  string
	key        []byte
	signer     []byte
	enrolledMS int64
	signature  []byte
}

// signed is what the signer's device signs.
func (e enrolment) signed() sdk.Value {
	return sdk.Map(map[string]sdk.Value{
		"authority": sdk.String(e.authority), "public_key": sdk.Bytes(e.key), "signer_key": sdk.Bytes(e.signer),
		"enrolled_ms": sdk.Int(e.enrolledMS),
	})
}

func (e enrolment) body() sdk.Value {
	return sdk.Map(map[string]sdk.Value{
		"authority": sdk.String(e.authority), "public_key": sdk.Bytes(e.key), "signer_key": sdk.Bytes(e.signer),
		"enrolled_ms": sdk.Int(e.enrolledMS), "signature": sdk.Bytes(e.signature),
	})
}

func (e enrolment) valid() bool {
	return len(e.key) == ed25519.PublicKeySize &&
		service.DeviceSignatureValid(effects.PurposeDeviceEnrolment, e.signed().Canonical(), e.signature, e.signer)
}

// deviceSet is the closure of the enrolments from the anchor: the genesis
// enrolment (the anchor, self-signed), then every enrolment signed by a
// key already in the set, until none is added. An enrolment that does not
// verify, names another authority, or hangs from no member is ignored: a
// fact merged into the journal cannot add a device without a member's
// signature.
func deviceSet(authority string, anchor ed25519.PublicKey, all []enrolment) map[string]enrolment {
	set := map[string]enrolment{}
	if anchor == nil {
		return set
	}
	for added := true; added; {
		added = false
		for _, e := range all {
			if _, in := set[string(e.key)]; in || e.authority != authority || !e.valid() {
				continue
			}
			_, signerIn := set[string(e.signer)]
			genesis := bytes.Equal(e.key, anchor) && bytes.Equal(e.signer, anchor)
			if signerIn || genesis {
				set[string(e.key)] = e
				added = true
			}
		}
	}
	return set
}

// rebuildDevices reads the enrolments and derives the device set. Without
// a device (no agent runtime serves device.public_key) the set is empty
// and every verify is unknown_device.
func (a *authenticator) rebuildDevices(ctx context.Context, fx *service.Effects) error {
	authority := fx.Authority().String()
	var all []enrolment
	err := fx.Replay(ctx, service.Step{Predicate: PredicateDeviceEnrolled, Apply: func(f service.Fact) error {
		b := service.Read(f.Body, PredicateDeviceEnrolled+" fact")
		e := enrolment{authority: b.String("authority"), key: b.Bytes("public_key"), signer: b.Bytes("signer_key"),
			enrolledMS: b.Int("enrolled_ms"), signature: b.Bytes("signature")}
		if err := b.Err(); err != nil {
			return err
		}
		all = append(all, e)
		return nil
	}})
	if err != nil {
		return err
	}
	anchor, _, err := fx.Anchor(ctx)
	if err != nil {
		return err
	}
	a.anchor = anchor
	a.devices = deviceSet(authority, anchor, all)
	return nil
}

// enrol journals the enrolment of key, signed by this agent's device.
func (a *authenticator) enrol(ctx context.Context, fx *service.Effects, key []byte) ([]byte, error) {
	authority := fx.Authority().String()
	now, err := fx.Now(ctx)
	if err != nil {
		return nil, err
	}
	e := enrolment{authority: authority, key: key, signer: a.anchor, enrolledMS: now}
	if e.signature, err = fx.DeviceSign(ctx, effects.PurposeDeviceEnrolment, e.signed().Canonical()); err != nil {
		return nil, err
	}
	id, err := fx.Append(ctx, service.Fact{Predicate: PredicateDeviceEnrolled, Time: now, Body: e.body()})
	if err != nil {
		return nil, err
	}
	a.devices[string(key)] = e
	return id, nil
}

// enrolGenesis enrols this agent's own device key, self-signed, when the
// set does not hold it yet: the authority's first device.
func (a *authenticator) enrolGenesis(ctx context.Context, fx *service.Effects) error {
	if a.anchor == nil {
		return nil
	}
	if _, in := a.devices[string(a.anchor)]; in {
		return nil
	}
	_, err := a.enrol(ctx, fx, a.anchor)
	return err
}

func (a *authenticator) enrollDevice(ctx context.Context, fx *service.Effects, c *sdk.Call) (sdk.Value, error) {
	if _, err := service.Actor(c); err != nil {
		return sdk.Value{}, err
	}
	key, _ := c.Arg("public_key").AsBytes()
	if len(key) != ed25519.PublicKeySize {
		return sdk.Value{}, service.Invalid("public_key must be a %d-byte Ed25519 public key, got %d bytes", ed25519.PublicKeySize, len(key))
	}
	if a.anchor == nil {
		return sdk.Value{}, sdk.Errorf(sdk.CodeUnavailable, "no device key: enrolment is signed by this agent's device, and the service runs under no agent")
	}
	if err := a.enrolGenesis(ctx, fx); err != nil {
		return sdk.Value{}, err
	}
	if _, in := a.devices[string(key)]; in {
		return sdk.Value{}, sdk.Errorf(sdk.CodeConflict, "device %x is already enrolled", key)
	}
	id, err := a.enrol(ctx, fx, key)
	if err != nil {
		return sdk.Value{}, err
	}
	return sdk.Map(map[string]sdk.Value{"public_key": sdk.Bytes(key), "fact_id": sdk.Bytes(id)}), nil
}

func (a *authenticator) listDevices(_ context.Context, _ *service.Effects, _ *sdk.Call) (sdk.Value, error) {
	keys := make([]string, 0, len(a.devices))
	for k := range a.devices {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]sdk.Value, len(keys))
	for i, k := range keys {
		out[i] = sdk.Bytes([]byte(k))
	}
	return sdk.List(out...), nil
}

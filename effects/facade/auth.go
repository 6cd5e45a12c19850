package facade

import (
	"context"

	"github.com/aurahost/aura-host/effects"
)

// Auth is the client of the auth service: a challenge of 32 random bytes
// that a device of the authority's device set signs with its Ed25519 key
// (Device.Sign with purpose effects.PurposeAuthChallenge), verified once;
// success is journaled as an auth.authenticated fact. The device set is a
// journaled, signed fact: the agent's own device from the start, others
// by EnrollDevice.
type Auth struct{ c caller }

// AuthMethod is how a challenge is answered.
type AuthMethod string

// The platform's authentication methods. The auth service serves
// AuthDeviceKey and refuses the others as invalid_args.
const (
	AuthDeviceKey          AuthMethod = "device_key"
	AuthThresholdSignature AuthMethod = "threshold_signature"
	AuthPasskey            AuthMethod = "passkey"
)

// ChallengeNonceSize is the length of a challenge's nonce.
const ChallengeNonceSize = 32

var (
	opCreateChallenge = declare("Auth.CreateChallenge", effects.AuthCreateChallenge, effects.KindMap)
	opAuthVerify      = declare("Auth.Verify", effects.AuthVerify, effects.KindMap,
		arg("challenge_id", effects.KindString), arg("signature", effects.KindBytes), arg("public_key", effects.KindBytes), arg("method", effects.KindString))
	opEnrollDevice = declare("Auth.EnrollDevice", effects.AuthEnrollDevice, effects.KindMap, arg("public_key", effects.KindBytes))
	opListDevices  = declare("Auth.ListDevices", effects.AuthListDevices, effects.KindList)
)

// AuthChallenge is an issued challenge: the device signs Nonce.
type AuthChallenge struct {
	ID        string // "challenge-" and 32 hex digits
	Nonce     []byte // 32 random bytes: the message to sign
	ExpiresMs int64  // when it can no longer be answered, in the service clock's milliseconds
}

// AuthResponse answers a challenge.
type AuthResponse struct {
	ChallengeID string     // the challenge answered
	Signature   []byte     // the device key's signature of the nonce with purpose effects.PurposeAuthChallenge
	PublicKey   []byte     // the device's 32-byte Ed25519 public key
	Method      AuthMethod // "" means AuthDeviceKey
}

// AuthResult is the outcome of a verify.
type AuthResult struct {
	Authenticated   bool       // the signature verified
	Method          AuthMethod // the method used
	ChallengeID     string     // the challenge answered (now used)
	PublicKey       []byte     // the key the signature was checked against
	AuthenticatedMs int64      // when, if Authenticated
	FactID          []byte     // the auth.authenticated fact, if Authenticated
	Reason          string     // why not, if not Authenticated
}

// CreateChallenge issues a challenge (valid 5 minutes unless the service is
// configured otherwise).
func (x *Auth) CreateChallenge(ctx context.Context) (AuthChallenge, error) {
	v, err := x.c.invoke(ctx, opCreateChallenge, nil)
	if err != nil {
		return AuthChallenge{}, err
	}
	return decodeRecord(opCreateChallenge, v, func(r reader) AuthChallenge {
		return AuthChallenge{ID: r.str("id"), Nonce: r.bytesN("nonce", ChallengeNonceSize), ExpiresMs: r.int("expires_ms")}
	})
}

// Verify answers a challenge; the first verify consumes it. A signature
// that does not verify is a result with Authenticated false, not an error.
// A key outside the device set matches effects.ErrUnknownDevice (and
// consumes nothing); an unknown challenge effects.ErrNotFound; a used or
// expired one effects.ErrConflict.
func (x *Auth) Verify(ctx context.Context, resp AuthResponse) (AuthResult, error) {
	method := resp.Method
	if method == "" {
		method = AuthDeviceKey
	}
	v, err := x.c.invoke(ctx, opAuthVerify, map[string]effects.Value{
		"challenge_id": effects.String(resp.ChallengeID), "signature": effects.Bytes(resp.Signature),
		"public_key": effects.Bytes(resp.PublicKey), "method": effects.String(string(method)),
	})
	if err != nil {
		return AuthResult{}, err
	}
	return decodeRecord(opAuthVerify, v, func(r reader) AuthResult {
		res := AuthResult{Authenticated: r.bool("authenticated"), Method: AuthMethod(r.str("method")),
			ChallengeID: r.str("challenge_id"), PublicKey: r.bytes("public_key")}
		if res.Authenticated {
			res.AuthenticatedMs, res.FactID = r.int("authenticated_ms"), r.bytes("fact_id")
		} else {
			res.Reason = r.optStr("reason")
		}
		return res
	})
}

// EnrollDevice enrols a device key in the caller's device set, signed by
// the agent's own device, and returns the auth.device_enrolled fact's id.
// A key already enrolled matches effects.ErrConflict.
func (x *Auth) EnrollDevice(ctx context.Context, publicKey []byte) ([]byte, error) {
	v, err := x.c.invoke(ctx, opEnrollDevice, map[string]effects.Value{"public_key": effects.Bytes(publicKey)})
	if err != nil {
		return nil, err
	}
	return decodeRecord(opEnrollDevice, v, func(r reader) []byte { return r.bytes("fact_id") })
}

// ListDevices returns the device set's public keys, in byte order.
func (x *Auth) ListDevices(ctx context.Context) ([][]byte, error) {
	v, err := x.c.invoke(ctx, opListDevices, nil)
	if err != nil {
		return nil, err
	}
	d := newDecoding(opListDevices)
	if v.Kind() != effects.KindList {
		d.fail("", "a list", describe(v))
		return nil, d.result()
	}
	out := make([][]byte, v.Len())
	for i, it := range v.Items() {
		b, ok := it.AsBytes()
		if !ok || len(b) != PublicKeySize {
			d.fail(index("", i), wantBytes(PublicKeySize), describe(it))
		}
		out[i] = b
	}
	if err := d.result(); err != nil {
		return nil, err
	}
	return out, nil
}

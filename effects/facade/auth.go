package facade

import (
	"context"

	"github.com/aurahost/aura-host/effects"
)

// Auth is the client of the auth service: a challenge of 32 random bytes
// that a device signs with its Ed25519 key, verified once; success is
// journaled as an auth.authenticated fact.
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
	Signature   []byte     // the device key's Ed25519 signature of the nonce
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
// An unknown challenge matches effects.ErrNotFound; a used or expired one
// effects.ErrConflict.
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

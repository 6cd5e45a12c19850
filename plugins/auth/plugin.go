package auth

import (
	"context"
	"fmt"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/service"
	"github.com/aurahost/aura-host/sdk"
)

// Name is the plugin's name, and the family of its operations and facts.
const Name = "auth"

// Version is the plugin's semantic version.
const Version = "0.1.0"

// DefaultChallengeTTL is how long a challenge may be answered, in
// milliseconds: five minutes, as in the platform.
const DefaultChallengeTTL = 5 * 60 * 1000

// The authentication methods of the platform. Only MethodDeviceKey is
// served; the others are refused by name.
const (
	MethodDeviceKey          = "device_key"
	MethodThresholdSignature = "threshold_signature"
	MethodPasskey            = "passkey"
)

// The predicates of the facts the service journals.
const (
	PredicateChallengeIssued = "auth.challenge_issued"
	PredicateAuthenticated   = "auth.authenticated"
	PredicateRejected        = "auth.rejected"
	PredicateDeviceEnrolled  = "auth.device_enrolled"
)

// New returns the auth service plugin, ready to Serve.
func New() *sdk.Plugin {
	a := &authenticator{ttl: DefaultChallengeTTL, challenges: map[string]*challenge{}, devices: map[string]enrolment{}}
	a.rt = service.New(service.Config{Name: Name, Rebuild: a.rebuild, Started: a.enrolGenesis})
	p := a.rt.Plugin(Version, a.operations())
	p.Config = []sdk.ConfigField{{
		Name:    "challenge_ttl_ms",
		Kind:    sdk.KindInt,
		Default: sdk.Int(DefaultChallengeTTL),
		Doc:     fmt.Sprintf("How long a challenge may be answered, in milliseconds, 1 or more. Default %d (5 minutes).", DefaultChallengeTTL),
	}}
	p.Configure = a.configure
	return p
}

func (a *authenticator) configure(ctx context.Context, c *sdk.Configuration) error {
	ttl := int64(DefaultChallengeTTL)
	if v := c.Get("challenge_ttl_ms"); !v.IsNull() {
		ttl, _ = v.AsInt()
	}
	if ttl < 1 {
		return &sdk.ConfigError{Path: []string{"challenge_ttl_ms"}, Summary: "challenge lifetime must be positive",
			Detail: fmt.Sprintf("challenge_ttl_ms is how long a challenge may be answered, in milliseconds; it must be 1 or more, got %d.", ttl)}
	}
	a.ttlMu.Lock()
	a.ttl = ttl
	a.ttlMu.Unlock()
	return a.rt.Configure(ctx, c)
}

func (a *authenticator) operations() []sdk.Operation {
	return []sdk.Operation{
		{
			Spec: sdk.OpSpec{
				ID: effects.AuthCreateChallenge,
				Doc: "Issues a challenge and journals auth.challenge_issued. Returns a map {id: string " +
					"(\"challenge-\" and 32 hex digits), nonce: bytes (32 random bytes, the message the device signs), " +
					"expires_ms: int (5 minutes from now unless configured otherwise)}.",
				Result:      sdk.KindMap,
				Idempotent:  true, // a retry issues another challenge, which is as good
				Determinism: sdk.WritesWorld,
			},
			Handle: a.rt.Op(a.createChallenge),
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.AuthVerify,
				Doc: "Verifies the answer to a challenge: public_key must be in the authority's device set (else " +
					"unknown_device, and the challenge is not consumed), and signature its device signature of the " +
					"challenge's nonce with purpose \"auth-challenge\" (device.sign's message). The first verify of an " +
					"enrolled key consumes the challenge. Returns a map {authenticated: bool, " +
					"method, challenge_id, public_key, and either authenticated_ms and fact_id (the auth.authenticated " +
					"fact's id) or reason}. An unknown challenge is not_found; a used or expired one is a conflict; a " +
					"method other than device_key, or a public key that is not 32 bytes, is invalid_args.",
				Params: []sdk.Param{
					{Name: "challenge_id", Kind: sdk.KindString, Doc: "the id create_challenge returned"},
					{Name: "signature", Kind: sdk.KindBytes, Doc: "the device key's Ed25519 signature (64 bytes) of \"aura-device-sign/v1\" 0x00 \"auth-challenge\" 0x00 nonce"},
					{Name: "public_key", Kind: sdk.KindBytes, Doc: "the device's 32-byte Ed25519 public key"},
					{Name: "method", Kind: sdk.KindString, Doc: `the authentication method: "device_key" (the only one served)`},
				},
				Result:      sdk.KindMap,
				Determinism: sdk.WritesWorld,
			},
			Handle: a.rt.Op(a.verify),
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.AuthEnrollDevice,
				Doc: "Enrols a device key in the caller's authority's device set: journals auth.device_enrolled signed " +
					"by this agent's own device (purpose \"device-enrolment\"), itself enrolled. Returns {public_key, " +
					"fact_id}. A key already enrolled is a conflict; a key that is not 32 bytes is invalid_args; a " +
					"service running under no agent (no device key) is unavailable.",
				Params:      []sdk.Param{{Name: "public_key", Kind: sdk.KindBytes, Doc: "the new device's 32-byte Ed25519 public key"}},
				Result:      sdk.KindMap,
				Determinism: sdk.WritesWorld,
			},
			Handle: a.rt.Op(a.enrollDevice),
		},
		{
			Spec: sdk.OpSpec{
				ID:          effects.AuthListDevices,
				Doc:         "Returns the authority's device set: the enrolled public keys (list of bytes), in byte order.",
				Result:      sdk.KindList,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: a.rt.Op(a.listDevices),
		},
	}
}

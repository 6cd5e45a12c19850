package facade_test

import (
	"context"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/effects/facade"
)

func authCases() []methodCase {
	nonce, sig, pub, factID := filled(32, 1), filled(64, 2), filled(32, 3), filled(32, 4)
	const id = "challenge-00112233445566778899aabbccddeeff"
	verifyArgs := args("challenge_id", str(id), "signature", effects.Bytes(sig), "public_key", effects.Bytes(pub), "method", str("device_key"))
	return []methodCase{
		{
			name: "Auth.CreateChallenge",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Auth.CreateChallenge(ctx) },
			op:   effects.AuthCreateChallenge, args: effects.Null(),
			reply: obj(map[string]effects.Value{"id": str(id), "nonce": effects.Bytes(nonce), "expires_ms": i64(301000)}),
			want:  facade.AuthChallenge{ID: id, Nonce: nonce, ExpiresMs: 301000},
		},
		{
			name: "Auth.Verify/authenticated",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Auth.Verify(ctx, facade.AuthResponse{ChallengeID: id, Signature: sig, PublicKey: pub})
			},
			op: effects.AuthVerify, args: verifyArgs,
			reply: obj(map[string]effects.Value{"authenticated": effects.Bool(true), "method": str("device_key"), "challenge_id": str(id),
				"public_key": effects.Bytes(pub), "authenticated_ms": i64(2000), "fact_id": effects.Bytes(factID)}),
			want: facade.AuthResult{Authenticated: true, Method: facade.AuthDeviceKey, ChallengeID: id, PublicKey: pub,
				AuthenticatedMs: 2000, FactID: factID},
		},
		{
			name: "Auth.Verify/rejected",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Auth.Verify(ctx, facade.AuthResponse{ChallengeID: id, Signature: sig, PublicKey: pub, Method: facade.AuthDeviceKey})
			},
			op: effects.AuthVerify, args: verifyArgs,
			reply: obj(map[string]effects.Value{"authenticated": effects.Bool(false), "method": str("device_key"), "challenge_id": str(id),
				"public_key": effects.Bytes(pub), "reason": str("the signature does not verify")}),
			want: facade.AuthResult{Method: facade.AuthDeviceKey, ChallengeID: id, PublicKey: pub, Reason: "the signature does not verify"},
		},
	}
}

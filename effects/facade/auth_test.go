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
		{
			name: "Auth.EnrollDevice",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Auth.EnrollDevice(ctx, pub) },
			op:   effects.AuthEnrollDevice, args: args("public_key", effects.Bytes(pub)),
			reply: obj(map[string]effects.Value{"public_key": effects.Bytes(pub), "fact_id": effects.Bytes(factID)}),
			want:  factID,
		},
		{
			name: "Auth.ListDevices",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Auth.ListDevices(ctx) },
			op:   effects.AuthListDevices, args: effects.Null(),
			reply: list(effects.Bytes(pub)), want: [][]byte{pub},
		},
	}
}

func deviceCases() []methodCase {
	msg, sig, pub := []byte("hello"), filled(64, 5), filled(32, 6)
	return []methodCase{
		{
			name: "Device.Sign",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Device.Sign(ctx, effects.PurposeInvitation, msg)
			},
			op: effects.DeviceSign, args: args("message", effects.Bytes(msg), "purpose", str("invitation")),
			reply: effects.Bytes(sig), want: sig,
		},
		{
			name: "Device.PublicKey/own",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Device.PublicKey(ctx, "") },
			op:   effects.DevicePublicKey, args: effects.Null(),
			reply: effects.Bytes(pub), want: pub,
		},
		{
			name: "Device.PublicKey/a peer's",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Device.PublicKey(ctx, "authority-bob")
			},
			op: effects.DevicePublicKey, args: args("authority", str("authority-bob")),
			reply: effects.Bytes(pub), want: pub,
		},
	}
}

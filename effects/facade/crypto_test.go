package facade_test

import (
	"context"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/effects/facade"
)

func cryptoCases() []methodCase {
	pub, priv, sig := filled(32, 1), filled(64, 2), filled(64, 3)
	return []methodCase{
		{
			name: "Crypto.Hash",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Crypto.Hash(ctx, []byte("data")) },
			op:   effects.CryptoHash, args: args("data", bs("data")),
			reply: effects.Bytes(filled(32, 9)), want: filled(32, 9),
		},
		{
			name: "Crypto.KDF",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Crypto.KDF(ctx, []byte("ikm"), []byte("salt"), []byte("info"), 4)
			},
			op: effects.CryptoKDFDerive, args: args("ikm", bs("ikm"), "salt", bs("salt"), "info", bs("info"), "len", i64(4)),
			reply: bs("okm!"), want: []byte("okm!"),
		},
		{
			name: "Crypto.KDF/no salt or info",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Crypto.KDF(ctx, []byte("ikm"), nil, []byte{}, 2)
			},
			op: effects.CryptoKDFDerive, args: args("ikm", bs("ikm"), "len", i64(2)),
			reply: bs("ok"), want: []byte("ok"),
		},
		{
			name: "Crypto.GenerateKeypair",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Crypto.GenerateKeypair(ctx) },
			op:   effects.CryptoEd25519GenerateKeypair, args: effects.Null(),
			reply: obj(map[string]effects.Value{"public": effects.Bytes(pub), "private": effects.Bytes(priv)}),
			want:  facade.Keypair{Public: pub, Private: priv},
		},
		{
			name: "Crypto.Sign",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Crypto.Sign(ctx, []byte("m"), priv)
			},
			op: effects.CryptoEd25519Sign, args: args("msg", bs("m"), "key", effects.Bytes(priv)),
			reply: effects.Bytes(sig), want: sig,
		},
		{
			name: "Crypto.Verify",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Crypto.Verify(ctx, []byte("m"), sig, pub)
			},
			op: effects.CryptoEd25519Verify, args: args("msg", bs("m"), "sig", effects.Bytes(sig), "pub", effects.Bytes(pub)),
			reply: effects.Bool(true), want: true,
		},
		{
			name: "Crypto.PublicKey",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Crypto.PublicKey(ctx, priv[:32]) },
			op:   effects.CryptoEd25519PublicKey, args: args("priv", effects.Bytes(priv[:32])),
			reply: effects.Bytes(pub), want: pub,
		},
		{
			name: "Crypto.Seal",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Crypto.Seal(ctx, filled(32, 7), filled(12, 0), []byte("pt"), []byte("aad"))
			},
			op: effects.CryptoAEADSeal,
			args: args("key", effects.Bytes(filled(32, 7)), "nonce", effects.Bytes(filled(12, 0)),
				"plaintext", bs("pt"), "aad", bs("aad")),
			reply: effects.Bytes(filled(18, 5)), want: filled(18, 5),
		},
		{
			name: "Crypto.Open",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Crypto.Open(ctx, filled(32, 7), filled(24, 0), filled(18, 5), nil)
			},
			op:    effects.CryptoAEADOpen,
			args:  args("key", effects.Bytes(filled(32, 7)), "nonce", effects.Bytes(filled(24, 0)), "ciphertext", effects.Bytes(filled(18, 5))),
			reply: bs("pt"), want: []byte("pt"),
		},
	}
}

// Plugin-shaped FROST values, as plugins/crypto/frost.go builds them.

func shareValue(id int64, fill byte) effects.Value {
	return obj(map[string]effects.Value{
		"identifier": i64(id), "secret": effects.Bytes(filled(32, fill)),
		"public": effects.Bytes(filled(32, fill+1)), "group_public": effects.Bytes(filled(32, 0xee)),
	})
}

func share(id uint64, fill byte) facade.FrostKeyShare {
	return facade.FrostKeyShare{Identifier: id, Secret: filled(32, fill), Public: filled(32, fill+1), GroupPublic: filled(32, 0xee)}
}

func commitmentValue(id int64, fill byte) effects.Value {
	return obj(map[string]effects.Value{"identifier": i64(id), "hiding": effects.Bytes(filled(32, fill)), "binding": effects.Bytes(filled(32, fill+1))})
}

func commitment(id uint64, fill byte) facade.FrostCommitment {
	return facade.FrostCommitment{Identifier: id, Hiding: filled(32, fill), Binding: filled(32, fill+1)}
}

func packageValue() effects.Value {
	return obj(map[string]effects.Value{
		"message": bs("msg"), "group_public": effects.Bytes(filled(32, 0xee)),
		"commitments": list(commitmentValue(1, 0x10), commitmentValue(3, 0x30)),
	})
}

func signingPackage() facade.FrostSigningPackage {
	return facade.FrostSigningPackage{Message: []byte("msg"), GroupPublic: filled(32, 0xee),
		Commitments: []facade.FrostCommitment{commitment(1, 0x10), commitment(3, 0x30)}}
}

func frostCases() []methodCase {
	group := filled(32, 0xee)
	return []methodCase{
		{
			name: "Crypto.FrostGenerateKeys",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Crypto.FrostGenerateKeys(ctx, 2, 3)
			},
			op: effects.CryptoFrostGenerateKeys, args: args("t", i64(2), "n", i64(3)),
			reply: obj(map[string]effects.Value{
				"group_public": effects.Bytes(group), "threshold": i64(2),
				"shares":     list(shareValue(1, 0x10), shareValue(2, 0x20), shareValue(3, 0x30)),
				"commitment": list(effects.Bytes(group), effects.Bytes(filled(32, 0xcc))),
			}),
			want: facade.FrostKeys{GroupPublic: group, Threshold: 2,
				Shares:     []facade.FrostKeyShare{share(1, 0x10), share(2, 0x20), share(3, 0x30)},
				Commitment: [][]byte{group, filled(32, 0xcc)}},
		},
		{
			name: "Crypto.FrostGenerateNonces",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Crypto.FrostGenerateNonces(ctx, share(1, 0x10))
			},
			op: effects.CryptoFrostGenerateNonces, args: args("share", shareValue(1, 0x10)),
			reply: obj(map[string]effects.Value{
				"nonces":     obj(map[string]effects.Value{"identifier": i64(1), "hiding": effects.Bytes(filled(32, 0x50)), "binding": effects.Bytes(filled(32, 0x51))}),
				"commitment": commitmentValue(1, 0x10),
			}),
			want: facade.FrostRound1{
				Nonces:     facade.FrostNonces{Identifier: 1, Hiding: filled(32, 0x50), Binding: filled(32, 0x51)},
				Commitment: commitment(1, 0x10),
			},
		},
		{
			name: "Crypto.FrostSigningPackage",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Crypto.FrostSigningPackage(ctx, []byte("msg"), []facade.FrostCommitment{commitment(3, 0x30), commitment(1, 0x10)}, group, []uint64{3, 1})
			},
			op: effects.CryptoFrostCreateSigningPackage,
			args: args("msg", bs("msg"), "commitments", list(commitmentValue(3, 0x30), commitmentValue(1, 0x10)),
				"group_public", effects.Bytes(group), "participants", list(i64(3), i64(1))),
			reply: packageValue(), want: signingPackage(),
		},
		{
			name: "Crypto.FrostSigningPackage/without participants",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Crypto.FrostSigningPackage(ctx, []byte("msg"), []facade.FrostCommitment{commitment(1, 0x10), commitment(3, 0x30)}, group, nil)
			},
			op:    effects.CryptoFrostCreateSigningPackage,
			args:  args("msg", bs("msg"), "commitments", list(commitmentValue(1, 0x10), commitmentValue(3, 0x30)), "group_public", effects.Bytes(group)),
			reply: packageValue(), want: signingPackage(),
		},
		{
			name: "Crypto.FrostSignShare",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Crypto.FrostSignShare(ctx, signingPackage(), share(1, 0x10), facade.FrostNonces{Identifier: 1, Hiding: filled(32, 0x50), Binding: filled(32, 0x51)})
			},
			op: effects.CryptoFrostSignShare,
			args: args("pkg", packageValue(), "share", shareValue(1, 0x10),
				"nonces", obj(map[string]effects.Value{"identifier": i64(1), "hiding": effects.Bytes(filled(32, 0x50)), "binding": effects.Bytes(filled(32, 0x51))})),
			reply: obj(map[string]effects.Value{"identifier": i64(1), "share": effects.Bytes(filled(32, 0x77))}),
			want:  facade.FrostSignatureShare{Identifier: 1, Share: filled(32, 0x77)},
		},
		{
			name: "Crypto.FrostAggregate",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Crypto.FrostAggregate(ctx, signingPackage(),
					[]facade.FrostSignatureShare{{Identifier: 1, Share: filled(32, 0x77)}, {Identifier: 3, Share: filled(32, 0x78)}},
					[]facade.FrostVerifyingShare{share(1, 0x10).Verifying()})
			},
			op: effects.CryptoFrostAggregateSignatures,
			args: args("pkg", packageValue(),
				"shares", list(
					obj(map[string]effects.Value{"identifier": i64(1), "share": effects.Bytes(filled(32, 0x77))}),
					obj(map[string]effects.Value{"identifier": i64(3), "share": effects.Bytes(filled(32, 0x78))})),
				"verifying_shares", list(obj(map[string]effects.Value{"identifier": i64(1), "public": effects.Bytes(filled(32, 0x11))}))),
			reply: effects.Bytes(filled(64, 0x99)), want: filled(64, 0x99),
		},
		{
			name: "Crypto.FrostAggregate/without verifying shares",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Crypto.FrostAggregate(ctx, signingPackage(), nil, nil)
			},
			op:    effects.CryptoFrostAggregateSignatures,
			args:  args("pkg", packageValue(), "shares", list()),
			reply: effects.Bytes(filled(64, 0x99)), want: filled(64, 0x99),
		},
		{
			name: "Crypto.FrostVerifyShares",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Crypto.FrostVerifyShares(ctx, signingPackage(), []facade.FrostSignatureShare{{Identifier: 3, Share: filled(32, 0x78)}},
					[]facade.FrostVerifyingShare{{Identifier: 3, Public: filled(32, 0x31)}})
			},
			op: effects.CryptoFrostVerifyShares,
			args: args("pkg", packageValue(), "shares", list(obj(map[string]effects.Value{"identifier": i64(3), "share": effects.Bytes(filled(32, 0x78))})),
				"verifying_shares", list(obj(map[string]effects.Value{"identifier": i64(3), "public": effects.Bytes(filled(32, 0x31))}))),
			reply: list(i64(3)), want: []uint64{3},
		},
		{
			name: "Crypto.FrostKeyInfo",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Crypto.FrostKeyInfo(ctx, "ab12")
			},
			op: effects.CryptoFrostKeyInfo, args: args("key", effects.String("ab12")),
			reply: obj(map[string]effects.Value{"key": effects.String("ab12"), "state": effects.String("active"), "identifier": i64(2),
				"threshold": i64(2), "participants": i64(3), "epoch": i64(1), "group_public": effects.Bytes(group),
				"verifying_shares": list(obj(map[string]effects.Value{"identifier": i64(1), "public": effects.Bytes(filled(32, 0x11))}))}),
			want: facade.FrostHeldKey{Key: "ab12", State: "active", Identifier: 2, Threshold: 2, Participants: 3, Epoch: 1, GroupPublic: group,
				VerifyingShares: []facade.FrostVerifyingShare{{Identifier: 1, Public: filled(32, 0x11)}}},
		},
		{
			name: "Crypto.FrostKeyInfo/retired",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Crypto.FrostKeyInfo(ctx, "ab12")
			},
			op: effects.CryptoFrostKeyInfo, args: args("key", effects.String("ab12")),
			reply: obj(map[string]effects.Value{"key": effects.String("ab12"), "state": effects.String("retired"), "identifier": i64(2),
				"threshold": i64(2), "participants": i64(3), "epoch": i64(1), "retired_at": i64(2), "group_public": effects.Bytes(group),
				"verifying_shares": list(obj(map[string]effects.Value{"identifier": i64(1), "public": effects.Bytes(filled(32, 0x11))}))}),
			want: facade.FrostHeldKey{Key: "ab12", State: "retired", Identifier: 2, Threshold: 2, Participants: 3, Epoch: 1, GroupPublic: group,
				VerifyingShares: []facade.FrostVerifyingShare{{Identifier: 1, Public: filled(32, 0x11)}}, RetiredAt: 2},
		},
		{
			name: "Crypto.FrostKeyNonces",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Crypto.FrostKeyNonces(ctx, "ab12")
			},
			op: effects.CryptoFrostKeyNonces, args: args("key", effects.String("ab12")),
			reply: obj(map[string]effects.Value{"nonces": effects.String("cd34"), "commitment": commitmentValue(1, 0x10)}),
			want:  facade.FrostHeldRound1{Nonces: "cd34", Commitment: commitment(1, 0x10)},
		},
		{
			name: "Crypto.FrostKeySignShare",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Crypto.FrostKeySignShare(ctx, "ab12", signingPackage(), "cd34")
			},
			op: effects.CryptoFrostKeySignShare, args: args("key", effects.String("ab12"), "pkg", packageValue(), "nonces", effects.String("cd34")),
			reply: obj(map[string]effects.Value{"identifier": i64(1), "share": effects.Bytes(filled(32, 0x77))}),
			want:  facade.FrostSignatureShare{Identifier: 1, Share: filled(32, 0x77)},
		},
		{
			name: "Crypto.FrostVerify",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Crypto.FrostVerify(ctx, []byte("msg"), filled(64, 0x99), group)
			},
			op:    effects.CryptoFrostVerify,
			args:  args("msg", bs("msg"), "sig", effects.Bytes(filled(64, 0x99)), "group_public", effects.Bytes(group)),
			reply: effects.Bool(false), want: false,
		},
	}
}

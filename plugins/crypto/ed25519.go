package crypto

import (
	"bytes"
	"context"
	"crypto/ed25519"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
)

// keyDoc says once what every Ed25519 private-key parameter accepts.
const keyDoc = "Ed25519 private key: the 64 bytes ed25519_generate_keypair returns as private " +
	"(seed followed by public key), or the 32-byte seed alone (RFC 8032's private key)"

func (p *plugin) ed25519Operations() []sdk.Operation {
	return []sdk.Operation{
		{
			Spec: sdk.OpSpec{
				ID: effects.CryptoEd25519GenerateKeypair,
				Doc: "Generates an Ed25519 key pair. Returns a map {public: 32 bytes, private: 64 bytes " +
					"(seed || public)}. Production draws the seed from the OS CSPRNG; the testing and " +
					"simulation modes derive it from the deployment seed, the authority and a counter, " +
					"so the same seed gives the same keys in the same order.",
				Result:      sdk.KindMap,
				Idempotent:  true, // a retry yields another key pair, which is as good
				Determinism: sdk.ReadsWorld,
			},
			Handle: p.generateKeypair,
		},
		{
			Spec: sdk.OpSpec{
				ID:  effects.CryptoEd25519Sign,
				Doc: "Signs msg with an Ed25519 private key (pure Ed25519, RFC 8032). Returns the 64-byte signature.",
				Params: []sdk.Param{
					{Name: "msg", Kind: sdk.KindBytes, Doc: "the message to sign, any length"},
					{Name: "key", Kind: sdk.KindBytes, Doc: keyDoc},
				},
				Result:      sdk.KindBytes,
				Idempotent:  true,
				Determinism: sdk.Pure,
			},
			Handle: sign,
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.CryptoEd25519Verify,
				Doc: "Reports whether sig is a valid Ed25519 signature of msg by pub. A signature of the " +
					"wrong length or that does not verify is false; a public key of the wrong length is invalid_args.",
				Params: []sdk.Param{
					{Name: "msg", Kind: sdk.KindBytes, Doc: "the signed message"},
					{Name: "sig", Kind: sdk.KindBytes, Doc: "the signature, 64 bytes"},
					{Name: "pub", Kind: sdk.KindBytes, Doc: "the signer's 32-byte Ed25519 public key"},
				},
				Result:      sdk.KindBool,
				Idempotent:  true,
				Determinism: sdk.Pure,
			},
			Handle: verify,
		},
		{
			Spec: sdk.OpSpec{
				ID:          effects.CryptoEd25519PublicKey,
				Doc:         "Returns the 32-byte Ed25519 public key of a private key.",
				Params:      []sdk.Param{{Name: "priv", Kind: sdk.KindBytes, Doc: keyDoc}},
				Result:      sdk.KindBytes,
				Idempotent:  true,
				Determinism: sdk.Pure,
			},
			Handle: publicKey,
		},
	}
}

func (p *plugin) generateKeypair(_ context.Context, _ *sdk.Call) (sdk.Value, error) {
	seed := make([]byte, ed25519.SeedSize)
	p.random("ed25519 key seed", seed)
	priv := ed25519.NewKeyFromSeed(seed)
	return keypairValue(priv), nil
}

func keypairValue(priv ed25519.PrivateKey) sdk.Value {
	return sdk.Map(map[string]sdk.Value{
		"public":  sdk.Bytes(priv.Public().(ed25519.PublicKey)),
		"private": sdk.Bytes(priv),
	})
}

func sign(_ context.Context, c *sdk.Call) (sdk.Value, error) {
	priv, err := privateKey(bytesArg(c, "key"), "key")
	if err != nil {
		return sdk.Value{}, err
	}
	return sdk.Bytes(ed25519.Sign(priv, bytesArg(c, "msg"))), nil
}

func verify(_ context.Context, c *sdk.Call) (sdk.Value, error) {
	pub := bytesArg(c, "pub")
	if len(pub) != ed25519.PublicKeySize {
		return sdk.Value{}, invalid("pub must be a %d-byte Ed25519 public key, got %d bytes", ed25519.PublicKeySize, len(pub))
	}
	sig := bytesArg(c, "sig")
	if len(sig) != ed25519.SignatureSize {
		return sdk.Bool(false), nil // not a signature at all, so not a valid one
	}
	return sdk.Bool(ed25519.Verify(pub, bytesArg(c, "msg"), sig)), nil
}

func publicKey(_ context.Context, c *sdk.Call) (sdk.Value, error) {
	priv, err := privateKey(bytesArg(c, "priv"), "priv")
	if err != nil {
		return sdk.Value{}, err
	}
	return sdk.Bytes(priv.Public().(ed25519.PublicKey)), nil
}

// privateKey accepts a 64-byte private key or its 32-byte seed. A 64-byte
// key whose public half does not belong to its seed is refused: signing
// with it would produce signatures that verify under no key, and can leak
// the secret.
func privateKey(b []byte, param string) (ed25519.PrivateKey, error) {
	switch len(b) {
	case ed25519.SeedSize:
		return ed25519.NewKeyFromSeed(b), nil
	case ed25519.PrivateKeySize:
		k := ed25519.NewKeyFromSeed(b[:ed25519.SeedSize])
		if !bytes.Equal(k[ed25519.SeedSize:], b[ed25519.SeedSize:]) {
			return nil, invalid("%s is not a consistent Ed25519 private key: its last 32 bytes are not the public key of its first 32", param)
		}
		return k, nil
	}
	return nil, invalid("%s must be a 64-byte Ed25519 private key (seed || public key) or a 32-byte seed, got %d bytes", param, len(b))
}

package facade

import (
	"context"

	"github.com/aurahost/aura-host/effects"
)

// Crypto is the client of the crypto family: BLAKE3 hashing, Ed25519,
// HKDF-SHA256, ChaCha20-Poly1305 and FROST(Ed25519, SHA-512) threshold
// signatures (see crypto_frost.go).
type Crypto struct{ c caller }

// Sizes of the crypto family's values.
const (
	HashSize       = 32 // a BLAKE3-256 digest
	PublicKeySize  = 32 // an Ed25519 public key
	PrivateKeySize = 64 // an Ed25519 private key: seed || public key
	SignatureSize  = 64 // an Ed25519 (or FROST) signature
	AEADKeySize    = 32 // a ChaCha20-Poly1305 key
	AEADOverhead   = 16 // the tag a sealed message ends with
)

var (
	opHash            = declare("Crypto.Hash", effects.CryptoHash, effects.KindBytes, arg("data", effects.KindBytes))
	opKDF             = declare("Crypto.KDF", effects.CryptoKDFDerive, effects.KindBytes, arg("ikm", effects.KindBytes), opt("salt", effects.KindBytes), opt("info", effects.KindBytes), arg("len", effects.KindInt))
	opGenerateKeypair = declare("Crypto.GenerateKeypair", effects.CryptoEd25519GenerateKeypair, effects.KindMap)
	opSign            = declare("Crypto.Sign", effects.CryptoEd25519Sign, effects.KindBytes, arg("msg", effects.KindBytes), arg("key", effects.KindBytes))
	opVerify          = declare("Crypto.Verify", effects.CryptoEd25519Verify, effects.KindBool, arg("msg", effects.KindBytes), arg("sig", effects.KindBytes), arg("pub", effects.KindBytes))
	opPublicKey       = declare("Crypto.PublicKey", effects.CryptoEd25519PublicKey, effects.KindBytes, arg("priv", effects.KindBytes))
	opSeal            = declare("Crypto.Seal", effects.CryptoAEADSeal, effects.KindBytes, arg("key", effects.KindBytes), arg("nonce", effects.KindBytes), arg("plaintext", effects.KindBytes), opt("aad", effects.KindBytes))
	opOpen            = declare("Crypto.Open", effects.CryptoAEADOpen, effects.KindBytes, arg("key", effects.KindBytes), arg("nonce", effects.KindBytes), arg("ciphertext", effects.KindBytes), opt("aad", effects.KindBytes))
)

// Keypair is an Ed25519 key pair as crypto.ed25519_generate_keypair
// returns it.
type Keypair struct {
	Public  []byte // 32 bytes
	Private []byte // 64 bytes: the seed followed by the public key
}

// Hash returns the 32-byte BLAKE3-256 digest of data.
func (x *Crypto) Hash(ctx context.Context, data []byte) ([]byte, error) {
	v, err := x.c.invoke(ctx, opHash, map[string]effects.Value{"data": effects.Bytes(data)})
	if err != nil {
		return nil, err
	}
	return decodeBytes(opHash, v, HashSize)
}

// KDF derives length bytes (1 to 8160) from the secret ikm with
// HKDF-SHA256, extracting with salt and expanding with info. A nil or
// empty salt or info is left out: the plugin treats absent as empty.
func (x *Crypto) KDF(ctx context.Context, ikm, salt, info []byte, length int) ([]byte, error) {
	args := map[string]effects.Value{"ikm": effects.Bytes(ikm), "len": effects.Int(int64(length))}
	putBytes(args, "salt", salt)
	putBytes(args, "info", info)
	v, err := x.c.invoke(ctx, opKDF, args)
	if err != nil {
		return nil, err
	}
	return decodeBytes(opKDF, v, max(length, -1)) // a negative length is the plugin's to refuse
}

// GenerateKeypair returns a new Ed25519 key pair (seeded in the testing and
// simulation modes).
func (x *Crypto) GenerateKeypair(ctx context.Context) (Keypair, error) {
	v, err := x.c.invoke(ctx, opGenerateKeypair, nil)
	if err != nil {
		return Keypair{}, err
	}
	return decodeRecord(opGenerateKeypair, v, func(r reader) Keypair {
		return Keypair{Public: r.bytesN("public", PublicKeySize), Private: r.bytesN("private", PrivateKeySize)}
	})
}

// Sign returns the 64-byte Ed25519 signature of msg by key, a 64-byte
// private key or its 32-byte seed.
func (x *Crypto) Sign(ctx context.Context, msg, key []byte) ([]byte, error) {
	v, err := x.c.invoke(ctx, opSign, map[string]effects.Value{"msg": effects.Bytes(msg), "key": effects.Bytes(key)})
	if err != nil {
		return nil, err
	}
	return decodeBytes(opSign, v, SignatureSize)
}

// Verify reports whether sig is pub's Ed25519 signature of msg.
func (x *Crypto) Verify(ctx context.Context, msg, sig, pub []byte) (bool, error) {
	v, err := x.c.invoke(ctx, opVerify, map[string]effects.Value{
		"msg": effects.Bytes(msg), "sig": effects.Bytes(sig), "pub": effects.Bytes(pub),
	})
	if err != nil {
		return false, err
	}
	return decodeBool(opVerify, v)
}

// PublicKey returns the 32-byte public key of an Ed25519 private key (64
// bytes, or the 32-byte seed).
func (x *Crypto) PublicKey(ctx context.Context, priv []byte) ([]byte, error) {
	v, err := x.c.invoke(ctx, opPublicKey, map[string]effects.Value{"priv": effects.Bytes(priv)})
	if err != nil {
		return nil, err
	}
	return decodeBytes(opPublicKey, v, PublicKeySize)
}

// Seal encrypts and authenticates plaintext with ChaCha20-Poly1305 under a
// 32-byte key and a 12-byte nonce (or XChaCha20-Poly1305 with a 24-byte
// one), binding aad (nil for none). It returns the ciphertext followed by
// the 16-byte tag.
func (x *Crypto) Seal(ctx context.Context, key, nonce, plaintext, aad []byte) ([]byte, error) {
	args := map[string]effects.Value{"key": effects.Bytes(key), "nonce": effects.Bytes(nonce), "plaintext": effects.Bytes(plaintext)}
	putBytes(args, "aad", aad)
	v, err := x.c.invoke(ctx, opSeal, args)
	if err != nil {
		return nil, err
	}
	return decodeBytes(opSeal, v, len(plaintext)+AEADOverhead)
}

// Open authenticates and decrypts what Seal returned. A ciphertext that
// does not authenticate is an invalid_args error from the plugin.
func (x *Crypto) Open(ctx context.Context, key, nonce, ciphertext, aad []byte) ([]byte, error) {
	args := map[string]effects.Value{"key": effects.Bytes(key), "nonce": effects.Bytes(nonce), "ciphertext": effects.Bytes(ciphertext)}
	putBytes(args, "aad", aad)
	v, err := x.c.invoke(ctx, opOpen, args)
	if err != nil {
		return nil, err
	}
	return decodeBytes(opOpen, v, max(len(ciphertext)-AEADOverhead, 0))
}

// putBytes sets an optional bytes argument when b is not empty.
func putBytes(args map[string]effects.Value, name string, b []byte) {
	if len(b) > 0 {
		args[name] = effects.Bytes(b)
	}
}

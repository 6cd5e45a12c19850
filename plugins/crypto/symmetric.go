package crypto

import (
	"context"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"

	"golang.org/x/crypto/chacha20poly1305"
	"lukechampine.com/blake3"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
)

// maxKDFLen is HKDF-SHA256's output limit: 255 blocks of 32 bytes.
const maxKDFLen = 255 * sha256.Size

const (
	aeadKeyDoc   = "the 32-byte ChaCha20-Poly1305 key"
	aeadNonceDoc = "12 bytes for ChaCha20-Poly1305 (RFC 8439), or 24 bytes for XChaCha20-Poly1305; " +
		"never reuse a nonce with the same key (24-byte nonces are safe to draw at random)"
	aeadAADDoc = "additional authenticated data: bound to the ciphertext but not encrypted (default empty)"
)

func (p *plugin) symmetricOperations() []sdk.Operation {
	return []sdk.Operation{
		{
			Spec: sdk.OpSpec{
				ID:          effects.CryptoHash,
				Doc:         "Returns the 32-byte BLAKE3-256 hash of data, the platform's hash.",
				Params:      []sdk.Param{{Name: "data", Kind: sdk.KindBytes, Doc: "the bytes to hash"}},
				Result:      sdk.KindBytes,
				Idempotent:  true,
				Determinism: sdk.Pure,
			},
			Handle: hash,
		},
		{
			Spec: sdk.OpSpec{
				ID:  effects.CryptoKDFDerive,
				Doc: "Derives len bytes of key material from ikm with HKDF-SHA256 (RFC 5869): extract with salt, expand with info.",
				Params: []sdk.Param{
					{Name: "ikm", Kind: sdk.KindBytes, Doc: "input key material (the secret)"},
					{Name: "salt", Kind: sdk.KindBytes, Optional: true, Doc: "HKDF salt; default empty (HKDF then uses 32 zero bytes)"},
					{Name: "info", Kind: sdk.KindBytes, Optional: true, Doc: "context and application-specific information; default empty"},
					{Name: "len", Kind: sdk.KindInt, Doc: "bytes of output, 1 to 8160"},
				},
				Result:      sdk.KindBytes,
				Idempotent:  true,
				Determinism: sdk.Pure,
			},
			Handle: kdfDerive,
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.CryptoAEADSeal,
				Doc: "Encrypts and authenticates plaintext with ChaCha20-Poly1305 (or XChaCha20-Poly1305 " +
					"for a 24-byte nonce). Returns the ciphertext followed by the 16-byte tag.",
				Params: []sdk.Param{
					{Name: "key", Kind: sdk.KindBytes, Doc: aeadKeyDoc},
					{Name: "nonce", Kind: sdk.KindBytes, Doc: aeadNonceDoc},
					{Name: "plaintext", Kind: sdk.KindBytes, Doc: "the bytes to encrypt"},
					{Name: "aad", Kind: sdk.KindBytes, Optional: true, Doc: aeadAADDoc},
				},
				Result:      sdk.KindBytes,
				Idempotent:  true,
				Determinism: sdk.Pure,
			},
			Handle: aeadSeal,
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.CryptoAEADOpen,
				Doc: "Authenticates and decrypts what aead_seal returned. Returns the plaintext. A ciphertext " +
					"that does not authenticate (wrong key, nonce or aad, or altered bytes) is an invalid_args error.",
				Params: []sdk.Param{
					{Name: "key", Kind: sdk.KindBytes, Doc: aeadKeyDoc},
					{Name: "nonce", Kind: sdk.KindBytes, Doc: "the nonce the ciphertext was sealed with (12 or 24 bytes)"},
					{Name: "ciphertext", Kind: sdk.KindBytes, Doc: "ciphertext followed by its 16-byte tag"},
					{Name: "aad", Kind: sdk.KindBytes, Optional: true, Doc: "the additional data it was sealed with (default empty)"},
				},
				Result:      sdk.KindBytes,
				Idempotent:  true,
				Determinism: sdk.Pure,
			},
			Handle: aeadOpen,
		},
	}
}

func hash(_ context.Context, c *sdk.Call) (sdk.Value, error) {
	sum := blake3.Sum256(bytesArg(c, "data"))
	return sdk.Bytes(sum[:]), nil
}

func kdfDerive(_ context.Context, c *sdk.Call) (sdk.Value, error) {
	n := intArg(c, "len")
	if n < 1 || n > maxKDFLen {
		return sdk.Value{}, invalid("len must be between 1 and %d bytes (HKDF-SHA256's limit), got %d", maxKDFLen, n)
	}
	out, err := hkdf.Key(sha256.New, bytesArg(c, "ikm"), bytesArg(c, "salt"), string(bytesArg(c, "info")), int(n))
	if err != nil {
		return sdk.Value{}, sdk.Errorf(sdk.CodeInternal, "hkdf: %v", err)
	}
	return sdk.Bytes(out), nil
}

// aead returns the cipher for a key and nonce, checking their sizes.
func aead(c *sdk.Call) (cipher.AEAD, []byte, error) {
	key, nonce := bytesArg(c, "key"), bytesArg(c, "nonce")
	if len(key) != chacha20poly1305.KeySize {
		return nil, nil, invalid("key must be %d bytes, got %d", chacha20poly1305.KeySize, len(key))
	}
	var a cipher.AEAD
	var err error
	switch len(nonce) {
	case chacha20poly1305.NonceSize:
		a, err = chacha20poly1305.New(key)
	case chacha20poly1305.NonceSizeX:
		a, err = chacha20poly1305.NewX(key)
	default:
		return nil, nil, invalid("nonce must be %d bytes (ChaCha20-Poly1305) or %d bytes (XChaCha20-Poly1305), got %d",
			chacha20poly1305.NonceSize, chacha20poly1305.NonceSizeX, len(nonce))
	}
	if err != nil {
		return nil, nil, sdk.Errorf(sdk.CodeInternal, "chacha20poly1305: %v", err)
	}
	return a, nonce, nil
}

func aeadSeal(_ context.Context, c *sdk.Call) (sdk.Value, error) {
	a, nonce, err := aead(c)
	if err != nil {
		return sdk.Value{}, err
	}
	return sdk.Bytes(a.Seal(nil, nonce, bytesArg(c, "plaintext"), bytesArg(c, "aad"))), nil
}

func aeadOpen(_ context.Context, c *sdk.Call) (sdk.Value, error) {
	a, nonce, err := aead(c)
	if err != nil {
		return sdk.Value{}, err
	}
	ct := bytesArg(c, "ciphertext")
	if len(ct) < a.Overhead() {
		return sdk.Value{}, invalid("ciphertext is %d bytes, shorter than the %d-byte tag it must end with", len(ct), a.Overhead())
	}
	pt, err := a.Open(nil, nonce, ct, bytesArg(c, "aad"))
	if err != nil {
		return sdk.Value{}, invalid("ciphertext did not authenticate: wrong key, nonce or aad, or the ciphertext was altered")
	}
	return sdk.Bytes(pt), nil
}

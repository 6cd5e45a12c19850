package crypto

import (
	"crypto/ecdh"
	"encoding/binary"
	"errors"

	"filippo.io/edwards25519"
	"golang.org/x/crypto/chacha20poly1305"
	"lukechampine.com/blake3"
)

// This file is the arithmetic of the Pedersen DKG with proofs of knowledge
// of the FROST paper (Komlo and Goldberg, "FROST: Flexible Round-Optimized
// Schnorr Threshold Signatures", §5.1), over the RFC 9591 ciphersuite of
// frost_math.go, and the encryption of its round-two shares. frost_dkg.go
// turns Values into these types and back.

// dkgContext separates the DKG's hashes from the signing ones.
const dkgContext = frostContext + "dkg"

// dkgPackage is one participant's round-one broadcast: the commitment to
// its polynomial's coefficients (constant term first), a Schnorr proof of
// knowledge of the constant term, and the X25519 key its round-two shares
// are encrypted to.
type dkgPackage struct {
	id         uint64
	commitment []*edwards25519.Point
	proofR     *edwards25519.Point
	proofZ     *edwards25519.Scalar
	encKey     []byte

	// In a resharing (frost_reshare.go): the dealer's old identifier and
	// the new epoch, or 0 for a participant that does not deal (and has
	// no commitment or proof).
	dealer, epoch uint64
}

// pokChallenge binds the proof to the participant, the ceremony (its
// context), the whole commitment and the encryption key, so that no part
// of a package can be swapped for another's.
func pokChallenge(id uint64, context []byte, commitment []*edwards25519.Point, encKey []byte, r *edwards25519.Point) *edwards25519.Scalar {
	parts := [][]byte{[]byte(dkgContext + "pok"), identifierScalar(id).Bytes(), lengthPrefixed(context), encKey}
	for _, c := range commitment {
		parts = append(parts, c.Bytes())
	}
	return hashToScalar(append(parts, r.Bytes())...)
}

// proveKnowledge is round one's proof: R = k·G, z = k + a0·c.
func proveKnowledge(id uint64, context []byte, coeffs []*edwards25519.Scalar, commitment []*edwards25519.Point, encKey []byte, k *edwards25519.Scalar) (*edwards25519.Point, *edwards25519.Scalar) {
	r := new(edwards25519.Point).ScalarBaseMult(k)
	c := pokChallenge(id, context, commitment, encKey, r)
	return r, edwards25519.NewScalar().MultiplyAdd(coeffs[0], c, k)
}

// verifyKnowledge checks z·G = R + c·C0.
func (p dkgPackage) verifyKnowledge(context []byte) bool {
	c := pokChallenge(p.id, context, p.commitment, p.encKey, p.proofR)
	lhs := new(edwards25519.Point).ScalarBaseMult(p.proofZ)
	rhs := new(edwards25519.Point).ScalarMult(c, p.commitment[0])
	rhs.Add(rhs, p.proofR)
	return lhs.Equal(rhs) == 1
}

// evaluateCommitment is Σ_k C_k · x^k: the public image of the committed
// polynomial at x, which a share f(x) must match (f(x)·G).
func evaluateCommitment(commitment []*edwards25519.Point, x uint64) *edwards25519.Point {
	xs := identifierScalar(x)
	sum := edwards25519.NewIdentityPoint()
	for k := len(commitment) - 1; k >= 0; k-- { // Horner, on points
		sum.ScalarMult(xs, sum)
		sum.Add(sum, commitment[k])
	}
	return sum
}

// shareKey is the AEAD key for the share sender sends receiver in the
// ceremony context: X25519 between their round-one keys, then BLAKE3 key
// derivation over the shared secret, the context and both identifiers in
// order, so each direction of each pair in each ceremony has its own key
// and a zero nonce is never reused.
func shareKey(priv *ecdh.PrivateKey, peerPub []byte, context []byte, sender, receiver uint64) ([]byte, error) {
	pub, err := ecdh.X25519().NewPublicKey(peerPub)
	if err != nil {
		return nil, err
	}
	shared, err := priv.ECDH(pub)
	if err != nil {
		return nil, err // a low-order point: the all-zero secret
	}
	var ids [16]byte
	binary.BigEndian.PutUint64(ids[:8], sender)
	binary.BigEndian.PutUint64(ids[8:], receiver)
	material := append(append(shared, lengthPrefixed(context)...), ids[:]...)
	key := make([]byte, chacha20poly1305.KeySize)
	blake3.DeriveKey(key, "aura-host plugins/crypto frost dkg share v1", material)
	return key, nil
}

var zeroNonce = make([]byte, chacha20poly1305.NonceSize)

func sealShare(key []byte, share *edwards25519.Scalar, context []byte) []byte {
	aead, _ := chacha20poly1305.New(key) // the key is KeySize bytes
	return aead.Seal(nil, zeroNonce, share.Bytes(), context)
}

var errShareDoesNotOpen = errors.New("its ciphertext does not authenticate")

func openShare(key, sealed, context []byte) (*edwards25519.Scalar, error) {
	aead, _ := chacha20poly1305.New(key)
	plain, err := aead.Open(nil, zeroNonce, sealed, context)
	if err != nil {
		return nil, errShareDoesNotOpen
	}
	s, err := deserializeScalar(plain)
	if err != nil {
		return nil, errors.New("it holds no canonical scalar")
	}
	return s, nil
}

// groupKeyOf is Σ_j C_j0 over every participant's commitment.
func groupKeyOf(pkgs []dkgPackage) *edwards25519.Point {
	sum := edwards25519.NewIdentityPoint()
	for _, p := range pkgs {
		sum.Add(sum, p.commitment[0])
	}
	return sum
}

// verifyingShareOf is participant id's public share: Σ_j C_j(id).
func verifyingShareOf(pkgs []dkgPackage, id uint64) *edwards25519.Point {
	sum := edwards25519.NewIdentityPoint()
	for _, p := range pkgs {
		sum.Add(sum, evaluateCommitment(p.commitment, id))
	}
	return sum
}

func lengthPrefixed(b []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(b)))
	return append(out, b...)
}

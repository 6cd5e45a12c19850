package crypto

import (
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"filippo.io/edwards25519"
)

// This file is RFC 9591's FROST(Ed25519, SHA-512) ciphersuite over
// filippo.io/edwards25519, named after the RFC's functions so that each can
// be checked against its text. frost.go turns Values into these types and
// back.

// frostContext is the ciphersuite's contextString (RFC 9591 §6.1).
const frostContext = "FROST-ED25519-SHA512-v1"

// H1, H3, H4 and H5 are domain-separated SHA-512; H2 is plain SHA-512, so
// that the challenge equals Ed25519's and the signature verifies as one.

func hashToScalar(parts ...[]byte) *edwards25519.Scalar {
	h := sha512.New()
	for _, p := range parts {
		h.Write(p)
	}
	s, err := edwards25519.NewScalar().SetUniformBytes(h.Sum(nil))
	if err != nil {
		panic(err) // SHA-512 always gives the 64 bytes SetUniformBytes wants
	}
	return s
}

func h1(m []byte) *edwards25519.Scalar { return hashToScalar([]byte(frostContext+"rho"), m) }
func h2(m []byte) *edwards25519.Scalar { return hashToScalar(m) }
func h3(m []byte) *edwards25519.Scalar { return hashToScalar([]byte(frostContext+"nonce"), m) }

func h4(m []byte) []byte {
	sum := sha512.Sum512(append([]byte(frostContext+"msg"), m...))
	return sum[:]
}

func h5(m []byte) []byte {
	sum := sha512.Sum512(append([]byte(frostContext+"com"), m...))
	return sum[:]
}

// identifierScalar is SerializeScalar's inverse for a participant
// identifier: the integer, little-endian, as a scalar.
func identifierScalar(id uint64) *edwards25519.Scalar {
	var b [32]byte
	binary.LittleEndian.PutUint64(b[:], id)
	s, err := edwards25519.NewScalar().SetCanonicalBytes(b[:])
	if err != nil {
		panic(err) // any uint64 is far below the group order
	}
	return s
}

// orderMinusOne is L-1: [L-1]P = -P exactly when P has order dividing L.
var orderMinusOne = func() *edwards25519.Scalar {
	s := edwards25519.NewScalar().Subtract(edwards25519.NewScalar(), scalarOne())
	return s
}()

func scalarOne() *edwards25519.Scalar { return identifierScalar(1) }

// deserializeElement is RFC 9591's DeserializeElement: a canonical
// encoding of a point of the prime-order subgroup other than the identity.
func deserializeElement(b []byte) (*edwards25519.Point, error) {
	if len(b) != 32 {
		return nil, fmt.Errorf("must be a 32-byte point encoding, got %d bytes", len(b))
	}
	p, err := new(edwards25519.Point).SetBytes(b)
	if err != nil {
		return nil, errors.New("is not a point on edwards25519")
	}
	if !slices.Equal(p.Bytes(), b) {
		return nil, errors.New("is not a canonical point encoding")
	}
	if p.Equal(edwards25519.NewIdentityPoint()) == 1 {
		return nil, errors.New("is the identity point")
	}
	if new(edwards25519.Point).ScalarMult(orderMinusOne, p).Equal(new(edwards25519.Point).Negate(p)) != 1 {
		return nil, errors.New("is not in the prime-order subgroup")
	}
	return p, nil
}

// deserializeScalar is RFC 9591's DeserializeScalar: a canonical
// little-endian scalar below the group order.
func deserializeScalar(b []byte) (*edwards25519.Scalar, error) {
	if len(b) != 32 {
		return nil, fmt.Errorf("must be a 32-byte scalar, got %d bytes", len(b))
	}
	s, err := edwards25519.NewScalar().SetCanonicalBytes(b)
	if err != nil {
		return nil, errors.New("is not a canonical scalar (it must be below the group order)")
	}
	return s, nil
}

// polynomialEvaluate evaluates the polynomial with coefficients (constant
// term first) at x, by Horner's rule (RFC 9591 §4.2.1).
func polynomialEvaluate(x *edwards25519.Scalar, coeffs []*edwards25519.Scalar) *edwards25519.Scalar {
	value := edwards25519.NewScalar()
	for i := len(coeffs) - 1; i >= 0; i-- {
		value.MultiplyAdd(value, x, coeffs[i])
	}
	return value
}

// frostShare is one participant's key material.
type frostShare struct {
	id     uint64
	secret *edwards25519.Scalar
}

// secretShareShard splits the secret (coeffs[0]) into n shares with
// identifiers 1..n, any len(coeffs) of which reconstruct it (RFC 9591
// Appendix C.1, with the random coefficients drawn by the caller).
func secretShareShard(coeffs []*edwards25519.Scalar, n int) []frostShare {
	shares := make([]frostShare, n)
	for i := range shares {
		id := uint64(i + 1)
		shares[i] = frostShare{id: id, secret: polynomialEvaluate(identifierScalar(id), coeffs)}
	}
	return shares
}

// vssCommit returns the public commitment to each coefficient; its first
// element is the group public key (RFC 9591 Appendix C.2).
func vssCommit(coeffs []*edwards25519.Scalar) []*edwards25519.Point {
	out := make([]*edwards25519.Point, len(coeffs))
	for i, c := range coeffs {
		out[i] = new(edwards25519.Point).ScalarBaseMult(c)
	}
	return out
}

// nonceGenerate is RFC 9591 §4.1: H3(random_bytes || SerializeScalar(secret)).
func nonceGenerate(random []byte, secret *edwards25519.Scalar) *edwards25519.Scalar {
	return h3(append(slices.Clone(random), secret.Bytes()...))
}

// frostCommitment is one participant's public nonce commitments.
type frostCommitment struct {
	id              uint64
	hiding, binding *edwards25519.Point
}

// encodeGroupCommitmentList is RFC 9591 §4.3 (list sorted by identifier).
func encodeGroupCommitmentList(list []frostCommitment) []byte {
	out := make([]byte, 0, len(list)*96)
	for _, c := range list {
		out = append(out, identifierScalar(c.id).Bytes()...)
		out = append(out, c.hiding.Bytes()...)
		out = append(out, c.binding.Bytes()...)
	}
	return out
}

// bindingFactorInputs are RFC 9591 §4.4's rho_input of each participant,
// in list order.
func bindingFactorInputs(groupPublic *edwards25519.Point, list []frostCommitment, msg []byte) [][]byte {
	prefix := slices.Concat(groupPublic.Bytes(), h4(msg), h5(encodeGroupCommitmentList(list)))
	out := make([][]byte, len(list))
	for i, c := range list {
		out[i] = slices.Concat(prefix, identifierScalar(c.id).Bytes())
	}
	return out
}

// computeBindingFactors is RFC 9591 §4.4; the result is in list order.
func computeBindingFactors(groupPublic *edwards25519.Point, list []frostCommitment, msg []byte) []*edwards25519.Scalar {
	inputs := bindingFactorInputs(groupPublic, list, msg)
	out := make([]*edwards25519.Scalar, len(inputs))
	for i, in := range inputs {
		out[i] = h1(in)
	}
	return out
}

// computeGroupCommitment is RFC 9591 §4.5.
func computeGroupCommitment(list []frostCommitment, factors []*edwards25519.Scalar) *edwards25519.Point {
	r := edwards25519.NewIdentityPoint()
	for i, c := range list {
		bound := new(edwards25519.Point).ScalarMult(factors[i], c.binding)
		r.Add(r, new(edwards25519.Point).Add(c.hiding, bound))
	}
	return r
}

// computeChallenge is RFC 9591 §4.6: Ed25519's challenge.
func computeChallenge(groupCommitment, groupPublic *edwards25519.Point, msg []byte) *edwards25519.Scalar {
	return h2(slices.Concat(groupCommitment.Bytes(), groupPublic.Bytes(), msg))
}

// deriveInterpolatingValue is RFC 9591 §4.2: participant id's Lagrange
// coefficient at 0 over the identifiers in ids (distinct, including id).
func deriveInterpolatingValue(ids []uint64, id uint64) *edwards25519.Scalar {
	num, den := scalarOne(), scalarOne()
	xi := identifierScalar(id)
	for _, j := range ids {
		if j == id {
			continue
		}
		xj := identifierScalar(j)
		num.Multiply(num, xj)
		den.Multiply(den, edwards25519.NewScalar().Subtract(xj, xi))
	}
	return num.Multiply(num, edwards25519.NewScalar().Invert(den))
}

// signingContext is what round two derives from a signing package: the
// binding factors, the group commitment R and the challenge c.
type signingContext struct {
	list       []frostCommitment
	factors    []*edwards25519.Scalar
	commitment *edwards25519.Point
	challenge  *edwards25519.Scalar
}

func newSigningContext(groupPublic *edwards25519.Point, list []frostCommitment, msg []byte) signingContext {
	factors := computeBindingFactors(groupPublic, list, msg)
	r := computeGroupCommitment(list, factors)
	return signingContext{list: list, factors: factors, commitment: r, challenge: computeChallenge(r, groupPublic, msg)}
}

func (sc signingContext) ids() []uint64 {
	ids := make([]uint64, len(sc.list))
	for i, c := range sc.list {
		ids[i] = c.id
	}
	return ids
}

// index returns the position of participant id in the list, or -1.
func (sc signingContext) index(id uint64) int {
	return slices.IndexFunc(sc.list, func(c frostCommitment) bool { return c.id == id })
}

// sign is RFC 9591 §5.2's signature share of participant i (at index i of
// the list): hiding + binding·ρ_i + λ_i·s_i·c.
func (sc signingContext) sign(i int, secret, hiding, binding *edwards25519.Scalar) *edwards25519.Scalar {
	lambda := deriveInterpolatingValue(sc.ids(), sc.list[i].id)
	z := edwards25519.NewScalar().MultiplyAdd(binding, sc.factors[i], hiding)
	t := edwards25519.NewScalar().Multiply(lambda, secret)
	return z.MultiplyAdd(t, sc.challenge, z)
}

// verifyShare is RFC 9591 §5.4: z_i·B == D_i + ρ_i·E_i + (c·λ_i)·PK_i.
func (sc signingContext) verifyShare(i int, z *edwards25519.Scalar, public *edwards25519.Point) bool {
	c := sc.list[i]
	commShare := new(edwards25519.Point).Add(c.hiding, new(edwards25519.Point).ScalarMult(sc.factors[i], c.binding))
	lambda := deriveInterpolatingValue(sc.ids(), c.id)
	r := new(edwards25519.Point).Add(commShare,
		new(edwards25519.Point).ScalarMult(edwards25519.NewScalar().Multiply(sc.challenge, lambda), public))
	return new(edwards25519.Point).ScalarBaseMult(z).Equal(r) == 1
}

// aggregate is RFC 9591 §5.3: the signature R || Σ z_i, in Ed25519's
// encoding.
func (sc signingContext) aggregate(shares []*edwards25519.Scalar) []byte {
	z := edwards25519.NewScalar()
	for _, s := range shares {
		z.Add(z, s)
	}
	return slices.Concat(sc.commitment.Bytes(), z.Bytes())
}

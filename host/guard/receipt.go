package guard

import (
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"fmt"

	"github.com/aurahost/aura-host/effects"
	"lukechampine.com/blake3"
)

// ReceiptVersion is the transcript version this code writes and verifies.
const ReceiptVersion = 1

// Sizes of the receipt encodings.
const (
	// TranscriptSize is the length of the signed transcript of a version-1
	// receipt.
	TranscriptSize = 117
	// ReceiptSize is the length of an encoded receipt: transcript then
	// signature.
	ReceiptSize = TranscriptSize + ed25519.SignatureSize
)

// transcriptTag opens every transcript, so a receipt signature can never be
// mistaken for a signature over anything else the authority's key signs.
const transcriptTag = "aura/receipt"

// Receipt is the signed proof that Src charged its flow budget Cost for one
// envelope to Dst in Context during Epoch. Nonce grows strictly per
// (Context, Src) — across epochs too, so a fortiori per (Context, Src,
// Epoch) — and Prev is the Hash of the previous receipt on the chain
// (Context, Src, Dst) in the same epoch, all zero for an epoch's first.
//
// Receipts are comparable with ==.
type Receipt struct {
	Version uint8
	Context effects.ContextID
	Src     effects.AuthorityID
	Dst     effects.AuthorityID
	Epoch   uint64
	Cost    uint64
	Nonce   uint64
	Prev    [32]byte
	Sig     [ed25519.SignatureSize]byte
}

// Transcript returns the bytes the signature covers. Version 1, all
// integers big-endian, 117 bytes:
//
//	offset size field
//	     0   12 "aura/receipt" (ASCII domain tag)
//	    12    1 version = 0x01
//	    13   16 context
//	    29   16 src
//	    45   16 dst
//	    61    8 epoch (uint64)
//	    69    8 cost (uint64)
//	    77    8 nonce (uint64)
//	    85   32 prev
//
// The layout is pinned by a golden test: changing it means a new version.
func (r Receipt) Transcript() []byte { return r.appendTranscript(make([]byte, 0, TranscriptSize)) }

// appendTranscript appends the transcript to b.
func (r Receipt) appendTranscript(b []byte) []byte {
	b = append(b, transcriptTag...)
	b = append(b, r.Version)
	b = append(b, r.Context[:]...)
	b = append(b, r.Src[:]...)
	b = append(b, r.Dst[:]...)
	b = binary.BigEndian.AppendUint64(b, r.Epoch)
	b = binary.BigEndian.AppendUint64(b, r.Cost)
	b = binary.BigEndian.AppendUint64(b, r.Nonce)
	return append(b, r.Prev[:]...)
}

// MarshalBinary encodes the receipt as its transcript followed by the
// 64-byte signature (181 bytes). This is what envelopes carry and stores
// keep.
func (r Receipt) MarshalBinary() ([]byte, error) {
	if r.Version != ReceiptVersion {
		return nil, fail(effects.CodeInvalidArgs, ErrUnknownVersion, "receipt version %d (this host knows %d)", r.Version, ReceiptVersion)
	}
	return r.encode(), nil
}

func (r Receipt) encode() []byte { return r.appendEncoded(make([]byte, 0, ReceiptSize)) }

// appendEncoded appends the encoded receipt (transcript, signature) to b.
func (r Receipt) appendEncoded(b []byte) []byte {
	return append(r.appendTranscript(b), r.Sig[:]...)
}

// UnmarshalBinary decodes exactly one encoded receipt. It checks the layout
// (length, tag, version), not the signature: call Verify for that.
func (r *Receipt) UnmarshalBinary(data []byte) error {
	if len(data) < len(transcriptTag)+1 || string(data[:len(transcriptTag)]) != transcriptTag {
		return fail(effects.CodeDenied, ErrMalformedReceipt, "receipt does not start with %q", transcriptTag)
	}
	if v := data[len(transcriptTag)]; v != ReceiptVersion {
		return fail(effects.CodeDenied, ErrUnknownVersion, "receipt version %d (this host knows %d)", v, ReceiptVersion)
	}
	if len(data) != ReceiptSize {
		return fail(effects.CodeDenied, ErrMalformedReceipt, "receipt of %d bytes, want %d", len(data), ReceiptSize)
	}
	var x Receipt
	p := len(transcriptTag)
	x.Version = data[p]
	p++
	p += copy(x.Context[:], data[p:])
	p += copy(x.Src[:], data[p:])
	p += copy(x.Dst[:], data[p:])
	x.Epoch = binary.BigEndian.Uint64(data[p:])
	x.Cost = binary.BigEndian.Uint64(data[p+8:])
	x.Nonce = binary.BigEndian.Uint64(data[p+16:])
	p += 24
	p += copy(x.Prev[:], data[p:])
	copy(x.Sig[:], data[p:])
	*r = x
	return nil
}

// DecodeReceipt is UnmarshalBinary as a function.
func DecodeReceipt(data []byte) (Receipt, error) {
	var r Receipt
	err := r.UnmarshalBinary(data)
	return r, err
}

// Hash is what the next receipt on the chain carries as Prev:
// BLAKE3-256(transcript ‖ signature). It covers the signature so a link
// commits to the exact signed receipt. (BLAKE3 because the platform hashes
// with BLAKE3-256 everywhere.)
func (r Receipt) Hash() [32]byte {
	var buf [ReceiptSize]byte
	return blake3.Sum256(r.appendEncoded(buf[:0]))
}

// Verify checks that r is a well-formed receipt of a known version whose
// signature verifies under pub, the source authority's Ed25519 key. It says
// nothing about order: Accept checks epoch, nonce and chain.
func Verify(r Receipt, pub ed25519.PublicKey) error {
	if r.Version != ReceiptVersion {
		return fail(effects.CodeDenied, ErrUnknownVersion, "receipt version %d (this host knows %d)", r.Version, ReceiptVersion)
	}
	if len(pub) != ed25519.PublicKeySize {
		return fail(effects.CodeDenied, ErrBadSignature, "public key of %d bytes for %s", len(pub), r.Src)
	}
	if !ed25519.Verify(pub, r.Transcript(), r.Sig[:]) {
		return fail(effects.CodeDenied, ErrBadSignature, "receipt nonce %d from %s in %s", r.Nonce, r.Src, r.Context)
	}
	return nil
}

// Signer signs receipt transcripts with the source authority's Ed25519 key.
// The host may implement it over the crypto plugin (crypto.ed25519_sign);
// KeySigner wraps a key held in memory. A Signer must not call back into
// the ReceiptManager that uses it.
type Signer interface {
	PublicKey() ed25519.PublicKey
	Sign(ctx context.Context, msg []byte) ([]byte, error)
}

// KeySigner is a Signer over an in-memory Ed25519 private key.
type KeySigner ed25519.PrivateKey

// PublicKey returns the key's public half.
func (k KeySigner) PublicKey() ed25519.PublicKey {
	return ed25519.PrivateKey(k).Public().(ed25519.PublicKey)
}

// Sign signs msg (pure Ed25519).
func (k KeySigner) Sign(ctx context.Context, msg []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return ed25519.Sign(ed25519.PrivateKey(k), msg), nil
}

// SignReceipt sets r's version if unset, signs its transcript with s, and
// checks the signature against s's public key before returning the signed
// receipt, so a faulty signer never yields a receipt that will not verify.
func SignReceipt(ctx context.Context, r Receipt, s Signer) (Receipt, error) {
	if r.Version == 0 {
		r.Version = ReceiptVersion
	}
	if r.Version != ReceiptVersion {
		return Receipt{}, fail(effects.CodeInvalidArgs, ErrUnknownVersion, "receipt version %d (this host knows %d)", r.Version, ReceiptVersion)
	}
	sig, err := s.Sign(ctx, r.Transcript())
	if err != nil {
		return Receipt{}, fmt.Errorf("sign receipt: %w", err)
	}
	if len(sig) != ed25519.SignatureSize {
		return Receipt{}, fail(effects.CodeInternal, ErrBadSignature, "signer returned %d bytes, want %d", len(sig), ed25519.SignatureSize)
	}
	copy(r.Sig[:], sig)
	if err := Verify(r, s.PublicKey()); err != nil {
		return Receipt{}, fmt.Errorf("signer produced a receipt that does not verify under its own key: %w", err)
	}
	return r, nil
}

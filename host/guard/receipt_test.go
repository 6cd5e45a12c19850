package guard

import (
	"context"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
)

// goldenReceipt has a distinct byte pattern in every field, so the golden
// transcript shows where each one lands.
func goldenReceipt() Receipt {
	r := Receipt{Version: 1, Epoch: 0x0102030405060708, Cost: 0x11, Nonce: 0x2a}
	for i := range 16 {
		r.Context[i] = byte(0x00 + i)
		r.Src[i] = byte(0x10 + i)
		r.Dst[i] = byte(0x20 + i)
	}
	for i := range 32 {
		r.Prev[i] = byte(0xa0 + i)
	}
	return r
}

// TestTranscriptGolden pins the version-1 transcript byte by byte. If this
// test fails, the wire format changed: bump ReceiptVersion instead.
func TestTranscriptGolden(t *testing.T) {
	want := strings.Join([]string{
		"617572612f72656365697074",         // "aura/receipt"
		"01",                               // version
		"000102030405060708090a0b0c0d0e0f", // context
		"101112131415161718191a1b1c1d1e1f", // src
		"202122232425262728292a2b2c2d2e2f", // dst
		"0102030405060708",                 // epoch
		"0000000000000011",                 // cost
		"000000000000002a",                 // nonce
		"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf", // prev
	}, "")
	got := hex.EncodeToString(goldenReceipt().Transcript())
	if got != want {
		t.Fatalf("transcript\n got %s\nwant %s", got, want)
	}
	if len(goldenReceipt().Transcript()) != TranscriptSize {
		t.Fatal("TranscriptSize is wrong")
	}

	// The signature (Ed25519 is deterministic) and the chain hash
	// (BLAKE3-256 of transcript ‖ signature) are pinned too.
	r, err := SignReceipt(context.Background(), goldenReceipt(), keyOf("golden"))
	mustNoErr(t, err)
	const wantSig = "c3d626e70390cb11fc4aa0f6ebc7defb9db8508c0443ae2266b124849ab4c04abe42e1dc9744ac9726f47f49aadb5fa93a1919ddce4803c51a8d26f66ac25f04"
	const wantHash = "011b3ff3df739a82899e1813971bcb02c7397d8d826173324563d02a6229f65e"
	h := r.Hash()
	if hex.EncodeToString(r.Sig[:]) != wantSig || hex.EncodeToString(h[:]) != wantHash {
		t.Fatalf("signature %x\nhash %x", r.Sig, h)
	}
}

func signedReceipt(t *testing.T) (Receipt, KeySigner) {
	t.Helper()
	k := keyOf("alice")
	r, err := SignReceipt(context.Background(), Receipt{Context: ctxAB, Src: alice, Dst: bob, Epoch: 3, Cost: 2, Nonce: 7, Prev: [32]byte{9}}, k)
	mustNoErr(t, err)
	return r, k
}

func TestVerify(t *testing.T) {
	r, k := signedReceipt(t)
	mustNoErr(t, Verify(r, k.PublicKey()))
	if err := Verify(r, keyOf("mallory").PublicKey()); !errors.Is(err, ErrBadSignature) || !errors.Is(err, effects.ErrDenied) {
		t.Fatalf("another key: %v", err)
	}
	if err := Verify(r, k.PublicKey()[:31]); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("short key: %v", err)
	}
	if err := Verify(Receipt{}, k.PublicKey()); !errors.Is(err, ErrUnknownVersion) {
		t.Fatalf("zero receipt: %v", err)
	}
}

// TestTamperedReceiptFailsVerification changes every field and every byte
// of the signature, one at a time.
func TestTamperedReceiptFailsVerification(t *testing.T) {
	r, k := signedReceipt(t)
	fields := map[string]func(*Receipt){
		"version": func(r *Receipt) { r.Version = 2 },
		"context": func(r *Receipt) { r.Context[15] ^= 1 },
		"src":     func(r *Receipt) { r.Src[0] ^= 1 },
		"dst":     func(r *Receipt) { r.Dst[7] ^= 0x80 },
		"epoch":   func(r *Receipt) { r.Epoch++ },
		"cost":    func(r *Receipt) { r.Cost-- },
		"nonce":   func(r *Receipt) { r.Nonce = 1 << 40 },
		"prev":    func(r *Receipt) { r.Prev[31] ^= 1 },
		"src and dst swapped": func(r *Receipt) {
			r.Src, r.Dst = r.Dst, r.Src
		},
	}
	for name, mutate := range fields {
		t.Run(name, func(t *testing.T) {
			x := r
			mutate(&x)
			if err := Verify(x, k.PublicKey()); err == nil {
				t.Fatal("tampered receipt verifies")
			}
		})
	}
	for i := range len(r.Sig) {
		for _, bit := range []byte{0x01, 0x80} {
			x := r
			x.Sig[i] ^= bit
			if err := Verify(x, k.PublicKey()); !errors.Is(err, ErrBadSignature) {
				t.Fatalf("signature byte %d ^ %#x: %v", i, bit, err)
			}
		}
	}
	// Every byte of the encoding: the tampered bytes either do not decode
	// or do not verify.
	enc, err := r.MarshalBinary()
	mustNoErr(t, err)
	for i := range enc {
		b := append([]byte(nil), enc...)
		b[i] ^= 0x04
		x, err := DecodeReceipt(b)
		if err == nil {
			err = Verify(x, k.PublicKey())
		}
		if err == nil {
			t.Fatalf("encoding byte %d tampered still verifies", i)
		}
	}
}

func TestReceiptEncoding(t *testing.T) {
	r, _ := signedReceipt(t)
	enc, err := r.MarshalBinary()
	mustNoErr(t, err)
	if len(enc) != ReceiptSize {
		t.Fatalf("%d bytes", len(enc))
	}
	got, err := DecodeReceipt(enc)
	if err != nil || got != r {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	bad := map[string][]byte{
		"empty":         nil,
		"short":         enc[:ReceiptSize-1],
		"long":          append(append([]byte(nil), enc...), 0),
		"other tag":     append([]byte("aura/receipx"), enc[12:]...),
		"other version": append(append(append([]byte(nil), enc[:12]...), 2), enc[13:]...),
	}
	for name, b := range bad {
		if _, err := DecodeReceipt(b); err == nil || !errors.Is(err, effects.ErrDenied) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := (Receipt{Version: 9}).MarshalBinary(); !errors.Is(err, ErrUnknownVersion) {
		t.Fatalf("marshal unknown version: %v", err)
	}
}

type badSigner struct{ KeySigner }

func (b badSigner) Sign(ctx context.Context, msg []byte) ([]byte, error) {
	sig, err := b.KeySigner.Sign(ctx, msg)
	sig[0] ^= 1
	return sig, err
}

func TestSignReceiptChecksTheSigner(t *testing.T) {
	ctx := context.Background()
	if _, err := SignReceipt(ctx, Receipt{Src: alice}, badSigner{keyOf("alice")}); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("faulty signer: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := SignReceipt(cctx, Receipt{Src: alice}, keyOf("alice")); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

package transportops

import (
	"crypto/ed25519"
	"fmt"
	"math/big"
)

// PeerID returns libp2p's peer ID of an Ed25519 public key, as a string:
// the base58btc encoding of the identity multihash (0x00, length) of the
// key's protobuf encoding (KeyType Ed25519 = 1, then the 32 bytes) —
// "12D3KooW…". It is what go-libp2p's peer.IDFromPublicKey gives, without
// libp2p, so that sim-network names a key as the transport does.
func PeerID(pub ed25519.PublicKey) (string, error) {
	if len(pub) != ed25519.PublicKeySize {
		return "", fmt.Errorf("an Ed25519 public key has %d bytes, got %d", ed25519.PublicKeySize, len(pub))
	}
	proto := append([]byte{0x08, 0x01, 0x12, ed25519.PublicKeySize}, pub...)
	return base58(append([]byte{0x00, byte(len(proto))}, proto...)), nil
}

const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// base58 is Bitcoin's base58: leading zero bytes become '1's.
func base58(b []byte) string {
	zeros := 0
	for zeros < len(b) && b[zeros] == 0 {
		zeros++
	}
	n := new(big.Int).SetBytes(b)
	radix, mod := big.NewInt(58), new(big.Int)
	var out []byte
	for n.Sign() > 0 {
		n.DivMod(n, radix, mod)
		out = append(out, base58Alphabet[mod.Int64()])
	}
	for range zeros {
		out = append(out, '1')
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return string(out)
}

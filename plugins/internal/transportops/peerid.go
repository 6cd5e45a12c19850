package transportops

import (
	"crypto/ed25519"
	"fmt"

	"github.com/mr-tron/base58"
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
	return base58.Encode(append([]byte{0x00, byte(len(proto))}, proto...)), nil
}

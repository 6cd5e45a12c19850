package transport

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
)

// KeyFileName is the key file the plugin keeps in its state directory when
// its config names none.
const KeyFileName = "transport.key"

// LoadKeyFile reads an Ed25519 private key from path: its 32-byte seed, as
// host/agent keeps a device key. The file must be a regular file owned by
// the running user and readable by no one else (mode 0600 or stricter),
// as ssh requires of a private key.
func LoadKeyFile(path string) (ed25519.PrivateKey, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("key file %s is not a regular file", path)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("key file %s has mode %04o: a private key must be readable by its owner only (chmod 600 %s)", path, perm, path)
	}
	if st, ok := info.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Getuid() {
		return nil, fmt.Errorf("key file %s is owned by uid %d, not by the running user (uid %d)", path, st.Uid, os.Getuid())
	}
	seed := make([]byte, ed25519.SeedSize+1)
	n, err := f.Read(seed)
	if err != nil && n == 0 {
		return nil, fmt.Errorf("reading key file %s: %w", path, err)
	}
	if n != ed25519.SeedSize {
		return nil, fmt.Errorf("key file %s holds %d bytes, want a %d-byte Ed25519 seed", path, n, ed25519.SeedSize)
	}
	return ed25519.NewKeyFromSeed(seed[:ed25519.SeedSize]), nil
}

// LoadOrCreateKeyFile reads the key at path as LoadKeyFile does, creating
// it (a fresh seed, mode 0600, in a 0700 directory) on first use: how the
// plugin keeps its own key, and how a relay may keep its identity.
func LoadOrCreateKeyFile(path string) (ed25519.PrivateKey, error) {
	key, err := LoadKeyFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	seed := make([]byte, ed25519.SeedSize)
	if _, err := rand.Read(seed); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(seed); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// PeerID is the libp2p peer ID of an Ed25519 public key.
func PeerID(pub ed25519.PublicKey) (peer.ID, error) {
	if len(pub) != ed25519.PublicKeySize {
		return "", fmt.Errorf("an Ed25519 public key has %d bytes, got %d", ed25519.PublicKeySize, len(pub))
	}
	k, err := crypto.UnmarshalEd25519PublicKey(pub)
	if err != nil {
		return "", err
	}
	return peer.IDFromPublicKey(k)
}

func privateKey(key ed25519.PrivateKey) (crypto.PrivKey, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("an Ed25519 private key has %d bytes, got %d", ed25519.PrivateKeySize, len(key))
	}
	return crypto.UnmarshalEd25519PrivateKey(key)
}

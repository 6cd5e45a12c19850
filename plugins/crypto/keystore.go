package crypto

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/crypto/chacha20poly1305"
	"lukechampine.com/blake3"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/drawepoch"
	"github.com/aurahost/aura-host/sdk"
)

// sealPurpose is the device.sign purpose whose signature the keystore's
// sealing key is derived from (see keystore).
const sealPurpose = "crypto-keystore-seal"

// keystore holds the secrets that must never leave the plugin — a DKG's
// polynomial, a FROST signing share, signing nonces — each under a handle
// the caller refers to instead. Keys are persisted, sealed, in the plugin's
// state directory (keys/HANDLE, 0600, written atomically): XChaCha20-
// Poly1305 under a key derived from the agent's device signature over a
// fixed message (device.sign, purpose "crypto-keystore-seal"; Ed25519
// signatures are deterministic, so the same device gives the same key
// after a restart). A file copied off the machine is useless without the
// device key; a process that can call device.sign as this agent can derive
// the sealing key (docs/SECURITY.md lists the limit). Nonces are kept in
// memory only: a restart forgets them, so a nonce is never used twice.
type keystore struct {
	mu     sync.Mutex
	dir    string                                // "" keeps nothing on disk
	seal   func(context.Context) ([]byte, error) // derives the 32-byte sealing key
	key    []byte                                // the sealing key, once derived
	keys   map[string]*heldKey
	nonces map[string]heldNonces
}

// heldNonces are one signing round's secret nonces, for one key.
type heldNonces struct {
	key             string
	hiding, binding []byte // scalars
}

var errNoSealKey = errors.New("holding a secret key needs the agent's device key to seal it at rest, and this host offers no " +
	"device.sign (a plain host with no agent): declare an `agent` block in the deployment")

// sealFromDevice derives the sealing key from the device's signature.
func sealFromDevice(h *sdk.HostClient) func(context.Context) ([]byte, error) {
	return func(ctx context.Context) ([]byte, error) {
		if h == nil {
			return nil, errNoSealKey
		}
		msg := append([]byte("aura-host plugins/crypto keystore v1\x00"), h.Authority().String()...)
		v, err := h.Invoke(ctx, effects.DeviceSign, sdk.Map(map[string]sdk.Value{
			"message": sdk.Bytes(msg), "purpose": sdk.String(sealPurpose)}))
		if err != nil {
			var e *sdk.Error
			if errors.As(err, &e) && e.Code == sdk.CodeUnknownOp {
				return nil, errNoSealKey
			}
			return nil, fmt.Errorf("derive the keystore's sealing key: %w", err)
		}
		sig, ok := v.AsBytes()
		if !ok || len(sig) != 64 {
			return nil, fmt.Errorf("derive the keystore's sealing key: device.sign returned %v, not a signature", v.Kind())
		}
		key := make([]byte, chacha20poly1305.KeySize)
		blake3.DeriveKey(key, "aura-host plugins/crypto keystore sealing key v1", sig)
		return key, nil
	}
}

func newKeystore(dir string, seal func(context.Context) ([]byte, error)) *keystore {
	return &keystore{dir: dir, seal: seal, keys: map[string]*heldKey{}, nonces: map[string]heldNonces{}}
}

func (ks *keystore) sealingKey(ctx context.Context) ([]byte, error) {
	if ks.key != nil {
		return ks.key, nil
	}
	key, err := ks.seal(ctx)
	if err != nil {
		return nil, err
	}
	ks.key = key
	return key, nil
}

// validHandle reports whether h can name a file: handles are hex.
func validHandle(h string) bool {
	if len(h) == 0 || len(h) > 64 {
		return false
	}
	_, err := hex.DecodeString(h)
	return err == nil
}

// put stores k under its handle, on disk first.
func (ks *keystore) put(ctx context.Context, k *heldKey) error {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	if err := ks.write(ctx, k); err != nil {
		// The caller changed k before it was durable: forget it, so the
		// next use reads what the disk holds, not the change that failed.
		delete(ks.keys, k.handle)
		return err
	}
	ks.keys[k.handle] = k
	return nil
}

// get returns the key under handle, reading it from disk after a restart.
func (ks *keystore) get(ctx context.Context, handle string) (*heldKey, error) {
	if !validHandle(handle) {
		return nil, sdk.Errorf(sdk.CodeInvalidArgs, "key %q is not a key handle (hex, as frost_dkg_begin returns it)", handle)
	}
	ks.mu.Lock()
	defer ks.mu.Unlock()
	if k, ok := ks.keys[handle]; ok {
		return k, nil
	}
	k, err := ks.read(ctx, handle)
	if err != nil {
		return nil, err
	}
	ks.keys[handle] = k
	if k.state == stateActive {
		// A commit that crashed between making a later epoch of this
		// key's group active and retiring the earlier ones: finish it.
		if err := ks.reconcileLocked(ctx); err != nil {
			return nil, err
		}
	}
	return ks.keys[handle], nil
}

// reconcileLocked retires every active key of a group that has an active
// key of a later epoch. ks.mu is held.
func (ks *keystore) reconcileLocked(ctx context.Context) error {
	all := ks.allLocked(ctx)
	for _, k := range all {
		if k.state != stateActive {
			continue
		}
		latest := k.epoch
		for _, other := range all {
			if other.state == stateActive && other.epoch > latest && sameGroup(other, k) {
				latest = other.epoch
			}
		}
		if latest > k.epoch {
			if err := ks.retireLocked(ctx, k, latest); err != nil {
				return err
			}
		}
	}
	return nil
}

// active is every active key held here, in memory or on disk, after
// finishing any retirement a crash cut short.
func (ks *keystore) active(ctx context.Context) ([]*heldKey, error) {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	if err := ks.reconcileLocked(ctx); err != nil {
		return nil, err
	}
	var out []*heldKey
	for _, k := range ks.keys {
		if k.state == stateActive {
			out = append(out, k)
		}
	}
	return out, nil
}

func sameGroup(a, b *heldKey) bool {
	return a.groupPublic != nil && b.groupPublic != nil && a.groupPublic.Equal(b.groupPublic) == 1
}

// allLocked is every key the keystore holds, in memory or on disk; a key
// file that does not open is left out. ks.mu is held.
func (ks *keystore) allLocked(ctx context.Context) []*heldKey {
	if ks.dir != "" {
		entries, _ := os.ReadDir(filepath.Join(ks.dir, "keys"))
		for _, e := range entries {
			h := e.Name()
			if _, ok := ks.keys[h]; ok || !validHandle(h) || !e.Type().IsRegular() {
				continue
			}
			if k, err := ks.read(ctx, h); err == nil {
				ks.keys[h] = k
			}
		}
	}
	all := make([]*heldKey, 0, len(ks.keys))
	for _, k := range ks.keys {
		all = append(all, k)
	}
	return all
}

// retireOlder retires every active key of k's group with an epoch below
// k's: a resharing committed k. The caller has made k active on disk
// first, so a crash in between leaves the old epoch or the new one
// active, never neither (and get finishes the retirement on load).
func (ks *keystore) retireOlder(ctx context.Context, k *heldKey) error {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	for _, old := range ks.allLocked(ctx) {
		if old.handle != k.handle && old.state == stateActive && old.epoch < k.epoch && sameGroup(old, k) {
			if err := ks.retireLocked(ctx, old, k.epoch); err != nil {
				return err
			}
		}
	}
	return nil
}

// retireLocked makes k retired at epoch, erasing its signing share (on
// disk too) and forgetting its nonces. ks.mu is held.
func (ks *keystore) retireLocked(ctx context.Context, k *heldKey, epoch uint64) error {
	r := *k
	r.state, r.secret, r.retiredAt = stateRetired, nil, epoch
	k.secret = nil // the struct other holders of the old pointer see
	if err := ks.write(ctx, &r); err != nil {
		return err
	}
	ks.keys[r.handle] = &r
	ks.dropNoncesLocked(r.handle)
	return nil
}

// dropNoncesLocked forgets the nonces held for the key under handle.
func (ks *keystore) dropNoncesLocked(handle string) {
	for id, n := range ks.nonces {
		if n.key == handle {
			delete(ks.nonces, id)
		}
	}
}

// remove forgets the key under handle, on disk too.
func (ks *keystore) remove(handle string) error {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	delete(ks.keys, handle)
	ks.dropNoncesLocked(handle)
	if ks.dir == "" || !validHandle(handle) {
		return nil
	}
	if err := os.Remove(filepath.Join(ks.dir, "keys", handle)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return sdk.Errorf(sdk.CodeInternal, "remove key %s: %v", handle, err)
	}
	return nil
}

// keyInUse reports whether handle names a key held now or a key file left
// on disk.
func (ks *keystore) keyInUse(handle string) bool {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	if _, ok := ks.keys[handle]; ok {
		return true
	}
	if ks.dir == "" {
		return false
	}
	_, err := os.Lstat(filepath.Join(ks.dir, "keys", handle))
	return !errors.Is(err, fs.ErrNotExist)
}

// noncesInUse reports whether handle names nonces held now.
func (ks *keystore) noncesInUse(handle string) bool {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	_, ok := ks.nonces[handle]
	return ok
}

// keep and take hold a signing round's nonces until their one use.
func (ks *keystore) keep(id string, n heldNonces) {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	ks.nonces[id] = n
}

func (ks *keystore) take(id string) (heldNonces, bool) {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	n, ok := ks.nonces[id]
	delete(ks.nonces, id)
	return n, ok
}

func (ks *keystore) write(ctx context.Context, k *heldKey) error {
	if ks.dir == "" {
		return nil
	}
	key, err := ks.sealingKey(ctx)
	if err != nil {
		return sdk.Errorf(sdk.CodeUnavailable, "%v", err)
	}
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return sdk.Errorf(sdk.CodeInternal, "keystore: %v", err)
	}
	nonce := make([]byte, chacha20poly1305.NonceSizeX)
	rand.Read(nonce) // not the seeded draws: a file's nonce changes no result
	sealed := aead.Seal(nonce, nonce, k.encode(), []byte(k.handle))
	dir := filepath.Join(ks.dir, "keys")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return sdk.Errorf(sdk.CodeInternal, "keystore: %v", err)
	}
	if err := drawepoch.WriteSynced(filepath.Join(dir, k.handle), sealed); err != nil {
		return sdk.Errorf(sdk.CodeInternal, "keystore: write key %s: %v", k.handle, err)
	}
	return nil
}

func (ks *keystore) read(ctx context.Context, handle string) (*heldKey, error) {
	if ks.dir == "" {
		return nil, sdk.Errorf(sdk.CodeNotFound, "no key %s", handle)
	}
	sealed, err := os.ReadFile(filepath.Join(ks.dir, "keys", handle))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, sdk.Errorf(sdk.CodeNotFound, "no key %s: it was never made here, or was removed", handle)
	}
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeInternal, "keystore: %v", err)
	}
	key, err := ks.sealingKey(ctx)
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeUnavailable, "%v", err)
	}
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeInternal, "keystore: %v", err)
	}
	if len(sealed) < aead.NonceSize() {
		return nil, sdk.Errorf(sdk.CodeInternal, "key %s on disk is truncated", handle)
	}
	plain, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], []byte(handle))
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeInternal, "key %s on disk does not authenticate: it was altered, or sealed by another device key", handle)
	}
	k, err := decodeHeldKey(handle, plain)
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeInternal, "key %s on disk: %v", handle, err)
	}
	return k, nil
}

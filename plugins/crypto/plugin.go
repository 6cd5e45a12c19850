package crypto

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"sync"

	"lukechampine.com/blake3"

	"github.com/aurahost/aura-host/sdk"
)

// Name is the plugin's name, and the family of its operations.
const Name = "crypto"

// Version is the plugin's semantic version.
const Version = "0.1.0"

// New returns the crypto plugin, ready to Serve.
func New() *sdk.Plugin {
	p := &plugin{}
	ops := append(p.ed25519Operations(), p.symmetricOperations()...)
	ops = append(ops, p.frostOperations()...)
	ops = append(ops, p.dkgOperations()...)
	ops = append(ops, p.reshareOperations()...)
	return &sdk.Plugin{
		Name:       Name,
		Version:    Version,
		Operations: ops,
		Configure:  p.configure,
	}
}

// plugin is one instance's state: only what its randomness derives from.
type plugin struct {
	mu            sync.Mutex
	deterministic bool
	seed          uint64
	authority     sdk.AuthorityID
	counter       uint64 // draws made so far in a deterministic mode
	keys          *keystore
}

func (p *plugin) configure(_ context.Context, c *sdk.Configuration) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.deterministic = c.Mode.Deterministic()
	p.seed, p.authority, p.counter = c.Seed, c.Authority, 0
	p.keys = newKeystore(c.StateDir, sealFromDevice(c.Host))
	return nil
}

// random fills b with secret random bytes for purpose (a short constant
// naming the operation). In production they come from crypto/rand. In the
// testing and simulation modes they are BLAKE3's key derivation over the
// seed, the authority and a per-instance counter, so a run repeats exactly
// while distinct draws, purposes and authorities never collide. The
// counter restarts with the process: a restarted plugin repeats its draws.
func (p *plugin) random(purpose string, b []byte) {
	p.mu.Lock()
	deterministic, seed, authority := p.deterministic, p.seed, p.authority
	p.counter++
	n := p.counter
	p.mu.Unlock()
	if !deterministic {
		rand.Read(b) // never fails: Go aborts the process if the OS CSPRNG does
		return
	}
	var src [8 + 16 + 8]byte
	binary.BigEndian.PutUint64(src[0:], seed)
	copy(src[8:], authority[:])
	binary.BigEndian.PutUint64(src[24:], n)
	blake3.DeriveKey(b, "aura-host plugins/crypto v1 "+purpose, src[:])
}

// Helpers for reading arguments the SDK has already checked for presence
// and kind.

func bytesArg(c *sdk.Call, name string) []byte {
	b, _ := c.Arg(name).AsBytes()
	return b
}

func intArg(c *sdk.Call, name string) int64 {
	i, _ := c.Arg(name).AsInt()
	return i
}

func invalid(format string, args ...any) error {
	return sdk.Errorf(sdk.CodeInvalidArgs, format, args...)
}

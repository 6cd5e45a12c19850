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
	ops = append(ops, frostCheckOperations()...)
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
	epoch         uint64 // this configuration's draw epoch (draws.go)
	counter       uint64 // draws made so far in this epoch
	keys          *keystore

	// held serialises the operations on held keys (see held), and
	// configure's swap of keys with them.
	heldMu sync.Mutex
}

// held runs an operation on held keys alone: each reads a key's state,
// changes it and writes it back, so two at once could both pass a state
// check (share twice in one ceremony; sign with a key a commit is
// retiring). They are few and short; nothing else waits on them.
func (p *plugin) held(h func(context.Context, *sdk.Call) (sdk.Value, error)) func(context.Context, *sdk.Call) (sdk.Value, error) {
	return func(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
		p.heldMu.Lock()
		defer p.heldMu.Unlock()
		return h(ctx, c)
	}
}

// configure sets what the randomness derives from. In the testing and
// simulation modes it first claims a fresh draw epoch of the host run
// from the state directory (claimEpoch, draws.go), so that neither a
// restarted process nor a reconfigured instance repeats an earlier
// configuration's draws; if the epoch cannot be claimed, the
// configuration is refused.
func (p *plugin) configure(_ context.Context, c *sdk.Configuration) error {
	p.heldMu.Lock()
	defer p.heldMu.Unlock()
	p.mu.Lock()
	defer p.mu.Unlock()
	var epoch uint64
	if c.Mode.Deterministic() {
		var err error
		if epoch, err = claimEpoch(c.StateDir, hostRun(), c.Seed, c.Authority, c.Mode); err != nil {
			return err
		}
	}
	p.deterministic = c.Mode.Deterministic()
	p.seed, p.authority, p.epoch, p.counter = c.Seed, c.Authority, epoch, 0
	p.keys = newKeystore(c.StateDir, sealFromDevice(c.Host))
	return nil
}

// random fills b with secret random bytes for purpose (a short constant
// naming the operation). In production they come from crypto/rand. In the
// testing and simulation modes they are BLAKE3's key derivation over the
// seed, the authority, the configuration's draw epoch and a counter of its
// draws, so a run repeats exactly while distinct draws, purposes,
// authorities and configurations never collide: a plugin restarted by its
// host draws in a new epoch (draws.go). Epoch 0 leaves the epoch out of
// the input, which is then what the plugin derived before epochs existed;
// the input's length tells the two encodings apart.
func (p *plugin) random(purpose string, b []byte) {
	p.mu.Lock()
	deterministic, seed, authority, epoch := p.deterministic, p.seed, p.authority, p.epoch
	p.counter++
	n := p.counter
	p.mu.Unlock()
	if !deterministic {
		rand.Read(b) // never fails: Go aborts the process if the OS CSPRNG does
		return
	}
	var buf [8 + 16 + 8 + 8]byte
	binary.BigEndian.PutUint64(buf[0:], seed)
	copy(buf[8:], authority[:])
	binary.BigEndian.PutUint64(buf[24:], n)
	src := buf[:32]
	if epoch != 0 {
		binary.BigEndian.PutUint64(buf[32:], epoch)
		src = buf[:]
	}
	blake3.DeriveKey(b, "aura-host plugins/crypto v1 "+purpose, src)
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

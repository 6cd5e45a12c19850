package random

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"math/rand/v2"
	"sync"

	"github.com/aurahost/aura-host/plugins/internal/randomops"
	"github.com/aurahost/aura-host/sdk"
)

// Name is the plugin's name, and the family of its operations.
const Name = "random"

// Version is the plugin's semantic version.
const Version = "0.1.0"

// MaxBytes bounds random_bytes: larger requests are invalid_args.
const MaxBytes = randomops.MaxBytes

// New returns the random plugin, ready to Serve.
func New() *sdk.Plugin {
	r := &source{}
	return &sdk.Plugin{Name: Name, Version: Version, Configure: r.configure, Operations: randomops.Operations(r)}
}

// source is where one instance's randomness comes from: the OS CSPRNG, or
// a seeded ChaCha8 stream in the deterministic modes.
type source struct {
	mu     sync.Mutex
	seeded *rand.ChaCha8 // nil in production
}

// configure sets where the randomness comes from. In the testing and
// simulation modes the seeded stream is that of a draw epoch claimed from
// the state directory (randomops.ClaimStream), so that a restarted plugin
// goes on with a new stream instead of giving its first draws again; the
// first configuration of a run draws in epoch 0, the stream the plugin
// always gave for its seed and authority.
func (s *source) configure(_ context.Context, c *sdk.Configuration) error {
	var stream *rand.ChaCha8
	if c.Mode.Deterministic() {
		var err error
		if stream, err = randomops.ClaimStream(Name, c.StateDir, c.Seed, c.Authority, c.Mode); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seeded = stream
	return nil
}

// Draw runs fn on the seeded stream, or on the OS CSPRNG in production.
// The lock also serialises production draws; crypto/rand is fast enough
// that this does not matter, and one code path is simpler.
func (s *source) Draw(_ *sdk.Call, fn func(r randomops.Stream)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seeded != nil {
		fn(s.seeded)
		return
	}
	fn(osStream{})
}

// osStream is the OS CSPRNG as a randomops.Stream.
type osStream struct{}

// Read never fails: Go aborts the process if the OS CSPRNG does.
func (osStream) Read(b []byte) (int, error) { return crand.Read(b) }

func (osStream) Uint64() uint64 {
	var b [8]byte
	crand.Read(b[:])
	return binary.BigEndian.Uint64(b[:])
}

package simrandom

import (
	"context"
	"math/rand/v2"
	"sync"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/randomops"
	"github.com/aurahost/aura-host/plugins/internal/standin"
	"github.com/aurahost/aura-host/sdk"
)

// Name is the plugin's name, as a deployment writes it in builtin = "...".
const Name = "sim-random"

// Family is the family of the plugin's operations: the random plugin's.
const Family = "random"

// Version is the plugin's semantic version.
const Version = "0.1.0"

// New returns the simulation random plugin, ready to Serve.
func New() *sdk.Plugin {
	s := &streams{}
	return &sdk.Plugin{Name: Name, Version: Version, Configure: s.configure, Operations: s.operations()}
}

// streams holds one seeded stream per authority that has drawn.
type streams struct {
	mu   sync.Mutex
	seed uint64
	by   map[sdk.AuthorityID]*rand.ChaCha8
}

// configure starts the streams afresh. An instance of one authority with
// a state directory (each agent's own, as a host configures it) starts
// that authority's stream in a draw epoch claimed there
// (randomops.ClaimStream), as the random plugin does: restarted, it goes
// on with a new stream instead of giving its first draws again. An
// instance shared between authorities (no authority of its own) keys each
// authority's stream in epoch 0; whoever shares it must not restart it
// within a run (host/sim does not share sim-random).
func (s *streams) configure(_ context.Context, c *sdk.Configuration) error {
	by := map[sdk.AuthorityID]*rand.ChaCha8{}
	if c.Authority != (sdk.AuthorityID{}) {
		r, err := randomops.ClaimStream(Name, c.StateDir, c.Seed, c.Authority, c.Mode)
		if err != nil {
			return err
		}
		by[c.Authority] = r
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seed, s.by = c.Seed, by
	return nil
}

// Draw runs fn on the stream of the call's authority, keyed as the random
// plugin keys its seeded stream (randomops.StreamKey).
func (s *streams) Draw(c *sdk.Call, fn func(r randomops.Stream)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.by == nil {
		s.by = map[sdk.AuthorityID]*rand.ChaCha8{}
	}
	r, ok := s.by[c.Authority]
	if !ok {
		r = rand.NewChaCha8(randomops.StreamKey(s.seed, c.Authority))
		s.by[c.Authority] = r
	}
	fn(r)
}

// operations are the random plugin's, drawn from the authorities' streams
// and described as such.
func (s *streams) operations() []sdk.Operation {
	return standin.Describe(randomops.Operations(s), map[sdk.OpID]standin.Doc{
		effects.RandomBytes:   {Op: "Returns n bytes (bytes) from the authority's seeded stream."},
		effects.RandomBytes32: {Op: "Returns 32 bytes (bytes) from the authority's seeded stream."},
		effects.RandomU64:     {Op: "Returns a 64-bit unsigned integer (uint) from the authority's seeded stream."},
		effects.RandomRange:   {Op: "Returns an integer r with min <= r < max (int), uniform over the range, without modulo bias."},
		effects.RandomUUID:    {Op: "Returns a version-4 (RFC 9562) UUID from the authority's seeded stream, as a lower-case string."},
	})
}

package swarm

import (
	"time"

	"github.com/aurahost/aura-host/config"
)

// salt separates the swarm's stream from every other use of the seed:
// drawing a schedule consumes nothing of the run's own randomness (the
// sim-random plugin's stream, the network's), so a seed without a swarm
// block runs exactly as before, and adding one changes only the faults.
const salt = 0x5357_4152_4d5f_7631 // "SWARM_v1"

// stream is a splitmix64 stream: small, and the same on every platform
// and Go version, so a seed draws the same schedule everywhere.
type stream struct{ state uint64 }

func newStream(seed uint64) *stream { return &stream{state: seed ^ salt} }

func (r *stream) next() uint64 {
	r.state += 0x9e3779b97f4a7c15
	z := r.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn returns a number in [0, n); n > 0.
func (r *stream) intn(n int64) int64 { return int64(r.next() % uint64(n)) }

func (r *stream) coin() bool { return r.next()&1 == 1 }

// within returns a whole number of milliseconds in [lo, hi].
func (r *stream) within(lo, hi time.Duration) time.Duration {
	a, b := lo.Milliseconds(), hi.Milliseconds()
	if b <= a {
		return time.Duration(a) * time.Millisecond
	}
	return time.Duration(a+r.intn(b-a+1)) * time.Millisecond
}

func (r *stream) span(s config.Span) time.Duration { return r.within(s.Min, s.Max) }

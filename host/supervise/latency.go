package supervise

import (
	"math"
	"math/bits"
	"sync/atomic"
	"time"
)

// latencyHistogram records call latencies in power-of-two microsecond
// buckets with atomic counters: cheap on the hot path, and good enough for
// the p50/p99 that status prints (each within a factor of two, reported as
// the bucket's upper bound).
type latencyHistogram struct {
	buckets [40]atomic.Uint64 // bucket i holds latencies in [2^(i-1), 2^i) µs
}

func (h *latencyHistogram) record(d time.Duration) {
	us := uint64(max(d.Microseconds(), 0))
	i := min(bits.Len64(us), len(h.buckets)-1)
	h.buckets[i].Add(1)
}

// quantile returns the upper bound of the bucket holding quantile q, or 0
// with no samples.
func (h *latencyHistogram) quantile(q float64) time.Duration {
	var counts [40]uint64
	var total uint64
	for i := range h.buckets {
		counts[i] = h.buckets[i].Load()
		total += counts[i]
	}
	if total == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(total)))
	var seen uint64
	for i, c := range counts {
		seen += c
		if seen >= rank {
			return time.Duration(uint64(1)<<i) * time.Microsecond
		}
	}
	return 0
}

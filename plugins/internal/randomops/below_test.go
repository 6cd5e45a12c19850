package randomops

import (
	"math/bits"
	"math/rand/v2"
	"testing"
)

// TestBelowIsUniform draws from a seeded stream, so its counts are the same
// on every run: the bounds cannot flake. It calls the sampler directly; the
// operations' tests cover the wire.
func TestBelowIsUniform(t *testing.T) {
	t.Parallel()
	r := rand.NewChaCha8(StreamKey(11, [16]byte{}))
	cases := []struct {
		name string
		n    uint64
	}{
		{"three", 3},
		{"six", 6},
		// Three quarters of 2^64: a quarter of the raw draws are rejected, and
		// a plain modulo would make the lower third twice as likely.
		{"three quarters of 2^64", 3 << 62},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			const buckets, draws = 3, 30000
			var counts [buckets]int
			for range draws {
				x := below(r, tc.n)
				if x >= tc.n {
					t.Fatalf("below(%d) = %d", tc.n, x)
				}
				// Bucket by position in [0, n) (each n divides into three equal
				// parts), so that a bias towards low values shows.
				hi, lo := bits.Mul64(x, buckets)
				b, _ := bits.Div64(hi, lo, tc.n)
				counts[b]++
			}
			for i, c := range counts {
				if c < draws/buckets*95/100 || c > draws/buckets*105/100 {
					t.Fatalf("bucket %d got %d of %d draws: %v", i, c, draws, counts)
				}
			}
		})
	}
}

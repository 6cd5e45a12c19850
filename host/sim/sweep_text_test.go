package sim

import (
	"strings"
	"testing"
	"time"
)

// TestReproduceCommand: the seed, its bundle, the flags that shape the
// outcome, each argument quoted only when a shell needs it.
func TestReproduceCommand(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		file        string
		decide      []string
		granularity string
		want        string
	}{
		{"examples/sim/deployment.hcl", nil, "full",
			"aura-host simulate examples/sim/deployment.hcl --seed 7 --record seed-7.jsonl"},
		{"my dir/d.hcl", []string{"Guardian[*]=Approve", "A=B"}, "topology_only",
			"aura-host simulate 'my dir/d.hcl' --seed 7 --record seed-7.jsonl --decide 'Guardian[*]=Approve' --decide A=B --granularity topology_only"},
		{"it's.hcl", nil, "", `aura-host simulate 'it'\''s.hcl' --seed 7 --record seed-7.jsonl`},
	} {
		if got := ReproduceCommand(c.file, 7, c.decide, c.granularity); got != c.want {
			t.Errorf("got  %s\nwant %s", got, c.want)
		}
	}
	if got := shellQuote(""); got != "''" {
		t.Errorf("shellQuote(\"\") = %s", got)
	}
}

// TestProgress: a line every progressSeeds seeds or progressEvery, none
// once every seed is done.
func TestProgress(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := NewProgress(&b, 25)
	p.now = func() time.Time { return clock }
	p.start, p.lastLine = clock, clock
	rep := &SweepReport{}
	for i := 1; i <= 25; i++ {
		rep.Simulated = uint64(i)
		if i == 3 {
			rep.Failed = 1
		}
		if i == 13 {
			clock = clock.Add(3 * time.Second) // a slow seed: a line before ten more
		} else {
			clock = clock.Add(time.Millisecond)
		}
		p.Seed(rep)
	}
	want := "simulate: 10 of 25 seeds, 1 failed, 10ms\nsimulate: 13 of 25 seeds, 1 failed, 3.012s\nsimulate: 23 of 25 seeds, 1 failed, 3.022s\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

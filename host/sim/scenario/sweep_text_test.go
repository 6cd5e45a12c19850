package scenario

import (
	"testing"
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

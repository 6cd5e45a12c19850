package scenario

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/aurahost/aura-host/host/sim"
)

// WriteSweepStart prints the line a sweep of the seeds r begins with,
// parallel seeds at a time, and where the seeds keep their state.
func (sc *Scenario) WriteSweepStart(w io.Writer, r SeedRange, parallel int) {
	root := sc.StateRoot
	if root == "" {
		root = sim.MemoryTempDir()
	}
	fmt.Fprintf(w, "sweeping seeds %s of deployment %q (%s): %s, %d at a time; state under %s\n",
		r, sc.Deployment.Name, sc.File, Plural(len(sc.Deployment.Runs), "run"), parallel, root)
}

// ReproduceCommand is the one `aura-host simulate` command that reruns
// seed of the deployment in file alone and records its bundle: the flags
// that shape the outcome (decide, a granularity other than full) are
// carried over, each argument quoted for a POSIX shell when it needs it.
func ReproduceCommand(file string, seed uint64, decide []string, granularity string) string {
	return command(file, seed, nil, fmt.Sprintf("seed-%d.jsonl", seed), decide, granularity)
}

// ShrunkCommand is ReproduceCommand for a shrunk schedule: seed replayed
// with the fault file faults as its whole schedule (--faults), recording
// the bundle the shrinker's last simulation made.
func ShrunkCommand(file string, seed uint64, faults string, decide []string, granularity string) string {
	return command(file, seed, []string{"--faults", shellQuote(faults)}, fmt.Sprintf("shrunk-%d.jsonl", seed), decide, granularity)
}

func command(file string, seed uint64, extra []string, record string, decide []string, granularity string) string {
	args := append([]string{"aura-host", "simulate", shellQuote(file), "--seed", strconv.FormatUint(seed, 10)}, extra...)
	args = append(args, "--record", record)
	for _, d := range decide {
		args = append(args, "--decide", shellQuote(d))
	}
	if granularity != "" && granularity != "full" {
		args = append(args, "--granularity", shellQuote(granularity))
	}
	return strings.Join(args, " ")
}

// shellQuote quotes s for a POSIX shell when it needs it, so that a
// printed command can be pasted as it is.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,+@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

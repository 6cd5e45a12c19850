package sim

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// WriteSweepStart prints the line a sweep of the seeds r begins with,
// parallel seeds at a time.
func (sc *Scenario) WriteSweepStart(w io.Writer, r SeedRange, parallel int) {
	fmt.Fprintf(w, "sweeping seeds %s of deployment %q (%s): %s, %d at a time\n", r, sc.Deployment.Name, sc.File, Plural(len(sc.Deployment.Runs), "run"), parallel)
}

// ReproduceCommand is the one `aura-host simulate` command that reruns
// seed of the deployment in file alone and records its bundle: the flags
// that shape the outcome (decide, a granularity other than full) are
// carried over, each argument quoted for a POSIX shell when it needs it.
func ReproduceCommand(file string, seed uint64, decide []string, granularity string) string {
	args := []string{"aura-host", "simulate", shellQuote(file), "--seed", strconv.FormatUint(seed, 10),
		"--record", fmt.Sprintf("seed-%d.jsonl", seed)}
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

// Progress lines of a sweep: one every progressSeeds seeds, or sooner when
// progressEvery has passed since the last, so a slow sweep is visibly alive.
const (
	progressSeeds = 10
	progressEvery = 2 * time.Second
)

// Progress prints a sweep's progress lines ("simulate: 10 of 200 seeds, 1
// failed, 1.2s"): call Seed after each seed is reported.
type Progress struct {
	w         io.Writer
	total     uint64
	start     time.Time
	lastLine  time.Time
	sinceLine int
	now       func() time.Time
}

// NewProgress starts the progress of a sweep of total seeds, printed on w.
func NewProgress(w io.Writer, total uint64) *Progress {
	p := &Progress{w: w, total: total, now: time.Now}
	p.start = p.now()
	p.lastLine = p.start
	return p
}

// Seed notes one more seed reported in rep, printing a line every
// progressSeeds seeds or progressEvery, but none after the last seed.
func (p *Progress) Seed(rep *SweepReport) {
	p.sinceLine++
	now := p.now()
	if rep.Simulated < p.total && (p.sinceLine >= progressSeeds || now.Sub(p.lastLine) >= progressEvery) {
		fmt.Fprintf(p.w, "simulate: %d of %d seeds, %d failed, %s\n", rep.Simulated, p.total, rep.Failed, now.Sub(p.start).Round(time.Millisecond))
		p.lastLine, p.sinceLine = p.now(), 0
	}
}

package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/spf13/pflag"

	"github.com/aurahost/aura-host/internal/progress"
)

// progressDelay is how long work lasts before its progress line is drawn
// (--progress auto): a sweep or run that ends sooner prints nothing of it.
const progressDelay = time.Second

// progressMode is the --progress flag of the commands that can take long.
type progressMode string

const progressHelp = "a progress line on stderr: auto (when stderr is a terminal and the work lasts over a second), always (at once and at every update, terminal or not), or never"

func addProgressFlag(fl *pflag.FlagSet) *progressMode {
	m := progressMode("auto")
	fl.Var(&m, "progress", progressHelp)
	return &m
}

func (m *progressMode) String() string { return string(*m) }

func (m *progressMode) Type() string { return "auto|always|never" }

func (m *progressMode) Set(s string) error {
	switch s {
	case "auto", "always", "never":
		*m = progressMode(s)
		return nil
	}
	return fmt.Errorf("want auto, always or never")
}

// draws says whether the progress line is drawn on w: always, never, or
// (auto) when w is a terminal that can move its cursor.
func (m *progressMode) draws(w io.Writer) bool {
	switch *m {
	case "always":
		return true
	case "never":
		return false
	}
	f, ok := w.(*os.File)
	return ok && isatty.IsTerminal(f.Fd()) && os.Getenv("TERM") != "dumb"
}

// config sets how soon and how often the line is drawn: with always, at
// once and at every update (so even a short sweep shows its counts);
// otherwise after progressDelay, so short work prints nothing, and at
// most every progress.DefaultEvery.
func (m *progressMode) config(cfg progress.Config, w io.Writer) progress.Config {
	cfg.Terminal = m.draws(w)
	if *m == "always" {
		cfg.Delay, cfg.Every = 0, -1
	} else {
		cfg.Delay = progressDelay
	}
	return cfg
}

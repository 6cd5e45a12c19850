package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/aurahost/aura-host/host/session"
	"github.com/aurahost/aura-host/host/tracing"
	"github.com/aurahost/aura-host/internal/progress"
	"github.com/aurahost/aura-host/vm"
	"github.com/aurahost/aura-host/vm/policy"
)

// protocolRunFlags are the flags of `protocol run`.
type protocolRunFlags struct {
	deployment  string
	record      string
	seed        uint64
	granularity string
	protocol    string
	scheduler   string
	decide      []string
	timeout     time.Duration
	asJSON      bool
	as          string
	mode        *modeValue
	progress    *progressMode
}

func newProtocolRunCommand(g *globals) *cobra.Command {
	f := &protocolRunFlags{}
	cmd := &cobra.Command{
		Use:   "run FILE --deployment D",
		Short: "Run every role of a protocol against a deployment's plugins",
		Long: `Start the deployment's plugins, run one session of the protocol with every
role in one machine, print the outcome and stop the plugins.

Every invoke in the protocol goes through the host's router to the plugin
that serves the operation, exactly as ` + "`aura-host invoke`" + ` does: in a
deployment with agent blocks, as one agent (--as, default the only one)
and through its guard chain, so an operation the agent is not allowed
faults the session (denied). What the protocol leaves to the host — the
branch of a choice without a decide rule, a host() payload, random bytes,
the time — is derived from --seed, so a run is reproducible. In the testing
and simulation modes --seed also replaces the deployment's seed, from which
the plugins draw their own randomness (keys, nonces); in production mode
they use the OS, and two runs differ.

Only the outcome and errors are printed; -v (or --log-level info) adds the
log: the plugins starting and stopping, each role's end.

The outcome lists each role — done, faulted, or stopped when another role
faulted — with its final bindings (long values abbreviated, private keys
and nonces hidden; --json prints them in full), then the steps the session
took, and the trace's hash. The exit status is 1 if the session faulted
(the fault is printed with the protocol step where it happened) or the
deployment did not start.

On a terminal, a run that lasts over a second draws a progress line on
stderr (the machine's step, steps per second, time elapsed, host calls
and the latest), redrawn in place and erased at the end; piped, it prints
none (--progress).

--record writes the trace as JSON Lines; ` + "`aura-host trace replay`" + ` replays it
without any plugin and ` + "`aura-host trace diff`" + ` compares two of them.

` + modeHelp + `

To run a protocol across several agents, each role bound to an agent, over
a simulated network with faults, declare a run block in the deployment and
use ` + "`aura-host simulate`" + `.`,
		Example: `  aura-host protocol run examples/protocols/guardian_recovery.hcl \
      --deployment examples/protocols/deployment/deployment.hcl --record recovery.jsonl
  aura-host protocol run examples/protocols/two_phase_commit.hcl \
      --deployment examples/protocols/deployment/deployment.hcl --seed 7 --decide 'Participant[*]=Yes'
  aura-host protocol run examples/protocols/ping_pong.hcl -d examples/protocols/deployment/deployment.hcl --json
  aura-host protocol run examples/protocols/ping_pong.hcl -d examples/protocols/deployment/deployment.hcl --mode testing`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runProtocol(cmd, g, f, args[0])
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.deployment, "deployment", "d", "", "the deployment whose plugins serve the protocol's invokes (required), e.g. examples/protocols/deployment/deployment.hcl")
	fl.StringVar(&f.record, "record", "", "write the session's trace to this file as JSON Lines")
	fl.Uint64Var(&f.seed, "seed", 0, "seed of the host's choices, payloads, random bytes and clock, and in testing and simulation modes of the plugins (default: the deployment's seed)")
	fl.StringVar(&f.granularity, "granularity", string(policy.Full), "how much the trace captures: full (replayable), topology_only (who sent which label to whom, and decisions) or disabled")
	fl.StringVar(&f.protocol, "protocol", "", "the protocol to run, in a file that holds several")
	fl.StringVar(&f.scheduler, "scheduler", "", "round_robin, priority_aging or progress_aware (default: the protocol's, else the platform's rule)")
	fl.StringArrayVar(&f.decide, "decide", nil, "ROLE=LABEL: the branch ROLE takes at choices left to the host that offer LABEL; ROLE may be a family, Guardian[*] (repeatable; default: chosen by the seed)")
	fl.DurationVar(&f.timeout, "timeout", 5*time.Minute, "end the session with a Timeout fault if it has not finished by then")
	fl.BoolVar(&f.asJSON, "json", false, "print the outcome as JSON, with every binding in full in the JSON value form")
	fl.StringVar(&f.as, "as", "", "the agent whose guard chain every invoke passes (default: the deployment's only agent; a deployment without agent blocks has none)")
	f.mode = addModeFlag(fl)
	f.progress = addProgressFlag(fl)
	return cmd
}

func runProtocol(cmd *cobra.Command, g *globals, f *protocolRunFlags, file string) error {
	if f.deployment == "" {
		return errors.New("--deployment is required: the deployment whose plugins serve the protocol's invokes, e.g. --deployment examples/protocols/deployment/deployment.hcl")
	}
	src, err := session.ReadProtocol(file, g.maxFileSize)
	if err != nil {
		return err
	}
	p, prog, files, diags := session.Compile(src, file, f.protocol)
	if err := printDiagnostics(files, diags); err != nil {
		return err
	}
	cfg := session.Config{File: file, DeploymentFile: f.deployment, Protocol: p, Program: prog, Timeout: f.timeout, As: f.as}
	if cfg.Granularity, err = policy.ParseGranularity(f.granularity); err != nil {
		return fmt.Errorf("--granularity: %w", err)
	}
	if f.record != "" && cfg.Granularity == policy.Disabled {
		return errors.New("--record needs a trace: drop --granularity disabled (full records a replayable trace)")
	}
	if f.scheduler != "" {
		if cfg.Scheduler, err = policy.ParseScheduler(f.scheduler); err != nil {
			return fmt.Errorf("--scheduler: %w", err)
		}
	}
	if cfg.Rules, err = parseDecideFlags(f.decide, prog); err != nil {
		return err
	}
	bar := progress.New(stderr, f.progress.config(progress.Config{Label: "protocol run", Unit: "steps"}, stderr))
	if bar.Active() {
		cfg.Watch = func(ctx context.Context, poll func() session.Progress) {
			counts := func() progress.Counts {
				p := poll()
				return progress.Counts{Done: p.Step, Note: fmt.Sprintf("%d host calls, last %s", p.Calls, p.Last)}
			}
			t := time.NewTicker(progress.DefaultEvery)
			defer t.Stop()
			bar.Update(counts()) // drawn at once with --progress always
			bar.Run(ctx, t.C, counts)
			bar.Finish()
		}
	}
	if cfg.Logger, err = g.logger(bar.Wrap(stderr), true); err != nil {
		return err
	}
	dep, err := loadDeployment(g, f.deployment, f.mode)
	if err != nil {
		return err
	}
	if cmd.Flags().Changed("seed") {
		dep = dep.WithSeed(f.seed)
	}
	cfg.Deployment = dep
	if f.record != "" && !dep.Mode.Deterministic() {
		cfg.Logger.Warn("the plugins draw randomness from the OS in production mode, so recordings of the same seed differ; set mode = \"testing\" for reproducible ones",
			"deployment", f.deployment)
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Standard output is the outcome (--json parses it): spans go to
	// standard error, with the log.
	tp, err := tracing.StartDeployment(ctx, dep, tracing.Options{Stdout: stderr})
	if err != nil {
		return err
	}
	defer shutdown(tp.Shutdown, cfg.Logger)
	cfg.TracerProvider = tp.TracerProvider()
	out, err := session.Run(ctx, cfg)
	if err != nil {
		return reportHostError(dep, err)
	}
	if f.record != "" {
		if err := out.Record(f.record); err != nil {
			return fmt.Errorf("--record: %w", err)
		}
		cfg.Logger.Info("trace recorded", "file", f.record, "entries", out.TraceEntries)
	}
	if err := writeAs(cmd.OutOrStdout(), f.asJSON, out, out.WriteText); err != nil {
		return err
	}
	if out.Faulted != nil {
		writeDiagnostic(session.FaultDiagnostic(out.Faulted, files), files)
		return &exitError{code: 1}
	}
	return nil
}

// parseDecideFlags reads the --decide flags (session.ParseRules).
func parseDecideFlags(flags []string, progs ...*vm.Program) ([]session.Rule, error) {
	rules, err := session.ParseRules(flags, progs...)
	return rules, decideError(err)
}

// decideError names the --decide flag a *session.RuleError is about.
func decideError(err error) error {
	var re *session.RuleError
	if errors.As(err, &re) {
		return fmt.Errorf("--decide %q: %s", re.Text, re.Reason)
	}
	return err
}

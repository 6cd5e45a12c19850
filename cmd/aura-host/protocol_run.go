package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/vm"
	"github.com/aurahost/aura-host/vm/policy"
	"github.com/aurahost/aura-host/vm/syntax"
	"github.com/aurahost/aura-host/vm/trace"
)

// progressInterval is how often a running session logs how far it is.
const progressInterval = 2 * time.Second

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
	mode        *modeValue
}

func newProtocolRunCommand(g *globals) *cobra.Command {
	f := &protocolRunFlags{}
	cmd := &cobra.Command{
		Use:   "run FILE --deployment D",
		Short: "Run every role of a protocol against a deployment's plugins",
		Long: `Start the deployment's plugins, run one session of the protocol with every
role in one machine, print the outcome and stop the plugins.

Every invoke in the protocol goes through the host's router to the plugin
that serves the operation, exactly as ` + "`aura-host invoke`" + ` does. What the
protocol leaves to the host — the branch of a choice without a decide
rule, a host() payload, random bytes, the time — is derived from --seed,
so a run is reproducible. In the testing and simulation modes --seed also
replaces the deployment's seed, from which the plugins draw their own
randomness (keys, nonces); in production mode they use the OS, and two
runs differ.

The outcome lists each role — done, faulted, or stopped when another role
faulted — with its final bindings (long values abbreviated, private keys
and nonces hidden; --json prints them in full), then the steps the session
took, and the trace's hash. The exit status is 1 if the session faulted
(the fault is printed with the protocol step where it happened) or the
deployment did not start.

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
	f.mode = addModeFlag(fl)
	return cmd
}

func runProtocol(cmd *cobra.Command, g *globals, f *protocolRunFlags, file string) error {
	if f.deployment == "" {
		return errors.New("--deployment is required: the deployment whose plugins serve the protocol's invokes, e.g. --deployment examples/protocols/deployment/deployment.hcl")
	}
	src, err := readProtocolFile(file)
	if err != nil {
		return err
	}
	p, prog, files, diags := compileProtocol(src, file, f.protocol)
	if len(diags) > 0 {
		_ = config.WriteDiagnostics(stderr, files, diags, colorful(stderr))
	}
	if diags.HasErrors() {
		return &exitError{code: 1}
	}
	gran, err := policy.ParseGranularity(f.granularity)
	if err != nil {
		return fmt.Errorf("--granularity: %w", err)
	}
	if f.record != "" && gran == policy.Disabled {
		return errors.New("--record needs a trace: drop --granularity disabled (full records a replayable trace)")
	}
	var sched policy.Scheduler
	if f.scheduler != "" {
		if sched, err = policy.ParseScheduler(f.scheduler); err != nil {
			return fmt.Errorf("--scheduler: %w", err)
		}
	}
	rules, err := parseDecideRules(f.decide, prog)
	if err != nil {
		return err
	}

	logger, err := g.logger(stderr, false)
	if err != nil {
		return err
	}
	dep, err := loadDeployment(f.deployment)
	if err != nil {
		return err
	}
	dep = f.mode.apply(dep)
	seed := dep.Seed
	if cmd.Flags().Changed("seed") {
		seed = f.seed
		seeded := *dep
		seeded.Seed = seed
		dep = &seeded
	}
	if f.record != "" && !dep.Mode.Deterministic() {
		logger.Warn("the plugins draw randomness from the OS in production mode, so recordings of the same seed differ; set mode = \"testing\" for reproducible ones",
			"deployment", f.deployment)
	}
	h, err := host.New(host.Config{Deployment: dep, Logger: logger})
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger.Info("starting deployment", "deployment", dep.Name, "mode", dep.Mode, "plugins", len(dep.Plugins))
	if err := h.Start(ctx); err != nil {
		return reportHostError(dep, err)
	}
	defer shutdown(h, logger)

	sh := &sessionHost{
		inner: vm.NewRegistryEffects(vm.RegistryEffectsConfig{Registry: h.Registry(), Handler: h.Router(), Seed: seed}),
		rules: rules,
	}
	cfg := vm.Config{
		Effects:     sh,
		Session:     effects.DeriveSessionID(p.Name, seed),
		Authority:   h.Authority(),
		Scheduler:   sched,
		Granularity: gran,
		Seed:        seed,
	}
	budget, _ := stepBudget(p, prog)
	logger.Info("running protocol", "protocol", p.Name, "roles", len(p.Roles), "seed", seed, "session", cfg.Session, "budget", budget)

	runCtx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	stopProgress := make(chan struct{})
	progressDone := make(chan struct{})
	go func() {
		defer close(progressDone)
		sh.reportProgress(stopProgress, progressInterval, budget, logger)
	}()
	m, runErr := vm.RunSession(runCtx, prog, cfg)
	close(stopProgress)
	<-progressDone
	if m == nil {
		return fmt.Errorf("run %s: %w", file, runErr)
	}
	var fault *vm.Fault
	if runErr != nil && !errors.As(runErr, &fault) {
		return fmt.Errorf("run %s: %w", file, runErr)
	}

	out := newRunOutcome(file, f.deployment, dep, p, prog, m, fault, sh)
	for _, r := range out.Roles {
		logger.Info("role finished", "role", r.Role, "status", r.Status, "trace_entries", r.Entries)
	}
	if f.record != "" {
		if err := writeTrace(f.record, m.Trace()); err != nil {
			return err
		}
		out.Recorded = f.record
		logger.Info("trace recorded", "file", f.record, "entries", out.TraceEntries)
	}
	if f.asJSON {
		if err := out.writeJSON(cmd.OutOrStdout()); err != nil {
			return err
		}
	} else {
		out.writeText(cmd.OutOrStdout())
	}
	if fault != nil {
		reportFault(fault, files)
		return &exitError{code: 1}
	}
	return nil
}

// stepBudget is the budget a session of p gets by default (the machine
// computes the same when it starts), and the step multiplier it applies.
func stepBudget(p *syntax.Protocol, prog *vm.Program) (budget uint64, multiplier int) {
	exec, _ := policy.LookupExecution(p.Policy)
	mult := p.StepMultiplier
	if mult == 0 {
		mult = exec.StepMultiplier
	}
	if mult == 0 {
		mult = policy.DefaultStepMultiplier
	}
	depths := make([]int, len(prog.Roles))
	for i, rc := range prog.Roles {
		depths[i] = rc.Depth
	}
	return vm.Budget(depths, 0, mult), mult
}

// writeTrace writes a trace as JSON Lines, whole or not at all.
func writeTrace(path string, t *trace.Trace) error {
	if t == nil {
		return fmt.Errorf("--record %s: the session recorded no trace", path)
	}
	if err := writeFileAtomic(path, t.WriteJSONL); err != nil {
		return fmt.Errorf("--record: %w", err)
	}
	return nil
}

// writeFileAtomic writes a file whole or not at all: write goes to a
// temporary file beside path that is renamed over it once complete.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing left to remove
	if err := write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return os.Rename(tmp.Name(), path)
}

package builtin

import (
	"context"
	"fmt"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/reactive"
)

// ReactiveKind is the kind of the reactive pipeline's service blocks:
//
//	service "signals" {
//	  builtin = "reactive"
//	  config {
//	    signals = [{ name = "invites", source = { predicate = "invitation.created" }, reduce = "count" }]
//	  }
//	}
const ReactiveKind = "reactive"

// reactiveKind hosts host/reactive: a Router observer hands the pipeline
// every successful journal call that commits facts (append_fact,
// merge_facts, merge_signed) with its arguments and result, so the facts
// reach it without being read back; the pipeline reads the journal through
// the agent's Invoke only to start a source signal from the facts already
// committed. The guard chain's own journal facts, appended beneath the
// Router, are shown to its observers too.
func reactiveKind() ServiceKind {
	return ServiceKind{
		Kind: ReactiveKind,
		Doc: "The reactive pipeline: signals kept up to date from the facts the agent's journal commits " +
			"(reduced in batches: a 5 ms window, or at once at 1,000 facts), application signals set by " +
			"reactive.emit, and signals derived from others (map, combine, filter). reactive.read, list and " +
			"register serve them; `aura-host watch FILE SIGNAL` prints one live, and Go callers subscribe " +
			"(agent.Agent.Subscribe). " + effects.ReactiveDefinitionDoc + ".",
		Config: []effects.ConfigField{
			{Name: "window_ms", Kind: effects.KindInt, Default: effects.Int(int64(reactive.DefaultWindow / time.Millisecond)),
				Doc: "how long the first fact of a batch waits for others, 1 to 1000 ms (a latency bound, on the machine's clock in every mode)"},
			{Name: "flush_at", Kind: effects.KindInt, Default: effects.Int(reactive.DefaultFlushAt),
				Doc: "reduce a batch at once when this many facts wait, 1 to 100000"},
			{Name: "max_pending", Kind: effects.KindInt, Default: effects.Int(reactive.DefaultMaxPending),
				Doc: "facts waiting past this are dropped and the signals resynchronised from the journal (the service is degraded meanwhile); at least flush_at"},
			{Name: "signals", Kind: effects.KindList, Default: effects.List(),
				Doc: "signals registered when the service starts, in order, each a definition as reactive.register takes it"},
		},
		Ops:          effects.ReactiveOps(),
		Dependencies: []string{"journal"},
		New:          newReactiveService,
	}
}

// ReactiveService is the pipeline with the signals its config block
// declares, registered on Start.
type ReactiveService struct {
	*reactive.Pipeline
	declared []reactive.Definition
}

func newReactiveService(env ServiceEnv) (HostedService, error) {
	cfg, declared, err := reactiveConfig(env)
	if err != nil {
		return nil, err
	}
	p, err := reactive.New(cfg)
	if err != nil {
		return nil, err
	}
	env.Agent.Router().Observe(func(call *effects.Call, result effects.Value, err error, _ time.Duration) {
		if err == nil && reactive.Commits(call.Op) {
			p.Offer(reactive.Commit{Op: call.Op, Args: call.Args, Result: result})
		}
	})
	return &ReactiveService{Pipeline: p, declared: declared}, nil
}

func reactiveConfig(env ServiceEnv) (reactive.Config, []reactive.Definition, error) {
	setting := func(name string, lo, hi int64) (int, error) {
		v, _ := env.Settings.Get(name)
		n, ok := v.AsInt()
		if !ok || n < lo || n > hi {
			return 0, fmt.Errorf("config %s = %v: must be an int from %d to %d", name, v, lo, hi)
		}
		return int(n), nil
	}
	window, err := setting("window_ms", 1, 1000)
	if err != nil {
		return reactive.Config{}, nil, err
	}
	flushAt, err := setting("flush_at", 1, 100_000)
	if err != nil {
		return reactive.Config{}, nil, err
	}
	maxPending, err := setting("max_pending", int64(flushAt), 10_000_000)
	if err != nil {
		return reactive.Config{}, nil, err
	}
	list, _ := env.Settings.Get("signals")
	var declared []reactive.Definition
	for i, v := range list.Items() {
		d, err := reactive.ParseDefinition(v)
		if err != nil {
			return reactive.Config{}, nil, fmt.Errorf("config signals[%d]: %w", i, err)
		}
		declared = append(declared, d)
	}
	agent := env.Agent
	return reactive.Config{
		Name: env.Name,
		Journal: func(ctx context.Context, op effects.OpID, args effects.Value) (effects.Value, error) {
			return agent.Invoke(ctx, op, args)
		},
		Window:     time.Duration(window) * time.Millisecond,
		FlushAt:    flushAt,
		MaxPending: maxPending,
	}, declared, nil
}

// Start starts the pipeline and registers the declared signals, each from
// the facts already in the journal.
func (s *ReactiveService) Start(ctx context.Context) error {
	if err := s.Pipeline.Start(ctx); err != nil {
		return err
	}
	for _, d := range s.declared {
		if _, err := s.Register(ctx, d, false); err != nil {
			return fmt.Errorf("signal %s: %w", d.Name, err)
		}
	}
	return nil
}

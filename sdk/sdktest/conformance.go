package sdktest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/sdk/conformance"
)

// answerTimeout bounds every conformance call: a plugin that does not
// answer in this long fails the check instead of hanging the test.
const answerTimeout = 10 * time.Second

// Conformance runs the conformance suite of sdk/conformance — the one
// `aura-host plugin conformance` runs against a plugin process — against p
// served in process, one subtest per check (a skipped check is a skipped
// subtest). Among them:
//
//   - every declared operation answers a valid call within 10 s (with a
//     value of its declared result kind, or a typed error other than
//     unknown_op, invalid_args, unavailable or timeout);
//   - an undeclared operation is unknown_op;
//   - a missing argument, an argument of the wrong kind and an undeclared
//     argument are each invalid_args;
//   - calls multiplexed on one stream come back under their own call IDs;
//   - a call past its deadline is answered timeout, a cancelled one is
//     answered; a value at effects.MaxDepth is accepted through a
//     parameter of kind any and one deeper is invalid_args.
//
// Besides, cancellation must reach the handler's context: the first
// operation's handler is wrapped so that a call in a probe session blocks
// until its context ends, and serves as the suite's blocking call unless
// WithBlockingCall names one.
//
// Valid arguments are WithSample's, or else zero values of each required
// parameter's kind; give samples for operations that reject zero values.
func Conformance(t *testing.T, p *sdk.Plugin, opts ...Option) {
	t.Helper()
	o := collect(t, opts)
	if err := p.Validate(); err != nil {
		t.Fatalf("invalid plugin declaration: %v", err)
	}
	probe := &probeLog{}
	cfg := conformance.Config{Config: o.req.Config, Mode: o.req.Mode, Seed: o.req.Seed, Authority: o.req.Authority,
		StateDir: o.req.StateDir, Host: o.host, Samples: o.samples, Timeout: answerTimeout}
	switch {
	case o.block != nil:
		cfg.Blocking = &effects.Call{Op: o.block.op, Args: o.block.args}
	case len(p.Operations) > 0:
		first := p.Operations[0].Spec
		cfg.Blocking = &effects.Call{Op: first.ID, Args: cfg.ValidArgs(first), Session: probeSession}
	}
	report := conformance.Run(context.Background(), inProcess{t: t, p: withCancellationProbe(p, probe), logger: o.logger}, cfg)
	for _, c := range report.Checks {
		t.Run(c.Name, func(t *testing.T) {
			switch c.Status {
			case conformance.Fail:
				t.Fatal(c.Reason)
			case conformance.Skip:
				t.Skip(c.Reason)
			}
		})
	}
	if o.block == nil && len(p.Operations) > 0 {
		t.Run("cancellation_reaches_handler", func(t *testing.T) { probe.check(t) })
	}
}

// inProcess serves a plugin in this process over real gRPC (serveInProcess):
// the suite's target for a Go plugin value.
type inProcess struct {
	t      *testing.T
	p      *sdk.Plugin
	logger hclog.Logger
}

func (ip inProcess) Launch(context.Context) (*conformance.Instance, error) {
	rpc, stop, err := serveInProcess(ip.p, ip.logger)
	if err != nil {
		return nil, err
	}
	client, err := sdk.Dispense(rpc, ip.p.Name)
	if err != nil {
		stop()
		return nil, err
	}
	var once sync.Once
	return &conformance.Instance{Client: client, InProcess: true, Close: func() { once.Do(stop) }}, nil
}

// probeSession marks the calls whose handler is replaced by the
// cancellation probe.
var probeSession = effects.DeriveSessionID("sdktest cancellation probe", 0)

// probeLog keeps the contexts the probe's handler ran under.
type probeLog struct {
	mu   sync.Mutex
	ctxs []context.Context
}

// check says whether cancellation crossed the wire into the handler: each
// probe call the suite made was cancelled or ran out its deadline and was
// answered, which the handler does only once its context has ended.
func (l *probeLog) check(t *testing.T) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.ctxs) == 0 {
		t.Fatal("no probe call reached the handler")
	}
	for i, ctx := range l.ctxs {
		if ctx.Err() == nil {
			t.Fatalf("probe call %d: the handler's context is still live after the call was answered", i)
		}
	}
}

// withCancellationProbe wraps the first operation so that a call in the
// probe session records its context and waits for it to end.
func withCancellationProbe(p *sdk.Plugin, probe *probeLog) *sdk.Plugin {
	cp := *p
	cp.Operations = append([]sdk.Operation(nil), p.Operations...)
	if len(cp.Operations) == 0 {
		return &cp
	}
	inner := cp.Operations[0].Handle
	cp.Operations[0].Handle = func(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
		if c.Session != probeSession {
			return inner(ctx, c)
		}
		probe.mu.Lock()
		probe.ctxs = append(probe.ctxs, ctx)
		probe.mu.Unlock()
		<-ctx.Done()
		return sdk.Value{}, ctx.Err()
	}
	return &cp
}

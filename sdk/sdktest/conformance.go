package sdktest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
)

// answerTimeout bounds every conformance call: a plugin that does not
// answer in this long fails the check instead of hanging the test.
const answerTimeout = 10 * time.Second

// Conformance checks p against the contract every plugin must honour:
//
//   - every declared operation answers a valid call within 10 s (with a
//     value or a typed error other than unknown_op, invalid_args,
//     unavailable or timeout);
//   - an undeclared operation is unknown_op;
//   - a missing argument, an argument of the wrong kind and an undeclared
//     argument are each invalid_args;
//   - cancellation reaches the handler's context, and a call given by
//     WithBlockingCall returns cancelled once cancelled.
//
// Valid arguments are WithSample's, or else zero values of each required
// parameter's kind; give samples for operations that reject zero values.
func Conformance(t *testing.T, p *sdk.Plugin, opts ...Option) {
	t.Helper()
	o := collect(t, opts)
	probe := make(chan context.Context, 1)
	h := start(t, withCancellationProbe(p, probe), o)

	for _, spec := range h.Descriptor.Ops {
		args := o.validArgs(spec)
		t.Run("answers/"+string(spec.ID), func(t *testing.T) {
			if o.block != nil && o.block.op == spec.ID {
				t.Skip("declared blocking: checked by blocking_call_cancels")
			}
			_, err := invoke(h, spec.ID, args)
			for _, bad := range []*effects.Error{effects.ErrUnknownOp, effects.ErrInvalidArgs, effects.ErrUnavailable, effects.ErrTimeout} {
				if errors.Is(err, bad) {
					t.Fatalf("valid call got %v (give valid arguments with sdktest.WithSample if zero values are not)", err)
				}
			}
		})
		t.Run("invalid_args/"+string(spec.ID), func(t *testing.T) {
			for name, bad := range invalidArgs(spec, args) {
				if _, err := invoke(h, spec.ID, bad); !errors.Is(err, effects.ErrInvalidArgs) {
					t.Errorf("%s: got %v, want invalid_args", name, err)
				}
			}
		})
	}
	t.Run("unknown_op", func(t *testing.T) {
		if _, err := invoke(h, "conformance.no_such_operation", effects.Null()); !errors.Is(err, effects.ErrUnknownOp) {
			t.Fatalf("undeclared operation: got %v, want unknown_op", err)
		}
	})
	if len(h.Descriptor.Ops) > 0 {
		t.Run("cancellation_reaches_handler", func(t *testing.T) {
			checkCancellationProbe(t, h, h.Descriptor.Ops[0], o.validArgs(h.Descriptor.Ops[0]), probe)
		})
	}
	if o.block != nil {
		t.Run("blocking_call_cancels/"+string(o.block.op), func(t *testing.T) {
			checkBlockingCall(t, h, o.block)
		})
	}
}

func invoke(h *Harness, op effects.OpID, args effects.Value) (effects.Value, error) {
	ctx, cancel := context.WithTimeout(context.Background(), answerTimeout)
	defer cancel()
	return h.Invoke(ctx, op, args)
}

// probeSession marks the one call whose handler is replaced by the
// cancellation probe.
var probeSession = effects.DeriveSessionID("sdktest cancellation probe", 0)

// withCancellationProbe wraps the first operation so that a call in the
// probe session hands its context to the test and waits for it to end,
// proving cancellation crosses the wire into the handler.
func withCancellationProbe(p *sdk.Plugin, probe chan<- context.Context) *sdk.Plugin {
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
		probe <- ctx
		<-ctx.Done()
		return sdk.Value{}, ctx.Err()
	}
	return &cp
}

func checkCancellationProbe(t *testing.T, h *Harness, op effects.OpSpec, args effects.Value, probe <-chan context.Context) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := h.Stream.Invoke(ctx, &effects.Call{Op: op.ID, Args: args, Session: probeSession})
		done <- err
	}()
	var handlerCtx context.Context
	select {
	case handlerCtx = <-probe:
	case <-time.After(answerTimeout):
		t.Fatal("the probe call never reached the handler")
	}
	cancel()
	select {
	case <-handlerCtx.Done():
	case <-time.After(answerTimeout):
		t.Fatal("cancelling the caller did not cancel the handler's context")
	}
	if err := <-done; !errors.Is(err, effects.ErrCancelled) {
		t.Fatalf("cancelled call returned %v, want cancelled", err)
	}
}

func checkBlockingCall(t *testing.T, h *Harness, b *blockingCall) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := h.Invoke(ctx, b.op, b.args)
	if !errors.Is(err, effects.ErrTimeout) && !errors.Is(err, effects.ErrCancelled) {
		t.Fatalf("blocking call past its deadline returned %v, want timeout", err)
	}
	// The caller side returns at its deadline whatever the plugin does; the
	// plugin must also stop: a follow-up call must be answered.
	if _, err := invoke(h, "conformance.no_such_operation", effects.Null()); !errors.Is(err, effects.ErrUnknownOp) {
		t.Fatalf("plugin unresponsive after a cancelled call: %v", err)
	}
}

// validArgs returns the sample for an operation, or its zero arguments.
func (o *options) validArgs(spec effects.OpSpec) effects.Value {
	if args, ok := o.samples[spec.ID]; ok {
		return args
	}
	return zeroArgs(spec)
}

// zeroArgs builds a valid argument map from a schema: each required
// parameter with the zero value of its kind.
func zeroArgs(spec effects.OpSpec) effects.Value {
	m := map[string]effects.Value{}
	for _, p := range spec.Params {
		if !p.Optional {
			m[p.Name] = zeroOf(p.Kind)
		}
	}
	return effects.Map(m)
}

func zeroOf(k effects.Kind) effects.Value {
	switch k {
	case effects.KindBool:
		return effects.Bool(false)
	case effects.KindInt:
		return effects.Int(0)
	case effects.KindUint:
		return effects.Uint(0)
	case effects.KindString:
		return effects.String("")
	case effects.KindBytes:
		return effects.Bytes(nil)
	case effects.KindList:
		return effects.List()
	case effects.KindMap:
		return effects.Map(nil)
	}
	return effects.Null()
}

// wrongKind returns a value no schema slot of kind k accepts.
func wrongKind(k effects.Kind) effects.Value {
	if k == effects.KindBool {
		return effects.String("not a bool")
	}
	return effects.Bool(true)
}

// invalidArgs derives invalid variants of valid args: each required
// parameter missing, each parameter of the wrong kind, and one undeclared.
func invalidArgs(spec effects.OpSpec, valid effects.Value) map[string]effects.Value {
	out := map[string]effects.Value{}
	base := map[string]effects.Value{}
	for _, f := range valid.Fields() {
		base[f.Key] = f.Value
	}
	with := func(edit func(m map[string]effects.Value)) effects.Value {
		m := make(map[string]effects.Value, len(base)+1)
		for k, v := range base {
			m[k] = v
		}
		edit(m)
		return effects.Map(m)
	}
	for _, p := range spec.Params {
		if !p.Optional {
			out["missing "+p.Name] = with(func(m map[string]effects.Value) { delete(m, p.Name) })
		}
		if p.Kind != effects.KindAny {
			out["wrong kind for "+p.Name] = with(func(m map[string]effects.Value) { m[p.Name] = wrongKind(p.Kind) })
		}
	}
	out["undeclared argument"] = with(func(m map[string]effects.Value) { m["conformance_undeclared"] = effects.Null() })
	return out
}

package service_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/plugintest"
	"github.com/aurahost/aura-host/plugins/internal/service"
	"github.com/aurahost/aura-host/plugins/internal/servicetest"
	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/sdk/sdktest"
)

var args = plugintest.Args

// counter is the smallest service: counter.add journals counter.added {n},
// counter.total sums the added facts, counter.hold holds the turn until
// released.
type counter struct {
	rt       *service.Runtime
	total    int64
	entered  chan struct{}
	released chan struct{}
}

func newCounter() (*counter, *sdk.Plugin) {
	c := &counter{entered: make(chan struct{}, 1), released: make(chan struct{})}
	c.rt = service.New(service.Config{Name: "counter", Rebuild: func(ctx context.Context, fx *service.Effects) error {
		var total int64
		err := fx.Replay(ctx, service.Step{Predicate: "counter.added", Apply: func(f service.Fact) error {
			b := service.Read(f.Body, "counter.added fact")
			n := b.Int("n")
			total += n
			return b.Err()
		}})
		c.total = total
		return err
	}})
	p := &sdk.Plugin{
		Name: "counter", Version: "0.0.1", Configure: c.rt.Configure, Service: c.rt,
		Operations: []sdk.Operation{
			{Spec: sdk.OpSpec{ID: "counter.add", Params: []sdk.Param{{Name: "n", Kind: sdk.KindInt}}, Result: sdk.KindInt, Determinism: sdk.WritesWorld},
				Handle: c.rt.Op(func(ctx context.Context, fx *service.Effects, call *sdk.Call) (sdk.Value, error) {
					n, _ := call.Arg("n").AsInt()
					if _, err := fx.Append(ctx, service.Fact{Predicate: "counter.added", Time: 0, Body: args("n", sdk.Int(n), "seq", sdk.Int(c.total))}); err != nil {
						return sdk.Value{}, err
					}
					c.total += n
					return sdk.Int(c.total), nil
				})},
			{Spec: sdk.OpSpec{ID: "counter.total", Result: sdk.KindInt, Determinism: sdk.ReadsWorld},
				Handle: c.rt.Op(func(context.Context, *service.Effects, *sdk.Call) (sdk.Value, error) { return sdk.Int(c.total), nil })},
			{Spec: sdk.OpSpec{ID: "counter.hold", Result: sdk.KindNull, Determinism: sdk.ReadsWorld},
				Handle: c.rt.Op(func(context.Context, *service.Effects, *sdk.Call) (sdk.Value, error) {
					c.entered <- struct{}{}
					<-c.released
					return sdk.Null(), nil
				})},
		},
	}
	return c, p
}

func TestReplaySkipsMalformedFacts(t *testing.T) {
	t.Parallel()
	host := servicetest.NewHost(0)
	_, p := newCounter()
	hs := servicetest.Start(t, p, host)
	plugintest.Must(t, hs, "counter.add", args("n", sdk.Int(2)))
	plugintest.Must(t, hs, "counter.add", args("n", sdk.Int(3)))
	for _, body := range []sdk.Value{args("n", sdk.String("three")), args("m", sdk.Int(1))} {
		bad := service.Fact{Predicate: "counter.added", Body: body}
		if _, err := host.Invoke(context.Background(), &sdk.Call{Op: effects.JournalAppendFact, Args: args("fact", bad.Value(sdk.AuthorityID{}))}); err != nil {
			t.Fatal(err)
		}
	}
	_, p2 := newCounter()
	restarted := servicetest.Start(t, p2, host)
	if got := plugintest.Must(t, restarted, "counter.total", sdk.Null()); !got.Equal(sdk.Int(5)) {
		t.Fatalf("total after replaying two good and two malformed facts = %v, want 5", got)
	}
}

func TestDecodeFact(t *testing.T) {
	t.Parallel()
	fact := args("type", sdk.String("x"), "authority", sdk.Bytes([]byte{1}), "time", sdk.Int(7), "predicate", sdk.String("x.y"), "body", args("k", sdk.Int(1)))
	for name, item := range map[string]sdk.Value{
		"the fact":        fact,
		"a record of it":  args("id", sdk.Bytes([]byte{9}), "fact", fact),
		"with its own id": sdk.Map(map[string]sdk.Value{"id": sdk.Bytes([]byte{9}), "type": sdk.String("x"), "time": sdk.Int(7), "predicate": sdk.String("x.y"), "body": args("k", sdk.Int(1))}),
	} {
		f, err := service.DecodeFact(item)
		if err != nil || f.Predicate != "x.y" || f.Time != 7 || !f.Body.Equal(args("k", sdk.Int(1))) {
			t.Errorf("%s: DecodeFact = %+v, %v", name, f, err)
		}
	}
	for name, item := range map[string]sdk.Value{
		"not a map":    sdk.String("fact"),
		"no predicate": args("body", args()),
		"no body":      args("predicate", sdk.String("x.y")),
		"body not map": args("predicate", sdk.String("x.y"), "body", sdk.Int(1)),
	} {
		if _, err := service.DecodeFact(item); err == nil {
			t.Errorf("%s: DecodeFact accepted %v", name, item)
		}
	}
	if got := (service.Fact{Predicate: "invitation.accepted"}).Type(); got != "invitation" {
		t.Errorf("Type() = %q, want invitation", got)
	}
}

// TestDependencyErrors checks how a failure of a called effect reaches the
// service's caller: a missing plugin is unavailable, a rejected request is
// internal (it was the service's request, not the caller's).
func TestDependencyErrors(t *testing.T) {
	t.Parallel()
	_, p := newCounter()
	hs := sdktest.New(t, p, sdktest.WithHost(effects.HandlerFunc(func(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
		switch c.Op {
		case effects.JournalFactsByPredicate:
			return sdk.List(), nil
		case effects.JournalAppendFact:
			return sdk.Value{}, sdk.Errorf(sdk.CodeInvalidArgs, "fact needs a time")
		}
		return sdk.Value{}, sdk.Errorf(sdk.CodeUnknownOp, "no such op")
	})))
	_, err := hs.Invoke(context.Background(), "counter.add", args("n", sdk.Int(1)))
	if err := plugintest.Check(err, sdk.CodeInternal, "journal.append_fact: fact needs a time"); err != nil {
		t.Fatal(err)
	}
	if errors.Is(err, effects.ErrInvalidArgs) {
		t.Fatal("the dependency's invalid_args leaked to the caller")
	}
	// The journal answered: it is reachable, whatever it thought of the fact.
	if h, _ := hs.Client.Health(context.Background()); h.Status != sdk.Healthy {
		t.Fatalf("health after the journal refused a fact = %v, want healthy", h)
	}

	_, p = newCounter()
	none := sdktest.New(t, p, sdktest.WithHost(effects.HandlerFunc(func(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
		return sdk.Value{}, sdk.Errorf(sdk.CodeUnknownOp, "no plugin serves %s", c.Op)
	})))
	_, err = none.Invoke(context.Background(), "counter.total", sdk.Null())
	if err := plugintest.Check(err, sdk.CodeUnavailable, "no plugin serves journal.facts_by_predicate in this deployment"); err != nil {
		t.Fatal(err)
	}
}

func TestNoHost(t *testing.T) {
	t.Parallel()
	_, p := newCounter()
	hs := sdktest.New(t, p)
	plugintest.Fails(t, hs, "counter.total", sdk.Null(), sdk.CodeUnavailable, "no host callbacks")
	if h, _ := hs.Client.Health(context.Background()); h.Status != sdk.Unhealthy {
		t.Fatalf("health without a host = %v, want unhealthy", h)
	}
}

// TestOperationsRunOneAtATime holds the turn in one operation: another
// waits, and gives up at its deadline; Stop gives up too, and stops.
func TestOperationsRunOneAtATime(t *testing.T) {
	t.Parallel()
	c, p := newCounter()
	hs := servicetest.Start(t, p, servicetest.NewHost(0))
	held := make(chan error, 1)
	go func() {
		_, err := hs.Invoke(context.Background(), "counter.hold", sdk.Null())
		held <- err
	}()
	<-c.entered

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := hs.Invoke(ctx, "counter.total", sdk.Null()); !errors.Is(err, effects.ErrTimeout) && !errors.Is(err, effects.ErrCancelled) {
		t.Fatalf("a call waiting for the turn past its deadline returned %v, want timeout", err)
	}
	// Health does not wait for the turn.
	if h, err := hs.Client.Health(context.Background()); err != nil || h.Status != sdk.Healthy {
		t.Fatalf("health while an operation runs = %v, %v", h, err)
	}
	stopCtx, cancelStop := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancelStop()
	if err := hs.Client.Stop(stopCtx); err == nil {
		t.Fatal("stop returned nil while an operation was still running past its deadline")
	}
	close(c.released)
	if err := <-held; err != nil {
		t.Fatalf("the held operation: %v", err)
	}
	plugintest.Fails(t, hs, "counter.total", sdk.Null(), sdk.CodeUnavailable, "stopped")
	if err := hs.Client.Start(context.Background(), 0); err != nil {
		t.Fatalf("start after stop: %v", err)
	}
	plugintest.Must(t, hs, "counter.total", sdk.Null())
}

package facade_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/effects/facade"
)

// fake is an effects.Registry serving every operation of pluginSpecs with a
// handler that records the call, checks its arguments against the facade's
// own contract too, and answers with the reply set for the operation.
type fake struct {
	t   testing.TB
	reg *effects.Registry

	mu      sync.Mutex
	calls   []*effects.Call
	replies map[effects.OpID]effects.HandlerFunc
}

func newFake(t testing.TB) *fake {
	t.Helper()
	f := &fake{t: t, reg: effects.NewRegistry(), replies: map[effects.OpID]effects.HandlerFunc{}}
	contracts := map[effects.OpID]effects.OpSpec{}
	for _, c := range facade.Contracts() {
		contracts[c.Op] = c.Spec()
	}
	handler := effects.HandlerFunc(func(ctx context.Context, call *effects.Call) (effects.Value, error) {
		if spec, ok := contracts[call.Op]; ok {
			if err := spec.CheckArgs(call.Args); err != nil {
				f.t.Errorf("the facade sent arguments outside its own contract: %v", err)
			}
		}
		f.mu.Lock()
		c := *call
		f.calls = append(f.calls, &c)
		reply := f.replies[call.Op]
		f.mu.Unlock()
		if reply == nil {
			return effects.Value{}, effects.Errorf(effects.CodeInternal, "fake: no reply set for %s", call.Op)
		}
		return reply(ctx, call)
	})
	if err := f.reg.Register("plugins", handler, pluginSpecs...); err != nil {
		t.Fatal(err)
	}
	return f
}

// reply makes op answer v.
func (f *fake) reply(op effects.OpID, v effects.Value) {
	f.answer(op, func(context.Context, *effects.Call) (effects.Value, error) { return v, nil })
}

// fail makes op fail with err.
func (f *fake) fail(op effects.OpID, err error) {
	f.answer(op, func(context.Context, *effects.Call) (effects.Value, error) { return effects.Value{}, err })
}

func (f *fake) answer(op effects.OpID, h effects.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.replies[op] = h
}

// take returns the calls made since the last take.
func (f *fake) take() []*effects.Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.calls
	f.calls = nil
	return out
}

// clients returns facades over the fake's registry.
func (f *fake) clients() *facade.Clients { return facade.New(f.reg) }

// Value builders, to write plugin-shaped results the way the plugins do.

func bs(s string) effects.Value                    { return effects.Bytes([]byte(s)) }
func str(s string) effects.Value                   { return effects.String(s) }
func i64(n int64) effects.Value                    { return effects.Int(n) }
func u64(n uint64) effects.Value                   { return effects.Uint(n) }
func list(items ...effects.Value) effects.Value    { return effects.List(items...) }
func obj(m map[string]effects.Value) effects.Value { return effects.Map(m) }
func args(kv ...any) effects.Value {
	m := map[string]effects.Value{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1].(effects.Value)
	}
	return effects.Map(m)
}

// filled returns n bytes of b.
func filled(n int, b byte) []byte { return slices.Repeat([]byte{b}, n) }

// valueEqual lets cmp compare Values (whose fields are unexported).
var valueEqual = cmp.Comparer(func(a, b effects.Value) bool { return a.Equal(b) })

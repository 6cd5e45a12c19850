package facade_test

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/effects/facade"
)

// The facades work over any effects.Handler. Here a Registry serves two
// storage operations from an in-process map, declared as the storage
// plugin declares them; in a host the same code runs over the Router.
func ExampleNew() {
	var mu sync.Mutex
	store := map[string][]byte{}
	handler := effects.HandlerFunc(func(_ context.Context, c *effects.Call) (effects.Value, error) {
		mu.Lock()
		defer mu.Unlock()
		key, _ := c.Arg("key").AsString()
		switch c.Op {
		case effects.StorageStore:
			store[key], _ = c.Arg("value").AsBytes()
			return effects.Null(), nil
		case effects.StorageRetrieve:
			if v, ok := store[key]; ok {
				return effects.Bytes(v), nil
			}
			return effects.Value{}, effects.Errorf(effects.CodeNotFound, "no value stored under key %q", key)
		}
		return effects.Value{}, effects.Errorf(effects.CodeUnknownOp, "%s", c.Op)
	})
	reg := effects.NewRegistry()
	key := effects.Param{Name: "key", Kind: effects.KindString}
	err := reg.Register("storage", handler,
		effects.OpSpec{ID: effects.StorageStore, Params: []effects.Param{key, {Name: "value", Kind: effects.KindBytes}},
			Result: effects.KindNull, Determinism: effects.WritesWorld},
		effects.OpSpec{ID: effects.StorageRetrieve, Params: []effects.Param{key}, Result: effects.KindBytes, Determinism: effects.ReadsWorld},
	)
	if err != nil {
		panic(err)
	}

	ctx := context.Background()
	fx := facade.New(reg)
	if err := fx.Storage.Store(ctx, "greeting", []byte("hello")); err != nil {
		panic(err)
	}
	v, err := fx.Storage.Retrieve(ctx, "greeting")
	fmt.Printf("%s %v\n", v, err)

	_, err = fx.Storage.Retrieve(ctx, "farewell")
	fmt.Println(errors.Is(err, effects.ErrNotFound))

	_, err = fx.Clock.PhysicalTime(ctx) // no clock in this registry
	fmt.Println(errors.Is(err, effects.ErrUnknownOp))
	// Output:
	// hello <nil>
	// true
	// true
}

// A plugin's test checks its declarations against the facades: here a
// random plugin whose random_bytes renamed its parameter and whose
// random_u64 returns an int.
func ExampleCheckSpecs() {
	specs := []effects.OpSpec{
		{ID: effects.RandomBytes, Params: []effects.Param{{Name: "len", Kind: effects.KindInt}}, Result: effects.KindBytes},
		{ID: effects.RandomBytes32, Result: effects.KindBytes},
		{ID: effects.RandomU64, Result: effects.KindInt},
		{ID: effects.RandomRange, Params: []effects.Param{{Name: "min", Kind: effects.KindInt}, {Name: "max", Kind: effects.KindInt}}, Result: effects.KindInt},
		{ID: effects.RandomUUID, Result: effects.KindString},
	}
	fmt.Println(facade.CheckSpecs(specs))
	// Output:
	// random.random_bytes: facade.Random.Bytes sends argument "n" (int), which the operation does not declare (it declares len int)
	// random.random_bytes: facade.Random.Bytes never sends argument "len" (int), which the operation requires
	// random.random_u64: facade.Random.Uint64 decodes a result of kind uint, but the operation declares int
}

// A plugin's test checks a real result against the method that decodes it.
func ExampleCheckResult() {
	call := &effects.Call{Op: effects.ClockPhysicalTime}
	good := effects.Map(map[string]effects.Value{"ms": effects.Int(1000), "uncertainty_ms": effects.Int(0)})
	bad := effects.Map(map[string]effects.Value{"millis": effects.Int(1000)})
	fmt.Println(facade.CheckResult(call, good))
	fmt.Println(facade.CheckResult(call, bad))
	// Output:
	// <nil>
	// clock.physical_time: internal: unexpected result shape: result field ms: want int, got no such field
}

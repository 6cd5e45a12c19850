package effects_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aurahost/aura-host/effects"
)

// A Value is built from constructors, read with accessors, and has two
// encodings: the canonical bytes that traces hash and the JSON form that
// people read. Map keys are sorted whatever order they are given in.
func ExampleValue() {
	args := effects.Map(map[string]effects.Value{
		"msg":   effects.Bytes([]byte("hi")),
		"count": effects.Uint(3),
		"tags":  effects.List(effects.String("a"), effects.Int(-1)),
	})
	fmt.Println(args)

	msg, _ := args.Get("msg")
	b, ok := msg.AsBytes()
	fmt.Println(string(b), ok)

	enc := args.Canonical()
	fmt.Println(hex.EncodeToString(enc))
	back, err := effects.DecodeCanonical(enc)
	fmt.Println(back.Equal(args), err)

	js, _ := json.Marshal(args)
	fmt.Println(string(js))

	_, err = effects.DecodeCanonical(append(enc, 0))
	fmt.Println(errors.Is(err, effects.ErrMalformedValue))
	// Output:
	// {count: 3u, msg: 0x6869, tags: ["a", -1]}
	// hi true
	// 070305636f756e740303036d736705026869047461677306020401610201
	// true <nil>
	// {"map":{"count":{"uint":"3"},"msg":{"bytes":"6869"},"tags":{"list":["a",{"int":"-1"}]}}}
	// true
}

// A Registry maps each operation to one handler. Invoke checks the
// arguments against the declared schema before the handler runs, and
// failures are typed errors matched by code.
func ExampleRegistry() {
	reg := effects.NewRegistry()
	greet := effects.HandlerFunc(func(ctx context.Context, call *effects.Call) (effects.Value, error) {
		name, _ := call.Arg("name").AsString()
		return effects.String("hello, " + name), nil
	})
	err := reg.Register("greeter", greet, effects.OpSpec{
		ID:          effects.MustOpID("console.greet"),
		Params:      []effects.Param{{Name: "name", Kind: effects.KindString}},
		Result:      effects.KindString,
		Determinism: effects.Pure,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range reg.Entries() {
		fmt.Println(e.Provider, e.Spec.Signature())
	}

	ctx := context.Background()
	out, err := reg.Invoke(ctx, &effects.Call{
		Op:   "console.greet",
		Args: effects.Map(map[string]effects.Value{"name": effects.String("aura")}),
	})
	fmt.Println(out, err)

	_, err = reg.Invoke(ctx, &effects.Call{Op: "console.greet", Args: effects.Map(map[string]effects.Value{"name": effects.Int(1)})})
	fmt.Println(errors.Is(err, effects.ErrInvalidArgs), err)

	_, err = reg.Invoke(ctx, &effects.Call{Op: "console.shout"})
	fmt.Println(errors.Is(err, effects.ErrUnknownOp), err)

	// A second provider claiming the same operation is refused, naming both.
	err = reg.Register("other", greet, effects.OpSpec{ID: "console.greet", Determinism: effects.Pure})
	fmt.Println(err)
	// Output:
	// greeter console.greet(name string) -> string [pure]
	// "hello, aura" <nil>
	// true console.greet: invalid_args: argument "name" must be string, got int
	// true console.shout: unknown_op: no handler serves this operation
	// operation console.greet is served by both "greeter" and "other": remove it from one of them
}

// Capability patterns match an exact operation, a whole family, or all.
func ExampleMatchOp() {
	op := effects.MustOpID("invitation.accept")
	for _, pattern := range []string{"invitation.accept", "invitation.*", "*", "crypto.*"} {
		fmt.Println(pattern, effects.MatchOp(pattern, op))
	}
	// Output:
	// invitation.accept true
	// invitation.* true
	// * true
	// crypto.* false
}

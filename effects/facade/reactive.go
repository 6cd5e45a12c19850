package facade

import (
	"context"

	"github.com/aurahost/aura-host/effects"
)

// Reactive is the client of the reactive family, which an agent serves in
// process when its deployment declares service "NAME" { builtin =
// "reactive" }: signals kept up to date from the journal's committed
// facts (effects.ReactiveDefinitionDoc describes their definitions).
// Subscribing is a Go API of the agent (agent.Agent.Subscribe) and a
// stream of the admin endpoint (`aura-host watch`), not an operation.
type Reactive struct{ c caller }

// SignalInfo describes one registered signal.
type SignalInfo struct {
	Name        string
	Kind        string        // source, emit, map, combine or filter
	Definition  effects.Value // its definition, normalised
	Subscribers int64
}

var (
	opReactiveRegister = declare("Reactive.Register", effects.ReactiveRegister, effects.KindAny,
		arg("definition", effects.KindMap), opt("replace", effects.KindBool))
	opReactiveRead = declare("Reactive.Read", effects.ReactiveRead, effects.KindAny, arg("signal", effects.KindString))
	opReactiveEmit = declare("Reactive.Emit", effects.ReactiveEmit, effects.KindNull,
		arg("signal", effects.KindString), arg("value", effects.KindAny))
	opReactiveList = declare("Reactive.List", effects.ReactiveList, effects.KindList)
)

// Register registers a signal and returns its current value. The same
// definition again is a no-op; another under a taken name matches
// effects.ErrConflict unless replace; an unknown input matches
// effects.ErrNotFound; a malformed definition or a cycle matches
// effects.ErrInvalidArgs.
func (x *Reactive) Register(ctx context.Context, definition effects.Value, replace bool) (effects.Value, error) {
	args := map[string]effects.Value{"definition": definition}
	if replace {
		args["replace"] = effects.Bool(true)
	}
	return x.c.invoke(ctx, opReactiveRegister, args)
}

// Read returns a signal's value, with every fact committed before the call
// reduced into it. An unknown signal matches effects.ErrNotFound.
func (x *Reactive) Read(ctx context.Context, signal string) (effects.Value, error) {
	return x.c.invoke(ctx, opReactiveRead, map[string]effects.Value{"signal": effects.String(signal)})
}

// Emit sets an application signal's value; a signal that is not one
// matches effects.ErrDenied.
func (x *Reactive) Emit(ctx context.Context, signal string, value effects.Value) error {
	v, err := x.c.invoke(ctx, opReactiveEmit, map[string]effects.Value{"signal": effects.String(signal), "value": value})
	if err != nil {
		return err
	}
	return decodeNull(opReactiveEmit, v)
}

// List describes every registered signal, by name.
func (x *Reactive) List(ctx context.Context) ([]SignalInfo, error) {
	v, err := x.c.invoke(ctx, opReactiveList, nil)
	if err != nil {
		return nil, err
	}
	return decodeList(opReactiveList, v, func(r reader) SignalInfo {
		return SignalInfo{Name: r.str("name"), Kind: r.str("kind"), Definition: r.mapValue("definition"),
			Subscribers: r.int("subscribers")}
	})
}

// The reactive family's probes, for CheckResult.
func init() {
	probes[opReactiveRegister.id] = func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Reactive.Register(ctx, effects.Null(), false))
	}
	probes[opReactiveRead.id] = func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Reactive.Read(ctx, ""))
	}
	probes[opReactiveEmit.id] = func(ctx context.Context, c *Clients, _ effects.Value) error {
		return c.Reactive.Emit(ctx, "", effects.Null())
	}
	probes[opReactiveList.id] = func(ctx context.Context, c *Clients, _ effects.Value) error { return errOf(c.Reactive.List(ctx)) }
}

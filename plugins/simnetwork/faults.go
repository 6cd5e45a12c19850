package simnetwork

import (
	"context"

	"github.com/aurahost/aura-host/sdk"
)

const perMilleDoc = "the chance per send in thousandths, 0 (never) to 1000 (always)"

func (p *plugin) faultOperations() []sdk.Operation {
	null := func(fn func(c *sdk.Call) error) func(context.Context, *sdk.Call) (sdk.Value, error) {
		return func(_ context.Context, c *sdk.Call) (sdk.Value, error) {
			if err := fn(c); err != nil {
				return sdk.Value{}, err
			}
			return sdk.Null(), nil
		}
	}
	update := func(edit func(f *Faults, c *sdk.Call)) func(context.Context, *sdk.Call) (sdk.Value, error) {
		return null(func(c *sdk.Call) error {
			if err := p.network().UpdateFaults(func(f *Faults) { edit(f, c) }); err != nil {
				return invalid("%v", err)
			}
			return nil
		})
	}
	intArg := func(c *sdk.Call, name string) int64 {
		v, _ := c.Arg(name).AsInt()
		return v
	}
	spec := func(id sdk.OpID, doc string, params ...sdk.Param) sdk.OpSpec {
		return sdk.OpSpec{ID: id, Doc: doc + " Returns null.", Params: params, Result: sdk.KindNull, Idempotent: true, Determinism: sdk.WritesWorld}
	}
	return []sdk.Operation{
		{
			Spec: spec("network_faults.set_drop_rate", "Sets the chance that a send is lost.",
				sdk.Param{Name: "per_mille", Kind: sdk.KindInt, Doc: perMilleDoc}),
			Handle: update(func(f *Faults, c *sdk.Call) { f.DropPerMille = intArg(c, "per_mille") }),
		},
		{
			Spec: spec("network_faults.set_delay", "Sets the range each envelope's delay is drawn from, uniformly, in virtual milliseconds.",
				sdk.Param{Name: "min_ms", Kind: sdk.KindInt, Doc: "the shortest delay, 0 or more"},
				sdk.Param{Name: "max_ms", Kind: sdk.KindInt, Doc: "the longest delay, at least min_ms"}),
			Handle: update(func(f *Faults, c *sdk.Call) { f.MinDelayMS, f.MaxDelayMS = intArg(c, "min_ms"), intArg(c, "max_ms") }),
		},
		{
			Spec: spec("network_faults.set_duplicate_rate", "Sets the chance that a send that is not lost is delivered twice, each copy with its own delay.",
				sdk.Param{Name: "per_mille", Kind: sdk.KindInt, Doc: perMilleDoc}),
			Handle: update(func(f *Faults, c *sdk.Call) { f.DuplicatePerMille = intArg(c, "per_mille") }),
		},
		{
			Spec: spec("network_faults.set_reorder", "Lets envelopes overtake earlier ones on the same link (true), or keeps each link in send order (false, the default).",
				sdk.Param{Name: "enabled", Kind: sdk.KindBool, Doc: "whether envelopes may be reordered"}),
			Handle: update(func(f *Faults, c *sdk.Call) { f.Reorder, _ = c.Arg("enabled").AsBool() }),
		},
		{
			Spec: spec("network_faults.partition", "Separates every endpoint of a from every endpoint of b, both ways, until heal: "+
				"sends between them are lost, and so are envelopes in flight between them when they fall due. Partitions add up.",
				sdk.Param{Name: "a", Kind: sdk.KindList, Doc: "one side: a list of endpoints (non-empty bytes or strings)"},
				sdk.Param{Name: "b", Kind: sdk.KindList, Doc: "the other side: a list of endpoints"}),
			Handle: null(func(c *sdk.Call) error {
				if err := p.network().Partition(c.Arg("a").Items(), c.Arg("b").Items()); err != nil {
					return invalid("%v", err)
				}
				return nil
			}),
		},
		{
			Spec:   spec("network_faults.heal", "Removes every partition."),
			Handle: null(func(*sdk.Call) error { p.network().Heal(); return nil }),
		},
		{
			Spec: spec("network_faults.clear", "Removes every fault and partition: no loss, duplication, delay or reordering. "+
				"Envelopes already in flight keep their delivery times."),
			Handle: null(func(*sdk.Call) error { p.network().Clear(); return nil }),
		},
	}
}

func (p *plugin) controlOperations() []sdk.Operation {
	return []sdk.Operation{
		{
			Spec: sdk.OpSpec{
				ID: "network_control.tick",
				Doc: "Moves the network's virtual time to now_ms (the simulator's clock) and makes every envelope " +
					"due by then receivable, in delivery order. Returns how many were delivered (int). Time only " +
					"moves forward: an earlier now_ms is a conflict error.",
				Params:      []sdk.Param{{Name: "now_ms", Kind: sdk.KindInt, Doc: "the virtual time in milliseconds, not before the network's"}},
				Result:      sdk.KindInt,
				Determinism: sdk.WritesWorld,
			},
			Handle: func(_ context.Context, c *sdk.Call) (sdk.Value, error) {
				now, _ := c.Arg("now_ms").AsInt()
				n, err := p.network().Advance(now)
				if err != nil {
					return sdk.Value{}, sdk.Errorf(sdk.CodeConflict, "%v", err)
				}
				return sdk.Int(int64(n)), nil
			},
		},
		{
			Spec: sdk.OpSpec{
				ID: "network_control.next_delivery",
				Doc: "Returns the virtual time (int) at which the earliest envelope in flight becomes receivable, " +
					"or null if none is in flight, so a simulator can jump straight to it.",
				Result:      sdk.KindAny,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: func(context.Context, *sdk.Call) (sdk.Value, error) {
				if at, ok := p.network().NextDelivery(); ok {
					return sdk.Int(at), nil
				}
				return sdk.Null(), nil
			},
		},
		{
			Spec: sdk.OpSpec{
				ID: "network_control.stats",
				Doc: "Describes the network: a map {now: int (its virtual time), sent, dropped, duplicated, " +
					"delivered, in_flight: int (envelopes so far, and on their way now)}.",
				Result:      sdk.KindMap,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: func(context.Context, *sdk.Call) (sdk.Value, error) { return p.network().Stats().Value(), nil },
		},
	}
}

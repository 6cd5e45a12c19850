package simnetwork

import (
	"context"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
)

const perMilleDoc = "the chance per transmission (a send or a retransmission) in thousandths, 0 (never) to 1000 (always)"

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
			Spec: spec(effects.NetworkFaultsSetDropRate, "Sets the chance that a transmission is lost.",
				sdk.Param{Name: "per_mille", Kind: sdk.KindInt, Doc: perMilleDoc}),
			Handle: update(func(f *Faults, c *sdk.Call) { f.DropPerMille = intArg(c, "per_mille") }),
		},
		{
			Spec: spec(effects.NetworkFaultsSetDelay, "Sets the range each envelope's delay is drawn from, uniformly, in virtual milliseconds.",
				sdk.Param{Name: "min_ms", Kind: sdk.KindInt, Doc: "the shortest delay, 0 or more"},
				sdk.Param{Name: "max_ms", Kind: sdk.KindInt, Doc: "the longest delay, at least min_ms"}),
			Handle: update(func(f *Faults, c *sdk.Call) { f.MinDelayMS, f.MaxDelayMS = intArg(c, "min_ms"), intArg(c, "max_ms") }),
		},
		{
			Spec: spec(effects.NetworkFaultsSetDuplicateRate, "Sets the chance that a transmission that is not lost is delivered twice, each copy with its own delay.",
				sdk.Param{Name: "per_mille", Kind: sdk.KindInt, Doc: perMilleDoc}),
			Handle: update(func(f *Faults, c *sdk.Call) { f.DuplicatePerMille = intArg(c, "per_mille") }),
		},
		{
			Spec: spec(effects.NetworkFaultsSetReorder, "Lets envelopes overtake earlier ones on the same link (true), or keeps each link in send order (false, the default).",
				sdk.Param{Name: "enabled", Kind: sdk.KindBool, Doc: "whether envelopes may be reordered"}),
			Handle: update(func(f *Faults, c *sdk.Call) { f.Reorder, _ = c.Arg("enabled").AsBool() }),
		},
		{
			Spec: spec(effects.NetworkFaultsSetReorderRate, "Sets the chance that a send is held back: each of its transmissions "+
				"arrives a hold drawn from 1 to hold_ms later than its delay says, and nothing on its link waits behind it, so what is sent on the "+
				"link meanwhile overtakes it. The draws come from a stream of their own, so the other faults' draws stay put.",
				sdk.Param{Name: "per_mille", Kind: sdk.KindInt, Doc: "the chance per send in thousandths, 0 (never) to 1000 (always)"},
				sdk.Param{Name: "hold_ms", Kind: sdk.KindInt, Doc: "the longest a held-back envelope is held, in virtual milliseconds: 1 or more (0 with per_mille 0)"}),
			Handle: update(func(f *Faults, c *sdk.Call) {
				f.ReorderPerMille, f.ReorderHoldMS = intArg(c, "per_mille"), intArg(c, "hold_ms")
			}),
		},
		{
			Spec: spec(effects.NetworkFaultsSetRetransmit, "Makes the network reliable, as TCP is over a lossy link (rto_ms > 0), "+
				"or a datagram network again (0, the default). While on, a transmission that the drop rate or a partition "+
				"loses is sent again rto_ms virtual milliseconds later, and again, each attempt with its own drop decision, "+
				"until one gets through: a partition holds envelopes back until it heals instead of losing them. A link "+
				"without reordering stays FIFO: a later envelope waits behind an earlier one still being retransmitted. "+
				"Duplication still applies to each attempt that gets through. Turning it off lets the retransmissions "+
				"already scheduled happen once more; what they lose is then gone.",
				sdk.Param{Name: "rto_ms", Kind: sdk.KindInt, Doc: "the retransmission timeout in virtual milliseconds: 0 (off) or more"}),
			Handle: update(func(f *Faults, c *sdk.Call) { f.RetransmitMS = intArg(c, "rto_ms") }),
		},
		{
			Spec: spec(effects.NetworkFaultsPartition, "Separates every endpoint of a from every endpoint of b, both ways, until heal: "+
				"sends between them are lost, and so are envelopes in flight between them when they fall due (retransmitted "+
				"later if retransmission is on). Partitions add up.",
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
			Spec:   spec(effects.NetworkFaultsHeal, "Removes every partition."),
			Handle: null(func(*sdk.Call) error { p.network().Heal(); return nil }),
		},
		{
			Spec: spec(effects.NetworkFaultsClear, "Removes every fault and partition: no loss, duplication, delay or reordering. "+
				"Envelopes already in flight keep their delivery times. Retransmission, the transport's answer to faults "+
				"rather than a fault, stays as set_retransmit left it."),
			Handle: null(func(*sdk.Call) error { p.network().Clear(); return nil }),
		},
	}
}

func (p *plugin) controlOperations() []sdk.Operation {
	return []sdk.Operation{
		{
			Spec: sdk.OpSpec{
				ID: effects.NetworkControlTick,
				Doc: "Moves the network's virtual time to now_ms (the simulator's clock) and carries out everything " +
					"due by then in time order: retransmissions, and deliveries that make envelopes receivable. Returns " +
					"how many copies were delivered (int). Time only moves forward: an earlier now_ms is a conflict error.",
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
				ID: effects.NetworkControlNextDelivery,
				Doc: "Returns the earliest virtual time (int) at which the network will do something — an envelope " +
					"arrives, or a lost one is retransmitted — or null if nothing is on its way, so a simulator can jump " +
					"straight to it. A tick to that time may deliver nothing (a retransmission lost again, an envelope " +
					"held behind an earlier one on its link) but never skips a delivery.",
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
				ID: effects.NetworkControlStats,
				Doc: "Describes the network: a map of ints {now (its virtual time), sent (sends), retransmissions " +
					"(attempts to send a lost envelope again), dropped (transmissions lost, and copies a partition lost " +
					"on their way), duplicated (transmissions delivered twice), delivered (copies put in an inbox), " +
					"in_flight (on their way now: copies in transit or held behind an earlier envelope, and lost " +
					"envelopes waiting to be retransmitted)}.",
				Result:      sdk.KindMap,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: func(context.Context, *sdk.Call) (sdk.Value, error) { return p.network().Stats().Value(), nil },
		},
		p.linkOperation(),
	}
}

package clockops

import (
	"context"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
)

// Handlers are the functions that serve the clock family's operations, one
// for each, named after it. The clock plugin passes its own to Operations;
// sim-clock passes its virtual-time ones, so that it serves the very same
// operations.
type Handlers struct {
	PhysicalTime, SleepMS, LogicalNow, LogicalAdvance, OrderTime func(context.Context, *sdk.Call) (sdk.Value, error)
}

// Operations declares the operations of the clock family, served by h.
func Operations(h Handlers) []sdk.Operation {
	return []sdk.Operation{
		{
			Spec: sdk.OpSpec{
				ID: effects.ClockPhysicalTime,
				Doc: "Reads the wall clock. Returns a map {ms: int (milliseconds since the Unix epoch), " +
					"uncertainty_ms: int (the configured bound on the clock's error)}.",
				Result:      sdk.KindMap,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: h.PhysicalTime,
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.ClockSleepMS,
				Doc: "Waits ms milliseconds, then returns null. Returns at once with the cancelled or timeout " +
					"error when the call is cancelled or its deadline passes first.",
				Params:      []sdk.Param{{Name: "ms", Kind: sdk.KindInt, Doc: "milliseconds to wait, 0 or more"}},
				Result:      sdk.KindNull,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: h.SleepMS,
		},
		{
			Spec: sdk.OpSpec{
				ID:          effects.ClockLogicalNow,
				Doc:         "Returns the Lamport clock's current value (uint) without advancing it; a fresh clock reads 0.",
				Result:      sdk.KindUint,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: h.LogicalNow,
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.ClockLogicalAdvance,
				Doc: "Advances the Lamport clock past an observed timestamp: the clock becomes " +
					"max(clock, observed) + 1, which is returned (uint). Use observed 0 to tick for a local event.",
				Params: []sdk.Param{{Name: "observed", Kind: sdk.KindUint,
					Doc: "the logical timestamp seen on a received message, or 0 for a local event"}},
				Result:      sdk.KindUint,
				Determinism: sdk.WritesWorld,
			},
			Handle: h.LogicalAdvance,
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.ClockOrderTime,
				Doc: "Returns an opaque 32-byte token (bytes) that orders events totally: compare tokens as byte " +
					"strings. Tokens of one authority strictly increase, even if the wall clock steps back; tokens " +
					"of different authorities never tie, and follow wall-clock order to the millisecond.",
				Result:      sdk.KindBytes,
				Idempotent:  true, // a retry yields a later token, which is as good
				Determinism: sdk.ReadsWorld,
			},
			Handle: h.OrderTime,
		},
	}
}

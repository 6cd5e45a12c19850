package simclock

import (
	"context"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
)

// skew is how one authority's clock disagrees with virtual time: what it
// reads is virtual time plus offset. Virtual time itself stays one — the
// simulator's timeline, which sleeps wait on — and an offset does not
// change how fast the agent's clock runs, so a sleep of ms in the agent's
// clock is ms of virtual time.
type skew struct {
	offset int64
	// reads counts the physical_time reads made while offset was not 0:
	// the reads the skew acted on.
	reads int64
}

// skewOf returns authority's skew, made on first use. Called with mu.
func (s *simClock) skewOf(authority sdk.AuthorityID) *skew {
	if s.skews == nil {
		s.skews = map[sdk.AuthorityID]*skew{}
	}
	k, ok := s.skews[authority]
	if !ok {
		k = &skew{}
		s.skews[authority] = k
	}
	return k
}

// read returns what authority's clock reads at virtual time now, counting
// a skewed read. A clock set behind never reads before 0. Called with mu.
func (s *simClock) read(authority sdk.AuthorityID, now int64) int64 {
	k, ok := s.skews[authority]
	if !ok || k.offset == 0 {
		return now
	}
	k.reads++
	return max(0, now+k.offset)
}

// authorityArg reads the authority whose skew a call sets or reads. Only
// the clock's owner — the simulator, calling without an authority — may:
// an agent that could skew clocks, its own or another's, could make its
// peers' time whatever it liked, so a call acting for an authority is
// refused (denied).
func authorityArg(c *sdk.Call) (sdk.AuthorityID, error) {
	var id sdk.AuthorityID
	if !c.Authority.IsZero() {
		return id, sdk.Errorf(sdk.CodeDenied, "%s is the simulator's: a call acting for an authority (%s) may not set or read clock skews", c.Op, c.Authority)
	}
	b, ok := c.Arg("authority").AsBytes()
	if !ok || len(b) != len(id) {
		return id, sdk.Errorf(sdk.CodeInvalidArgs, "authority must be a %d-byte authority ID", len(id))
	}
	copy(id[:], b)
	return id, nil
}

func (s *simClock) skewOperations() []sdk.Operation {
	authority := sdk.Param{Name: "authority", Kind: sdk.KindBytes, Doc: "the ID (16 bytes) of the authority whose clock it is"}
	return []sdk.Operation{
		{
			Spec: sdk.OpSpec{
				ID: effects.TimeControlSetSkew,
				Doc: "Sets how far ahead (offset_ms > 0) or behind (< 0) of virtual time the authority's clock.physical_time " +
					"reads, from now on; 0 puts it back on virtual time. Only a call without an authority (the simulator) may; " +
					"one acting for an authority is denied. Virtual time itself, and how long sleeps take, do " +
					"not change: the clock is set, not made to run faster or slower. A clock behind reads no earlier than 0. " +
					"Returns null.",
				Params:      []sdk.Param{authority, {Name: "offset_ms", Kind: sdk.KindInt, Doc: "the offset in milliseconds, either sign"}},
				Result:      sdk.KindNull,
				Idempotent:  true,
				Determinism: sdk.WritesWorld,
			},
			Handle: func(_ context.Context, c *sdk.Call) (sdk.Value, error) {
				id, err := authorityArg(c)
				if err != nil {
					return sdk.Value{}, err
				}
				offset, _ := c.Arg("offset_ms").AsInt()
				s.mu.Lock()
				defer s.mu.Unlock()
				s.skewOf(id).offset = offset
				return sdk.Null(), nil
			},
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.TimeControlSkew,
				Doc: "Describes the authority's skew: a map {offset_ms: int (its clock's offset now), skewed_reads: int " +
					"(physical_time reads it made while its offset was not 0)}.",
				Params:      []sdk.Param{authority},
				Result:      sdk.KindMap,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: func(_ context.Context, c *sdk.Call) (sdk.Value, error) {
				id, err := authorityArg(c)
				if err != nil {
					return sdk.Value{}, err
				}
				s.mu.Lock()
				defer s.mu.Unlock()
				var k skew
				if p := s.skews[id]; p != nil {
					k = *p
				}
				return sdk.Map(map[string]sdk.Value{"offset_ms": sdk.Int(k.offset), "skewed_reads": sdk.Int(k.reads)}), nil
			},
		},
	}
}

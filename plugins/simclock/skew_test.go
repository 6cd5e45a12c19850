package simclock

import (
	"context"
	"errors"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/sdk/sdktest"
)

// A skewed authority reads virtual time plus its offset, counted as a
// skewed read; others, and virtual time itself, are untouched; a clock
// behind reads no earlier than 0; sleeps still take virtual time. One
// instance serves both agents, as the simulator shares it, each call
// naming its authority; the simulator sets the skews, calling as no one.
func TestSkewMovesWhatOneAuthorityReads(t *testing.T) {
	t.Parallel()
	c := NewClock(100)
	h := sdktest.New(t, NewWithClock(c))
	aliceID, bobID := effects.DeriveAuthorityID("alice", 0), effects.DeriveAuthorityID("bob", 0)
	as := func(id effects.AuthorityID, op effects.OpID, args sdk.Value) (sdk.Value, error) {
		return h.Stream.Invoke(context.Background(), &effects.Call{Op: op, Args: args, Authority: id})
	}
	reads := func(id effects.AuthorityID) int64 {
		v, err := as(id, effects.ClockPhysicalTime, sdk.Null())
		if err != nil {
			t.Fatal(err)
		}
		ms, _ := v.Get("ms")
		n, _ := ms.AsInt()
		return n
	}
	setSkew := func(id sdk.AuthorityID, ms int64) {
		mustInvoke(t, h, effects.TimeControlSetSkew, args("authority", sdk.Bytes(id[:]), "offset_ms", sdk.Int(ms)))
	}
	skewed := func(id sdk.AuthorityID) int64 {
		v, _ := mustInvoke(t, h, effects.TimeControlSkew, args("authority", sdk.Bytes(id[:]))).Get("skewed_reads")
		n, _ := v.AsInt()
		return n
	}
	setSkew(aliceID, 50)
	if a, b := reads(aliceID), reads(bobID); a != 150 || b != 100 {
		t.Fatalf("alice 50ms ahead reads %d, bob %d; want 150 and 100", a, b)
	}
	if n := mustInvoke(t, h, effects.TimeControlNow, sdk.Null()); !n.Equal(sdk.Int(100)) {
		t.Fatalf("virtual time moved with the skew: %v", n)
	}
	done := make(chan error, 1)
	go func() {
		_, err := as(aliceID, effects.ClockSleepMS, args("ms", sdk.Int(10)))
		done <- err
	}()
	if err := c.WaitForSleepers(waitCtx(t), 1); err != nil {
		t.Fatal(err)
	}
	if d, _ := c.NextDeadline(); d != 110 {
		t.Fatalf("a skewed agent's 10ms sleep ends at %d of virtual time, want 110", d)
	}
	mustInvoke(t, h, effects.TimeControlAdvanceTime, args("ms", sdk.Int(10)))
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	setSkew(bobID, -500)
	if b := reads(bobID); b != 0 {
		t.Fatalf("bob 500ms behind at 110 reads %d, want 0", b)
	}
	setSkew(aliceID, 0)
	if a := reads(aliceID); a != 110 {
		t.Fatalf("alice back on virtual time reads %d", a)
	}
	if n := skewed(aliceID); n != 1 {
		t.Errorf("alice made %d skewed reads, want 1", n)
	}
	if n := skewed(bobID); n != 1 {
		t.Errorf("bob made %d skewed reads, want 1", n)
	}
	if _, err := h.Invoke(context.Background(), effects.TimeControlSetSkew, args("authority", sdk.Bytes([]byte{1}), "offset_ms", sdk.Int(1))); err == nil {
		t.Error("a 1-byte authority was accepted")
	}
}

// An agent cannot skew clocks, another's or its own, nor read the skews:
// only the simulator, calling without an authority, sets them.
func TestAgentsCannotSkewClocks(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, New())
	mallory, bob := effects.DeriveAuthorityID("mallory", 0), effects.DeriveAuthorityID("bob", 0)
	for _, target := range []effects.AuthorityID{bob, mallory} {
		for _, c := range []*effects.Call{
			{Op: effects.TimeControlSetSkew, Args: args("authority", sdk.Bytes(target[:]), "offset_ms", sdk.Int(-3600000)), Authority: mallory},
			{Op: effects.TimeControlSkew, Args: args("authority", sdk.Bytes(target[:])), Authority: mallory},
		} {
			if _, err := h.Stream.Invoke(context.Background(), c); !errors.Is(err, effects.ErrDenied) {
				t.Errorf("mallory's %s of %s: %v, want denied", c.Op, target, err)
			}
		}
	}
	v, err := h.Stream.Invoke(context.Background(), &effects.Call{Op: effects.ClockPhysicalTime, Args: sdk.Null(), Authority: bob})
	if ms, _ := v.Get("ms"); err != nil || !ms.Equal(sdk.Int(0)) {
		t.Errorf("bob's clock after mallory's tries: %v, %v", v, err)
	}
}

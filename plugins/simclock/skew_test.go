package simclock

import (
	"context"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/sdk/sdktest"
)

// A skewed authority reads virtual time plus its offset, counted as a
// skewed read; others, and virtual time itself, are untouched; a clock
// behind reads no earlier than 0; sleeps still take virtual time.
func TestSkewMovesWhatOneAuthorityReads(t *testing.T) {
	t.Parallel()
	c := NewClock(100)
	aliceID, bobID := effects.DeriveAuthorityID("alice", 0), effects.DeriveAuthorityID("bob", 0)
	alice := sdktest.New(t, NewWithClock(c), sdktest.WithAuthority(aliceID))
	bob := sdktest.New(t, NewWithClock(c), sdktest.WithAuthority(bobID))
	reads := func(h *sdktest.Harness) int64 {
		ms, _ := mustInvoke(t, h, effects.ClockPhysicalTime, sdk.Null()).Get("ms")
		n, _ := ms.AsInt()
		return n
	}
	setSkew := func(h *sdktest.Harness, id sdk.AuthorityID, ms int64) {
		mustInvoke(t, h, effects.TimeControlSetSkew, args("authority", sdk.Bytes(id[:]), "offset_ms", sdk.Int(ms)))
	}
	skewed := func(h *sdktest.Harness, id sdk.AuthorityID) int64 {
		v, _ := mustInvoke(t, h, effects.TimeControlSkew, args("authority", sdk.Bytes(id[:]))).Get("skewed_reads")
		n, _ := v.AsInt()
		return n
	}
	setSkew(alice, aliceID, 50)
	if a, b := reads(alice), reads(bob); a != 150 || b != 100 {
		t.Fatalf("alice 50ms ahead reads %d, bob %d; want 150 and 100", a, b)
	}
	if n := mustInvoke(t, alice, effects.TimeControlNow, sdk.Null()); !n.Equal(sdk.Int(100)) {
		t.Fatalf("virtual time moved with the skew: %v", n)
	}
	done := make(chan error, 1)
	go func() {
		_, err := alice.Invoke(context.Background(), effects.ClockSleepMS, args("ms", sdk.Int(10)))
		done <- err
	}()
	if err := c.WaitForSleepers(waitCtx(t), 1); err != nil {
		t.Fatal(err)
	}
	if d, _ := c.NextDeadline(); d != 110 {
		t.Fatalf("a skewed agent's 10ms sleep ends at %d of virtual time, want 110", d)
	}
	mustInvoke(t, bob, effects.TimeControlAdvanceTime, args("ms", sdk.Int(10)))
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	setSkew(bob, bobID, -500)
	if b := reads(bob); b != 0 {
		t.Fatalf("bob 500ms behind at 110 reads %d, want 0", b)
	}
	setSkew(alice, aliceID, 0)
	if a := reads(alice); a != 110 {
		t.Fatalf("alice back on virtual time reads %d", a)
	}
	if n := skewed(alice, aliceID); n != 1 {
		t.Errorf("alice made %d skewed reads, want 1", n)
	}
	if n := skewed(bob, bobID); n != 1 {
		t.Errorf("bob made %d skewed reads, want 1", n)
	}
	if _, err := alice.Invoke(context.Background(), effects.TimeControlSetSkew, args("authority", sdk.Bytes([]byte{1}), "offset_ms", sdk.Int(1))); err == nil {
		t.Error("a 1-byte authority was accepted")
	}
}

package clockops

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
)

// The clock plugins' tests cover Logical over the wire; these call it
// directly, for the edges a wall clock cannot reach on demand.

func TestLogicalAdvance(t *testing.T) {
	t.Parallel()
	var l Logical
	if l.Now() != 0 {
		t.Fatalf("a fresh clock reads %d", l.Now())
	}
	for _, step := range []struct{ observed, want uint64 }{{0, 1}, {10, 11}, {5, 12}, {12, 13}} {
		if got, err := l.Advance(step.observed); err != nil || got != step.want {
			t.Fatalf("Advance(%d) = %d, %v; want %d", step.observed, got, err, step.want)
		}
	}
	if l.Now() != 13 {
		t.Fatalf("Now() = %d after advancing to 13", l.Now())
	}
	if got, err := l.Advance(math.MaxUint64 - 1); err != nil || got != math.MaxUint64 {
		t.Fatalf("Advance(MaxUint64-1) = %d, %v", got, err)
	}
	if _, err := l.Advance(0); !errors.Is(err, effects.ErrExhausted) {
		t.Fatalf("Advance past the end = %v, want exhausted", err)
	}
	if l.Now() != math.MaxUint64 {
		t.Fatalf("a refused Advance moved the clock to %d", l.Now())
	}
}

func TestLogicalOrder(t *testing.T) {
	t.Parallel()
	authority := sdk.AuthorityID{1, 2, 3}
	var l Logical
	layout := func(tok [TokenSize]byte) (ms, seq uint64) {
		if !bytes.Equal(tok[16:], authority[:]) {
			t.Fatalf("token %x does not end with the authority", tok)
		}
		return binary.BigEndian.Uint64(tok[0:]), binary.BigEndian.Uint64(tok[8:])
	}
	var last [TokenSize]byte
	for i, step := range []struct {
		ms           int64
		wantMS, want uint64 // the token's millisecond and sequence
	}{
		{-5, 0, 1}, // negative reads as 0; the zero clock's last token is (0, 0)
		{100, 100, 0},
		{100, 100, 1},
		{40, 100, 2}, // the clock stepped back: stay on the last millisecond
		{101, 101, 0},
	} {
		tok := l.Order(step.ms, authority)
		if ms, seq := layout(tok); ms != step.wantMS || seq != step.want {
			t.Fatalf("step %d: Order(%d) = (%d, %d), want (%d, %d)", i, step.ms, ms, seq, step.wantMS, step.want)
		}
		if bytes.Compare(tok[:], last[:]) <= 0 {
			t.Fatalf("step %d: token %x does not follow %x", i, tok, last)
		}
		last = tok
	}
	// After 2^64 tokens in one millisecond the sequence borrows the next.
	l.seq = math.MaxUint64
	if ms, seq := layout(l.Order(0, authority)); ms != 102 || seq != 0 {
		t.Fatalf("after the last sequence of 101: (%d, %d), want (102, 0)", ms, seq)
	}
}

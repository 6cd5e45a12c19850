package clockops

import (
	"encoding/binary"
	"math"

	"github.com/aurahost/aura-host/sdk"
)

// TokenSize is the length of an order_time token: 8 bytes of Unix
// milliseconds, 8 bytes of sequence within that millisecond, and the 16
// bytes of the authority, all compared as one big-endian byte string.
const TokenSize = 8 + 8 + 16

// Logical is the logical time of one authority: its Lamport clock and the
// place of its last order_time token. The zero value is a fresh clock,
// reading 0. It does no locking: its owner does. sim-clock keeps one per
// authority, and orders on virtual time with it.
type Logical struct {
	lamport uint64
	lastMS  uint64 // of the last order_time token
	seq     uint64 // of the last order_time token within lastMS
}

// Now returns the Lamport clock's value, without advancing it.
func (l *Logical) Now() uint64 { return l.lamport }

// Advance moves the Lamport clock past observed — to max(clock, observed)
// + 1 — and returns it; at the end of uint64 it refuses, as exhausted.
func (l *Logical) Advance(observed uint64) (uint64, error) {
	next := max(l.lamport, observed)
	if next == math.MaxUint64 {
		return 0, sdk.Errorf(sdk.CodeExhausted, "the logical clock cannot advance past %d", uint64(math.MaxUint64))
	}
	l.lamport = next + 1
	return l.lamport, nil
}

// Order returns the next order_time token of authority at ms milliseconds
// (negative reads as 0). Tokens strictly increase even when ms goes back:
// the same millisecond, or an earlier one, stays on the last millisecond
// and counts on; after 2^64 tokens in one millisecond, it borrows the next.
func (l *Logical) Order(ms int64, authority sdk.AuthorityID) [TokenSize]byte {
	if at := uint64(max(ms, 0)); at > l.lastMS {
		l.lastMS, l.seq = at, 0
	} else {
		l.seq++
		if l.seq == 0 {
			l.lastMS++
		}
	}
	var token [TokenSize]byte
	binary.BigEndian.PutUint64(token[0:], l.lastMS)
	binary.BigEndian.PutUint64(token[8:], l.seq)
	copy(token[16:], authority[:])
	return token
}

package holds

import (
	"fmt"

	"github.com/aurahost/aura-host/effects"
)

// MessageID names one hold message: a retry of a send carries the same
// id, so its receiver drops a second copy.
type MessageID [16]byte

// outbound is one message waiting in a movement queue.
type outbound struct {
	id        MessageID
	kind      string
	fields    map[string]effects.Value
	expiresMs int64 // dropped unsent after this (the retention)
}

// Queue is one peer's bounded outbound movement queue: FIFO, at most
// limit messages, one per id. Push refuses (ErrQueueFull) rather than
// grow; a message that cannot be sent stays at the head and is retried.
// It is not safe for concurrent use (the Service's lock guards it).
type Queue struct {
	limit int
	items []outbound
}

// NewQueue returns an empty queue bounded to limit messages.
func NewQueue(limit int) *Queue { return &Queue{limit: limit} }

// Len is how many messages wait.
func (q *Queue) Len() int { return len(q.items) }

// Push appends m, unless a message with its id already waits (a no-op:
// the copy would be a replay) or the queue is full.
func (q *Queue) Push(m outbound) error {
	for _, it := range q.items {
		if it.id == m.id {
			return nil
		}
	}
	if len(q.items) >= q.limit {
		return fmt.Errorf("%w: %d messages wait for this peer already", ErrQueueFull, q.limit)
	}
	q.items = append(q.items, m)
	return nil
}

// Head is the oldest message, if any.
func (q *Queue) Head() (outbound, bool) {
	if len(q.items) == 0 {
		return outbound{}, false
	}
	return q.items[0], true
}

// Pop removes the oldest message.
func (q *Queue) Pop() {
	if len(q.items) > 0 {
		q.items[0] = outbound{}
		q.items = q.items[1:]
	}
}

// DropExpired removes the messages past their expiry at nowMs and returns
// how many.
func (q *Queue) DropExpired(nowMs int64) int {
	kept := q.items[:0]
	for _, it := range q.items {
		if nowMs < it.expiresMs {
			kept = append(kept, it)
		}
	}
	n := len(q.items) - len(kept)
	clear(q.items[len(kept):])
	q.items = kept
	return n
}

// ReplayWindow remembers the ids of one peer's messages received within
// the window. A message is accepted once: a second copy within the window
// is a replay, and a message sent longer ago than the window (or from
// further in the future) is stale — so an id forgotten when it leaves the
// window can never be accepted again. At most limit ids are remembered:
// when that many are in the window, further messages are refused (the
// sender retries later) rather than forgetting one early.
type ReplayWindow struct {
	windowMs int64
	limit    int
	seen     map[MessageID]int64 // id → its sent_ms
}

// NewReplayWindow returns an empty window of windowMs, remembering at
// most limit ids.
func NewReplayWindow(windowMs int64, limit int) *ReplayWindow {
	return &ReplayWindow{windowMs: windowMs, limit: limit, seen: map[MessageID]int64{}}
}

// Accept reports whether the message id, sent at sentMs, is new at nowMs,
// and remembers it; otherwise it returns an error wrapping ErrReplay (or
// ErrQueueFull when the window holds its most).
func (w *ReplayWindow) Accept(id MessageID, sentMs, nowMs int64) error {
	if sentMs < nowMs-w.windowMs || sentMs > nowMs+w.windowMs {
		return fmt.Errorf("%w: sent at %dms, outside the window of %dms around %dms", ErrReplay, sentMs, w.windowMs, nowMs)
	}
	if _, ok := w.seen[id]; ok {
		return fmt.Errorf("%w: message %x seen already", ErrReplay, id[:])
	}
	if len(w.seen) >= w.limit {
		w.Prune(nowMs)
		if len(w.seen) >= w.limit {
			return fmt.Errorf("%w: %d messages of this peer within the replay window", ErrQueueFull, w.limit)
		}
	}
	w.seen[id] = sentMs
	return nil
}

// Prune forgets the ids that left the window at nowMs.
func (w *ReplayWindow) Prune(nowMs int64) {
	for id, sent := range w.seen {
		if sent < nowMs-w.windowMs {
			delete(w.seen, id)
		}
	}
}

// Len is how many ids are remembered.
func (w *ReplayWindow) Len() int { return len(w.seen) }

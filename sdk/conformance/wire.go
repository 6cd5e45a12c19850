package conformance

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
)

// wire is the suite's side of one InvokeStream: it numbers calls, reads
// every result frame in one goroutine, hands each result to the call
// waiting for its ID, and keeps what matches no call in flight (strays)
// and every error code seen, for the checks to judge.
type wire struct {
	fs *sdk.FrameStream

	sendMu sync.Mutex
	mu     sync.Mutex
	next   uint64
	wait   map[uint64]chan sdk.WireResult
	strays []sdk.WireResult
	codes  map[string]effects.OpID // every code seen → an operation that returned it
	ops    map[uint64]effects.OpID // op of each call in flight
	late   map[uint64]bool         // calls given up on: their answers are not strays
	done   chan struct{}           // closed when the stream has ended
	err    error                   // why
}

func openWire(ctx context.Context, c *sdk.Client) (*wire, error) {
	fs, err := c.OpenFrameStream(ctx)
	if err != nil {
		return nil, err
	}
	w := &wire{fs: fs, next: 1, wait: map[uint64]chan sdk.WireResult{}, codes: map[string]effects.OpID{},
		ops: map[uint64]effects.OpID{}, late: map[uint64]bool{}, done: make(chan struct{})}
	go w.recvLoop()
	return w, nil
}

func (w *wire) recvLoop() {
	for {
		results, err := w.fs.Recv()
		if err != nil {
			w.mu.Lock()
			w.err = err
			w.mu.Unlock()
			close(w.done)
			return
		}
		w.mu.Lock()
		for _, r := range results {
			if r.Code != "" {
				if _, seen := w.codes[r.Code]; !seen && len(w.codes) < maxKept {
					w.codes[r.Code] = w.ops[r.CallID]
				}
			}
			ch, ok := w.wait[r.CallID]
			if !ok && w.late[r.CallID] {
				delete(w.late, r.CallID)
				continue
			}
			if !ok {
				if len(w.strays) < maxKept {
					w.strays = append(w.strays, r)
				}
				continue
			}
			delete(w.wait, r.CallID)
			delete(w.ops, r.CallID)
			ch <- r
		}
		w.mu.Unlock()
	}
}

// maxKept bounds the strays and distinct codes kept: a plugin flooding
// the stream with results cannot grow the suite's memory.
const maxKept = 64

// pending is a call sent and not yet answered.
type pending struct {
	id uint64
	ch chan sdk.WireResult
}

// send sends calls in one frame, each with its own new ID, and returns
// them in order.
func (w *wire) send(calls []*effects.Call, timeout time.Duration) ([]pending, error) {
	w.mu.Lock()
	out := make([]pending, len(calls))
	wc := make([]sdk.WireCall, len(calls))
	for i, c := range calls {
		id := w.next
		w.next++
		ch := make(chan sdk.WireResult, 1)
		w.wait[id] = ch
		w.ops[id] = c.Op
		out[i] = pending{id, ch}
		wc[i] = sdk.WireCall{ID: id, Call: c, Timeout: timeout}
	}
	w.mu.Unlock()
	w.sendMu.Lock()
	defer w.sendMu.Unlock()
	return out, w.fs.Send(wc, nil)
}

// sendAs sends c under id, an ID the suite chose (a duplicate, to see
// what the plugin does with it); its answer goes to whoever waits for id.
func (w *wire) sendAs(id uint64, c *effects.Call) error {
	w.sendMu.Lock()
	defer w.sendMu.Unlock()
	return w.fs.Send([]sdk.WireCall{{ID: id, Call: c}}, nil)
}

// expect waits for one more answer under id, an ID already answered once.
func (w *wire) expect(id uint64) pending {
	w.mu.Lock()
	defer w.mu.Unlock()
	ch := make(chan sdk.WireResult, 1)
	w.wait[id] = ch
	return pending{id, ch}
}

// cancel sends a cancel entry for the call.
func (w *wire) cancel(id uint64) error {
	w.sendMu.Lock()
	defer w.sendMu.Unlock()
	return w.fs.Send(nil, []uint64{id})
}

// await waits up to bound for the call's result. ok is false if none came;
// reason then says why (no answer, or the stream ended).
func (w *wire) await(p pending, bound time.Duration) (r sdk.WireResult, ok bool, reason string) {
	t := time.NewTimer(bound)
	defer t.Stop()
	select {
	case r := <-p.ch:
		return r, true, ""
	case <-w.done:
		select {
		case r := <-p.ch:
			return r, true, ""
		default:
		}
		return r, false, w.broken()
	case <-t.C:
		w.forget(p.id)
		return r, false, fmt.Sprintf("no answer for call %d within %v", p.id, bound)
	}
}

func (w *wire) forget(id uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.wait[id]; ok {
		delete(w.wait, id)
		w.late[id] = true
	}
}

// call sends one call and waits up to bound (plus its own timeout) for it.
func (w *wire) call(c *effects.Call, timeout, bound time.Duration) (sdk.WireResult, bool, string) {
	ps, err := w.send([]*effects.Call{c}, timeout)
	if err != nil {
		return sdk.WireResult{}, false, w.brokenOr(err)
	}
	return w.await(ps[0], bound+timeout)
}

// broken says how the stream ended; "" while it is open.
func (w *wire) broken() string {
	select {
	case <-w.done:
		w.mu.Lock()
		defer w.mu.Unlock()
		return fmt.Sprintf("the call stream broke (%v): a plugin must answer errors in Result.error and never end InvokeStream while the host uses it, PROTOCOL.md §5.6", w.err)
	default:
		return ""
	}
}

func (w *wire) brokenOr(err error) string {
	if b := w.broken(); b != "" {
		return b
	}
	return err.Error()
}

// takeStrays returns and clears the results that matched no call in flight.
func (w *wire) takeStrays() []sdk.WireResult {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.strays
	w.strays = nil
	return s
}

func (w *wire) seenCodes() map[string]effects.OpID {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make(map[string]effects.OpID, len(w.codes))
	for k, v := range w.codes {
		out[k] = v
	}
	return out
}

func (w *wire) close() { w.fs.Close() }

// describe says in a few words what a result was.
func describe(r sdk.WireResult) string {
	switch {
	case r.Malformed != "":
		return "a malformed result (" + r.Malformed + ")"
	case r.Code != "":
		msg := r.Message
		if len(msg) > 200 {
			msg = msg[:200] + "…"
		}
		return fmt.Sprintf("%s (%q)", r.Code, msg)
	}
	s := r.Value.String()
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return "the value " + s
}

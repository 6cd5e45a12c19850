package admin

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/aurahost/aura-host/effects"
)

// The admin endpoint streams a signal of the reactive pipeline while it
// changes (`aura-host watch`):
//
//	GET /v1/watch?signal=NAME[&agent=NAME] → 200 and JSON lines, one WatchEvent per value
//
// The first line is the signal's value when the watch began, then one per
// change, each flushed as it is written; a watcher that reads slowly skips
// to the newest value (the pipeline keeps one per subscriber), so nothing
// queues for it. The stream ends when the client goes, when the host
// stops (Close), or when a write stalls for WatchWriteTimeout. A target
// that hosts no signals (not a Watcher) answers 404; an unknown signal or
// agent, 404 or 400 with what to do.

// WatchWriteTimeout bounds one write of a watch stream: a client that
// stops reading for longer is dropped.
const WatchWriteTimeout = 10 * time.Second

// Watcher is a Target that hosts reactive pipelines (an agent group).
type Watcher interface {
	// Watch subscribes to signal of the named agent ("": the only one):
	// values delivers its current value, then each new one, and is closed
	// when the subscription ends; stop releases it. Errors are
	// *effects.Error (not_found: no such signal; invalid_args: no such
	// agent; unavailable: no pipeline).
	Watch(agent, signal string) (values <-chan effects.Value, stop func(), err error)
}

// WatchEvent is one line of a watch stream.
type WatchEvent struct {
	Signal string        `json:"signal"`
	Value  effects.Value `json:"value"`
}

func (a *Server) handleWatch(w http.ResponseWriter, r *http.Request) {
	watcher, ok := a.cfg.Target.(Watcher)
	if !ok {
		http.Error(w, "this host hosts no signals: watch an agent deployment with a service whose builtin is \"reactive\"", http.StatusNotFound)
		return
	}
	signal := r.URL.Query().Get("signal")
	if signal == "" {
		http.Error(w, "name the signal to watch: /v1/watch?signal=NAME", http.StatusBadRequest)
		return
	}
	values, stop, err := watcher.Watch(r.URL.Query().Get("agent"), signal)
	if err != nil {
		http.Error(w, err.Error(), watchStatus(err))
		return
	}
	defer stop()
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	enc := json.NewEncoder(w)
	for {
		select {
		case <-r.Context().Done():
			return
		case <-a.closing:
			return
		case v, ok := <-values:
			if !ok {
				return
			}
			_ = rc.SetWriteDeadline(time.Now().Add(WatchWriteTimeout))
			if enc.Encode(WatchEvent{Signal: signal, Value: v}) != nil || rc.Flush() != nil {
				return
			}
		}
	}
}

func watchStatus(err error) int {
	switch effects.AsError(err).Code {
	case effects.CodeNotFound:
		return http.StatusNotFound
	case effects.CodeInvalidArgs:
		return http.StatusBadRequest
	case effects.CodeUnavailable, effects.CodeExhausted:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// ErrWatchEnded is what Client.Watch returns when the host ended the
// stream: it stopped, or the signal's pipeline did.
var ErrWatchEnded = errors.New("the host ended the watch: it stopped")

// Watch streams a signal of the running host's agent ("": the only one)
// and calls fn with each value, the current one first, until ctx ends
// (nil), fn fails (its error), or the host ends the stream
// (ErrWatchEnded). A refusal says what to do.
func (c *Client) Watch(ctx context.Context, agent, signal string, fn func(effects.Value) error) error {
	q := url.Values{"signal": {signal}}
	if agent != "" {
		q.Set("agent", agent)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://aura-host/v1/watch?"+q.Encode(), nil)
	if err != nil {
		return err
	}
	// A watch lasts as long as the caller wants: no overall timeout.
	res, err := (&http.Client{Transport: c.http.Transport}).Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("reach the host's admin endpoint: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
		return fmt.Errorf("watch %s: %s", signal, trimNewline(msg))
	}
	lines := bufio.NewScanner(res.Body)
	lines.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for lines.Scan() {
		var ev WatchEvent
		if err := json.Unmarshal(lines.Bytes(), &ev); err != nil {
			return fmt.Errorf("watch %s: malformed line from the host: %w", signal, err)
		}
		if err := fn(ev.Value); err != nil {
			return err
		}
	}
	if ctx.Err() != nil {
		return nil
	}
	if err := lines.Err(); err != nil {
		return fmt.Errorf("watch %s: %w", signal, err)
	}
	return ErrWatchEnded
}

// Write prints the event for people (the value's text form on a line) or,
// asJSON, as the stream's JSON line.
func (e WatchEvent) Write(w io.Writer, asJSON bool) error {
	if asJSON {
		return json.NewEncoder(w).Encode(e)
	}
	_, err := fmt.Fprintln(w, e.Value.String())
	return err
}

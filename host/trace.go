package host

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"sync"

	"github.com/hashicorp/go-hclog"
	"lukechampine.com/blake3"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/vm"
)

// TraceProvider is the provider the trace family is registered under: the
// host itself, in process, before any plugin (a plugin that claims
// trace.* conflicts at start-up).
const TraceProvider = "host"

// Bounds of the trace family: what one caller can make the host keep.
const (
	// MaxTraceName is the longest event or span name, in bytes.
	MaxTraceName = 128
	// MaxTraceAttributes is the largest attributes map, canonically encoded.
	MaxTraceAttributes = 64 << 10
	// MaxOpenSpans is how many spans one session may have open at once.
	MaxOpenSpans = 1024
	// maxTraceSessions is how many sessions' span state the host keeps;
	// the oldest is forgotten first (its open spans end unrecorded).
	maxTraceSessions = 1024
)

// traceLog answers the trace family (effects.TraceOps). The run's trace
// itself is the VM's: every invoke's request and outcome is recorded
// there, so these handlers only have to answer deterministically — a span
// ID derives from the session, the calling role, the span's name and its
// sequence number for that role, never from time or randomness — and keep
// the little state spans need, bounded per session and in sessions.
type traceLog struct {
	logger hclog.Logger

	mu       sync.Mutex
	sessions map[effects.SessionID]*traceSession
	order    []effects.SessionID // oldest first, for eviction
	events   uint64              // recorded since the host started
	spans    uint64
}

type traceSession struct {
	seq    map[string]uint64 // by role: events and spans so far
	events uint64
	open   map[string]openSpan
}

type openSpan struct {
	name   string
	events uint64 // the session's event count when it opened
}

func newTraceLog(logger hclog.Logger) *traceLog {
	return &traceLog{logger: logger, sessions: map[effects.SessionID]*traceSession{}}
}

// TraceCounts is how many trace events and spans a host recorded.
type TraceCounts struct{ Events, Spans uint64 }

func (t *traceLog) counts() TraceCounts {
	t.mu.Lock()
	defer t.mu.Unlock()
	return TraceCounts{Events: t.events, Spans: t.spans}
}

func (t *traceLog) Invoke(ctx context.Context, call *effects.Call) (effects.Value, error) {
	if err := ctx.Err(); err != nil {
		return effects.Value{}, err
	}
	role := ""
	if c, ok := vm.CallerFrom(ctx); ok {
		role = c.Role
	}
	switch call.Op {
	case effects.TraceEvent, effects.TraceSpan:
		name, attrs, err := traceArgs(call)
		if err != nil {
			return effects.Value{}, err
		}
		if call.Op == effects.TraceEvent {
			return t.event(call, role, name, attrs), nil
		}
		return t.span(call, role, name, attrs)
	case effects.TraceSpanEnd:
		id, _ := call.Arg("span").AsString()
		return t.end(call, id)
	}
	return effects.Value{}, &effects.Error{Code: effects.CodeUnknownOp, Op: call.Op}
}

func traceArgs(call *effects.Call) (string, effects.Value, error) {
	name, _ := call.Arg("name").AsString()
	if name == "" || len(name) > MaxTraceName {
		return "", effects.Value{}, &effects.Error{Code: effects.CodeInvalidArgs, Op: call.Op,
			Message: fmt.Sprintf("name is %d bytes: give a name of 1 to %d bytes", len(name), MaxTraceName)}
	}
	attrs := call.Arg("attributes")
	if n := len(attrs.Canonical()); n > MaxTraceAttributes {
		return "", effects.Value{}, &effects.Error{Code: effects.CodeInvalidArgs, Op: call.Op,
			Message: fmt.Sprintf("attributes encode to %d bytes, more than %d: trace less, or a digest of it", n, MaxTraceAttributes)}
	}
	return name, attrs, nil
}

// session returns the state of id, creating it (and forgetting the
// oldest session beyond the bound). t.mu is held.
func (t *traceLog) session(id effects.SessionID) *traceSession {
	if s, ok := t.sessions[id]; ok {
		return s
	}
	if len(t.order) >= maxTraceSessions {
		delete(t.sessions, t.order[0])
		t.order = t.order[1:]
	}
	s := &traceSession{seq: map[string]uint64{}, open: map[string]openSpan{}}
	t.sessions[id] = s
	t.order = append(t.order, id)
	return s
}

func (t *traceLog) event(call *effects.Call, role, name string, attrs effects.Value) effects.Value {
	t.mu.Lock()
	s := t.session(call.Session)
	seq := s.seq[role]
	s.seq[role] = seq + 1
	s.events++
	t.events++
	t.mu.Unlock()
	if t.logger.IsDebug() {
		t.logger.Debug("trace event", "name", name, "session", call.Session, "role", role, "attributes", attrs.String())
	}
	return effects.Map(map[string]effects.Value{"name": effects.String(name), "seq": effects.Uint(seq)})
}

func (t *traceLog) span(call *effects.Call, role, name string, attrs effects.Value) (effects.Value, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.session(call.Session)
	if len(s.open) >= MaxOpenSpans {
		return effects.Value{}, &effects.Error{Code: effects.CodeExhausted, Op: call.Op,
			Message: fmt.Sprintf("the session has %d spans open, the most it may: end some with %s", MaxOpenSpans, effects.TraceSpanEnd)}
	}
	seq := s.seq[role]
	id := SpanID(call.Session, role, name, seq)
	if _, dup := s.open[id]; dup { // a 64-bit collision: refuse rather than merge two spans
		return effects.Value{}, &effects.Error{Code: effects.CodeConflict, Op: call.Op, Message: "span " + id + " is already open"}
	}
	s.seq[role] = seq + 1
	s.open[id] = openSpan{name: name, events: s.events}
	t.spans++
	if t.logger.IsDebug() {
		t.logger.Debug("trace span", "span", id, "name", name, "session", call.Session, "role", role, "attributes", attrs.String())
	}
	return effects.String(id), nil
}

func (t *traceLog) end(call *effects.Call, id string) (effects.Value, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.sessions[call.Session]
	var sp openSpan
	if ok {
		sp, ok = s.open[id]
	}
	if !ok {
		return effects.Value{}, &effects.Error{Code: effects.CodeNotFound, Op: call.Op,
			Message: fmt.Sprintf("span %q is not open in this session: end a span %s returned, once", id, effects.TraceSpan)}
	}
	delete(s.open, id)
	return effects.Map(map[string]effects.Value{"span": effects.String(id), "name": effects.String(sp.name),
		"events": effects.Uint(s.events - sp.events)}), nil
}

// SpanID is the ID trace.trace_span returns: "span-" and the first 8
// bytes, in hex, of BLAKE3("aura-trace-span/v1" 0x00 session role 0x00
// name 0x00 seq), seq being the role's count of trace calls in the
// session so far. The same run gives the same IDs.
func SpanID(session effects.SessionID, role, name string, seq uint64) string {
	h := blake3.New(8, nil)
	h.Write([]byte("aura-trace-span/v1\x00"))
	h.Write(session[:])
	h.Write([]byte(role))
	h.Write([]byte{0})
	h.Write([]byte(name))
	h.Write([]byte{0})
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], seq)
	h.Write(b[:])
	return "span-" + hex.EncodeToString(h.Sum(nil))
}

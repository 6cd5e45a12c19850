package reactive

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"lukechampine.com/blake3"

	"github.com/aurahost/aura-host/effects"
)

// manualClock's timers fire when the test calls fire; armed receives each
// timer the pipeline makes, so a test knows a batch window is open.
type manualClock struct{ armed chan *manualTimer }

type manualTimer struct {
	c       chan time.Time
	mu      sync.Mutex
	stopped bool
}

func newManualClock() *manualClock { return &manualClock{armed: make(chan *manualTimer, 64)} }

func (m *manualClock) NewTimer(time.Duration) Timer {
	t := &manualTimer{c: make(chan time.Time, 1)}
	m.armed <- t
	return t
}

func (t *manualTimer) C() <-chan time.Time { return t.c }

func (t *manualTimer) Stop() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	was := !t.stopped
	t.stopped = true
	return was
}

func (t *manualTimer) fire() { t.c <- time.Time{} }

// waitArmed returns the next timer the pipeline arms.
func (m *manualClock) waitArmed(t *testing.T) *manualTimer {
	t.Helper()
	select {
	case tm := <-m.armed:
		return tm
	case <-t.Context().Done():
		t.Fatal("no batch window was opened")
		return nil
	}
}

func fact(pred string, authority string, ms int64, body effects.Value) effects.Value {
	return effects.Map(map[string]effects.Value{
		"type": effects.String("test"), "predicate": effects.String(pred),
		"authority": effects.String(authority), "time": effects.Int(ms), "body": body,
	})
}

func factID(v effects.Value) []byte {
	id := blake3.Sum256(v.Canonical())
	return id[:]
}

func appendCommit(v effects.Value) Commit {
	return Commit{Op: effects.JournalAppendFact, Args: effects.Map(map[string]effects.Value{"fact": v}),
		Result: effects.Bytes(factID(v))}
}

func mergeCommit(vs ...effects.Value) Commit {
	return Commit{Op: effects.JournalMergeFacts, Args: effects.Map(map[string]effects.Value{"facts": effects.List(vs...)}),
		Result: effects.Int(int64(len(vs)))}
}

func intBody(k string, n int64) effects.Value {
	return effects.Map(map[string]effects.Value{k: effects.Int(n)})
}

// started returns a running pipeline on a manual clock, stopped at the
// end of the test.
func started(t *testing.T, cfg Config) (*Pipeline, *manualClock) {
	t.Helper()
	clock := newManualClock()
	if cfg.Name == "" {
		cfg.Name = "reactive"
	}
	if cfg.Clock == nil {
		cfg.Clock = clock
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Stop(context.Background()) })
	return p, clock
}

func mustRegister(t *testing.T, p *Pipeline, def effects.Value) effects.Value {
	t.Helper()
	d, err := ParseDefinition(def)
	if err != nil {
		t.Fatalf("definition %v: %v", def, err)
	}
	v, err := p.Register(t.Context(), d, false)
	if err != nil {
		t.Fatalf("register %v: %v", def, err)
	}
	return v
}

func mustRead(t *testing.T, p *Pipeline, name string) effects.Value {
	t.Helper()
	v, err := p.Read(t.Context(), name)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return v
}

// recv waits for the subscription's next value.
func recv(t *testing.T, s *Subscription) effects.Value {
	t.Helper()
	select {
	case v, ok := <-s.C():
		if !ok {
			t.Fatal("subscription closed")
		}
		return v
	case <-t.Context().Done():
		t.Fatal("no value delivered")
		return effects.Value{}
	}
}

// none checks that nothing is waiting in the subscription's channel.
func none(t *testing.T, s *Subscription) {
	t.Helper()
	select {
	case v := <-s.C():
		t.Fatalf("unexpected value %v", v)
	default:
	}
}

func wantCode(t *testing.T, err error, code effects.Code, what string) {
	t.Helper()
	var e *effects.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("%s: got %v, want a %s error", what, err, code)
	}
}

func m(kv ...any) effects.Value {
	out := map[string]effects.Value{}
	for i := 0; i < len(kv); i += 2 {
		switch x := kv[i+1].(type) {
		case effects.Value:
			out[kv[i].(string)] = x
		case string:
			out[kv[i].(string)] = effects.String(x)
		case int:
			out[kv[i].(string)] = effects.Int(int64(x))
		case bool:
			out[kv[i].(string)] = effects.Bool(x)
		case []string:
			l := make([]effects.Value, len(x))
			for j, s := range x {
				l[j] = effects.String(s)
			}
			out[kv[i].(string)] = effects.List(l...)
		default:
			panic("m: unsupported value")
		}
	}
	return effects.Map(out)
}

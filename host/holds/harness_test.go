package holds

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aurahost/aura-host/effects"
)

// world is a fake of what a hold service reaches through its agent's
// invoker: device keys (and the deployment's peer keys), a clock the test
// moves, storage per agent, and a network that — like the guard chain —
// stamps every envelope with its sender's authority (a send naming another
// source is denied) and fails sends to or from a disconnected agent.
type world struct {
	t       *testing.T
	mu      sync.Mutex
	now     int64
	keys    map[effects.AuthorityID]ed25519.PrivateKey
	inbox   map[[2]effects.AuthorityID][][]byte // (destination, source) → payloads in Context
	storage map[effects.AuthorityID]map[string][]byte
	down    map[effects.AuthorityID]bool
	svcs    map[string]*Service
	ids     map[string]effects.AuthorityID
	names   []string
}

func newWorld(t *testing.T, names ...string) *world {
	w := &world{t: t, now: 1_000_000, keys: map[effects.AuthorityID]ed25519.PrivateKey{},
		inbox: map[[2]effects.AuthorityID][][]byte{}, storage: map[effects.AuthorityID]map[string][]byte{},
		down: map[effects.AuthorityID]bool{}, svcs: map[string]*Service{}, ids: map[string]effects.AuthorityID{}, names: names}
	for _, n := range names {
		id := effects.DeriveAuthorityID(n, 1)
		seed := sha256.Sum256([]byte("key " + n))
		w.keys[id] = ed25519.NewKeyFromSeed(seed[:])
		w.ids[n] = id
		w.storage[id] = map[string][]byte{}
	}
	return w
}

// start makes and starts the service of agent name, its peers every other
// agent of the world.
func (w *world) start(name string, tweak func(*Config)) *Service {
	w.t.Helper()
	var peers []effects.AuthorityID
	for _, n := range w.names {
		peers = append(peers, w.ids[n])
	}
	cfg := Config{Self: w.ids[name], Invoke: w.invoker(w.ids[name]), Peers: peers}
	if tweak != nil {
		tweak(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		w.t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		w.t.Fatal(err)
	}
	w.svcs[name] = s
	return s
}

func (w *world) id(name string) effects.AuthorityID { return w.ids[name] }

func (w *world) advance(d time.Duration) {
	w.mu.Lock()
	w.now += d.Milliseconds()
	w.mu.Unlock()
}

func (w *world) setDown(name string, down bool) {
	w.mu.Lock()
	w.down[w.ids[name]] = down
	w.mu.Unlock()
}

// settle pumps every running, connected service until no envelope moves
// (bounded: a livelock fails the test).
func (w *world) settle() {
	w.t.Helper()
	for range 50 {
		before := w.moved()
		for _, n := range w.names {
			s := w.svcs[n]
			if s == nil || w.isDown(n) {
				continue
			}
			if err := s.Pump(context.Background()); err != nil {
				w.t.Fatal(err)
			}
		}
		if w.moved() == before && w.pending() == 0 {
			if !w.backedOff() {
				return
			}
			// Messages wait for a reachable peer: a backoff since it was
			// away. Move the clock past it, as a simulator jumps to its
			// next event.
			w.advance(DefaultMaxBackoff)
		}
	}
	w.t.Fatalf("the services never settled: %d envelopes pending", w.pending())
}

// backedOff reports whether a running, connected service has messages
// queued for a connected peer.
func (w *world) backedOff() bool {
	for _, n := range w.names {
		s := w.svcs[n]
		if s == nil || w.isDown(n) {
			continue
		}
		for _, p := range w.names {
			if p != n && !w.isDown(p) && s.QueueLen(w.ids[p]) > 0 {
				return true
			}
		}
	}
	return false
}

func (w *world) isDown(name string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.down[w.ids[name]]
}

// moved sums what every service sent and received.
func (w *world) moved() int64 {
	var n int64
	for _, s := range w.svcs {
		st := s.Stats()
		n += st.Sent + st.Received
	}
	return n
}

// pending counts the envelopes waiting for a connected agent.
func (w *world) pending() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for k, l := range w.inbox {
		if !w.down[k[0]] {
			n += len(l)
		}
	}
	return n
}

// inject puts a raw payload from src into dst's inbox, as if src had sent
// it (the test acting as a peer).
func (w *world) inject(src, dst string, payload []byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	k := [2]effects.AuthorityID{w.ids[dst], w.ids[src]}
	w.inbox[k] = append(w.inbox[k], payload)
}

func (w *world) invoker(self effects.AuthorityID) Invoker {
	return func(ctx context.Context, op effects.OpID, args effects.Value) (effects.Value, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		arg := func(k string) effects.Value { v, _ := args.Get(k); return v }
		str := func(k string) string { s, _ := arg(k).AsString(); return s }
		raw := func(v effects.Value) []byte { b, _ := v.AsBytes(); return b }
		switch op {
		case effects.DeviceSign:
			return effects.Bytes(ed25519.Sign(w.keys[self], effects.DeviceSigningMessage(str("purpose"), raw(arg("message"))))), nil
		case effects.DevicePublicKey:
			id, err := effects.ParseAuthorityID(str("authority"))
			if err != nil || w.keys[id] == nil {
				return effects.Value{}, effects.Errorf(effects.CodeNotFound, "no key for %s", str("authority"))
			}
			return effects.Bytes(w.keys[id].Public().(ed25519.PublicKey)), nil
		case effects.ClockPhysicalTime:
			return effects.Map(map[string]effects.Value{"ms": effects.Int(w.now), "uncertainty_ms": effects.Int(0)}), nil
		case effects.NetworkSendEnvelope:
			env := arg("envelope")
			get := func(k string) []byte { v, _ := env.Get(k); return raw(v) }
			var dst, src effects.AuthorityID
			copy(dst[:], get("destination"))
			copy(src[:], get("source"))
			if src != self {
				return effects.Value{}, effects.Errorf(effects.CodeDenied, "source %s is not the caller %s", src, self)
			}
			if string(get("context")) != string(Context[:]) {
				return effects.Value{}, effects.Errorf(effects.CodeInvalidArgs, "not the hold context")
			}
			if w.down[self] || w.down[dst] {
				return effects.Value{}, effects.Errorf(effects.CodeUnavailable, "%s is unreachable", dst)
			}
			k := [2]effects.AuthorityID{dst, self}
			w.inbox[k] = append(w.inbox[k], get("payload"))
			return effects.Null(), nil
		case effects.NetworkReceiveEnvelopeFrom:
			var src effects.AuthorityID
			copy(src[:], raw(arg("source")))
			k := [2]effects.AuthorityID{self, src}
			if w.down[self] || len(w.inbox[k]) == 0 {
				return effects.Null(), nil
			}
			p := w.inbox[k][0]
			w.inbox[k] = w.inbox[k][1:]
			return effects.Map(map[string]effects.Value{"source": effects.Bytes(src[:]), "payload": effects.Bytes(p)}), nil
		case effects.StorageStore:
			w.storage[self][str("key")] = raw(arg("value"))
			return effects.Null(), nil
		case effects.StorageRetrieve:
			b, ok := w.storage[self][str("key")]
			if !ok {
				return effects.Value{}, effects.Errorf(effects.CodeNotFound, "no key")
			}
			return effects.Bytes(b), nil
		case effects.StorageRemove:
			_, ok := w.storage[self][str("key")]
			delete(w.storage[self], str("key"))
			return effects.Bool(ok), nil
		case effects.StorageListKeys:
			var keys []string
			for k := range w.storage[self] {
				if strings.HasPrefix(k, str("prefix")) {
					keys = append(keys, k)
				}
			}
			slices.Sort(keys)
			out := make([]effects.Value, len(keys))
			for i, k := range keys {
				out[i] = effects.String(k)
			}
			return effects.List(out...), nil
		}
		return effects.Value{}, &effects.Error{Code: effects.CodeUnknownOp, Op: op}
	}
}

// call invokes a hold operation on a service as its own agent.
func call(t *testing.T, s *Service, op effects.OpID, args map[string]effects.Value) (effects.Value, error) {
	t.Helper()
	return s.Invoke(context.Background(), &effects.Call{Op: op, Authority: s.cfg.Self, Args: effects.Map(args)})
}

func mustCall(t *testing.T, s *Service, op effects.OpID, args map[string]effects.Value) effects.Value {
	t.Helper()
	v, err := call(t, s, op, args)
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	return v
}

func names(ids []effects.AuthorityID, w *world) string {
	var out []string
	for _, id := range ids {
		for n, x := range w.ids {
			if x == id {
				out = append(out, n)
			}
		}
	}
	slices.Sort(out)
	return fmt.Sprint(out)
}

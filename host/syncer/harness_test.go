package syncer_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bits-and-blooms/bloom/v3"
	"github.com/hashicorp/go-hclog"
	"lukechampine.com/blake3"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/syncer"
	"github.com/aurahost/aura-host/plugins/journal"
	"github.com/aurahost/aura-host/sdk"
)

// memJournal serves the journal's sync operations over an in-memory set of
// signed facts, as the journal plugin specifies them: what the round logic
// is tested against without a plugin.
type memJournal struct {
	mu    sync.Mutex
	facts map[[32]byte]effects.Value
}

func newMemJournal() *memJournal { return &memJournal{facts: map[[32]byte]effects.Value{}} }

func factID(f effects.Value) [32]byte { return blake3.Sum256(f.Canonical()) }

// put stores facts without any check: how a hostile peer's journal holds
// forged facts.
func (j *memJournal) put(facts ...effects.Value) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, f := range facts {
		j.facts[factID(f)] = f
	}
}

func (j *memJournal) ids() [][32]byte {
	j.mu.Lock()
	defer j.mu.Unlock()
	ids := make([][32]byte, 0, len(j.facts))
	for id := range j.facts {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b [32]byte) int { return bytes.Compare(a[:], b[:]) })
	return ids
}

func (j *memJournal) root() ([]byte, int) {
	ids := j.ids()
	h := blake3.New(32, nil)
	for _, id := range ids {
		h.Write(id[:])
	}
	return h.Sum(nil), len(ids)
}

func salted(salt int64, id [32]byte) []byte {
	return binary.BigEndian.AppendUint64(append([]byte(nil), id[:]...), uint64(salt))
}

func (j *memJournal) invoke(op effects.OpID, args effects.Value) (effects.Value, error) {
	arg := func(k string) effects.Value { v, _ := args.Get(k); return v }
	switch op {
	case syncer.OpSyncRoot, syncer.OpSyncDigest:
		root, n := j.root()
		out := map[string]effects.Value{"root": effects.Bytes(root), "count": effects.Int(int64(n))}
		if op == syncer.OpSyncDigest {
			salt, _ := arg("salt").AsInt()
			f := bloom.NewWithEstimates(uint(max(n, 64)), 0.01)
			for _, id := range j.ids() {
				f.Add(salted(salt, id))
			}
			b, _ := f.MarshalBinary()
			out["bloom"] = effects.Bytes(b)
		}
		return effects.Map(out), nil
	case syncer.OpSyncMissing:
		salt, _ := arg("salt").AsInt()
		maxBytes, _ := arg("max_bytes").AsInt()
		b, _ := arg("bloom").AsBytes()
		f := &bloom.BloomFilter{}
		if err := f.UnmarshalBinary(b); err != nil {
			return effects.Value{}, effects.Errorf(effects.CodeInvalidArgs, "bloom: %v", err)
		}
		var out []effects.Value
		size, more := 0, false
		for _, id := range j.ids() {
			if f.Test(salted(salt, id)) {
				continue
			}
			j.mu.Lock()
			fact := j.facts[id]
			j.mu.Unlock()
			if n := len(fact.Canonical()); int64(size+n) > maxBytes {
				more = true
				break
			} else {
				size += n
			}
			if encoded, _ := arg("encoded").AsBool(); encoded {
				fact = effects.Bytes(fact.Canonical())
			}
			out = append(out, fact)
		}
		return effects.Map(map[string]effects.Value{"facts": effects.List(out...), "more": effects.Bool(more)}), nil
	case syncer.OpMergeSigned:
		allowed := map[string]bool{}
		for _, k := range arg("keys").Items() {
			a, _ := k.Get("authority")
			key, _ := k.Get("key")
			allowed[string(a.Canonical())+key.BytesString()] = true
		}
		var merged, known int64
		var refused []effects.Value
		items := arg("facts").Items()
		for _, p := range arg("pages").Items() {
			raw, _ := p.AsBytes()
			page, err := effects.DecodeCanonical(raw)
			if err != nil || page.Kind() != effects.KindList {
				return effects.Value{}, effects.Errorf(effects.CodeInvalidArgs, "pages: %v", err)
			}
			items = append(items, page.Items()...)
		}
		for _, f := range items {
			id := factID(f)
			reason := ""
			if err := syncer.VerifyFactSignature(f); err != nil {
				reason = err.Error()
			} else {
				a, _ := f.Get("authority")
				s, _ := f.Get(syncer.SignerField)
				if !allowed[string(a.Canonical())+s.BytesString()] {
					reason = "the signer is not a key of the fact's authority"
				}
			}
			if reason != "" {
				refused = append(refused, effects.Map(map[string]effects.Value{"id": effects.Bytes(id[:]), "reason": effects.String(reason)}))
				continue
			}
			j.mu.Lock()
			if _, ok := j.facts[id]; ok {
				known++
			} else {
				j.facts[id] = f
				merged++
			}
			j.mu.Unlock()
		}
		return effects.Map(map[string]effects.Value{"merged": effects.Int(merged), "known": effects.Int(known),
			"refused": effects.List(refused...)}), nil
	}
	return effects.Value{}, &effects.Error{Code: effects.CodeUnknownOp, Op: op}
}

// hub is an in-memory network between nodes, with partitions, and with
// receipt chains as the guard chain keeps them: each envelope carries its
// chain's epoch and nonce, a receiver takes only the next nonce (or a newer
// epoch), so one lost envelope makes it refuse every later one until the
// sender restarts its chain.
type hub struct {
	mu     sync.Mutex
	boxes  map[string][]stamped // destination|source|context → envelopes, oldest first
	down   map[effects.AuthorityID]bool
	nodes  []effects.AuthorityID
	chains map[[2]effects.AuthorityID]*chain
	// lose lists, per (sender, receiver), the nonces of the first epoch
	// whose envelopes are lost silently (the send succeeds).
	lose map[[2]effects.AuthorityID][]int
}

type stamped struct {
	env          effects.Value
	epoch, nonce int
}

type chain struct {
	epoch, sent        int // the sender's side
	gotEpoch, gotNonce int // the receiver's side
	restarts, refusals int
}

func newHub() *hub {
	return &hub{boxes: map[string][]stamped{}, down: map[effects.AuthorityID]bool{},
		chains: map[[2]effects.AuthorityID]*chain{}, lose: map[[2]effects.AuthorityID][]int{}}
}

func (h *hub) chain(src, dst effects.AuthorityID) *chain {
	c := h.chains[[2]effects.AuthorityID{src, dst}]
	if c == nil {
		c = &chain{}
		h.chains[[2]effects.AuthorityID{src, dst}] = c
	}
	return c
}

// restart is RestartChain: the sender's next envelope starts a new epoch.
func (h *hub) restart(src, dst effects.AuthorityID) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.chain(src, dst)
	c.epoch++
	c.sent = 0
	c.restarts++
}

func (h *hub) loseNonces(src, dst effects.AuthorityID, nonces ...int) {
	h.mu.Lock()
	h.lose[[2]effects.AuthorityID{src, dst}] = nonces
	h.mu.Unlock()
}

func boxKey(dst, src, ctx effects.Value) string {
	return string(dst.Canonical()) + "|" + string(src.Canonical()) + "|" + string(ctx.Canonical())
}

func (h *hub) setDown(id effects.AuthorityID, down bool) {
	h.mu.Lock()
	h.down[id] = down
	h.mu.Unlock()
}

func (h *hub) invoke(self effects.AuthorityID, op effects.OpID, args effects.Value) (effects.Value, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	arg := func(k string) effects.Value { v, _ := args.Get(k); return v }
	switch op {
	case effects.NetworkSendEnvelope:
		env := arg("envelope")
		dst, _ := env.Get("destination")
		src, _ := env.Get("source")
		c, _ := env.Get("context")
		var d effects.AuthorityID
		copy(d[:], dst.BytesString())
		ch := h.chain(self, d)
		ch.sent++ // the receipt is issued before the network is tried
		if h.down[self] || h.down[d] {
			return effects.Value{}, effects.Errorf(effects.CodeUnavailable, "partitioned")
		}
		if ch.epoch == 0 && slices.Contains(h.lose[[2]effects.AuthorityID{self, d}], ch.sent) {
			return effects.Map(map[string]effects.Value{"seq": effects.Uint(1)}), nil
		}
		k := boxKey(dst, src, c)
		h.boxes[k] = append(h.boxes[k], stamped{env: env, epoch: ch.epoch, nonce: ch.sent})
		return effects.Map(map[string]effects.Value{"seq": effects.Uint(1)}), nil
	case effects.NetworkReceiveEnvelopeFrom:
		src := arg("source")
		k := boxKey(effects.Bytes(self[:]), src, arg("context"))
		q := h.boxes[k]
		if len(q) == 0 {
			return effects.Null(), nil
		}
		h.boxes[k] = q[1:]
		var from effects.AuthorityID
		copy(from[:], src.BytesString())
		ch := h.chain(from, self)
		switch e := q[0]; {
		case e.epoch > ch.gotEpoch || (e.epoch == ch.gotEpoch && e.nonce == ch.gotNonce+1):
			ch.gotEpoch, ch.gotNonce = e.epoch, e.nonce
			return e.env, nil
		default:
			ch.refusals++
			return effects.Value{}, effects.Errorf(effects.CodeDenied, "receipt nonce %d (epoch %d) does not follow %d (epoch %d)",
				e.nonce, e.epoch, ch.gotNonce, ch.gotEpoch)
		}
	case effects.NetworkConnectedPeers:
		var out []effects.Value
		if !h.down[self] {
			for _, n := range h.nodes {
				if n != self && !h.down[n] {
					out = append(out, effects.Bytes(n[:]))
				}
			}
		}
		return effects.List(out...), nil
	}
	return effects.Value{}, &effects.Error{Code: effects.CodeUnknownOp, Op: op}
}

// node is one syncer with its journal, device key and log.
type node struct {
	id      effects.AuthorityID
	key     ed25519.PrivateKey
	journal *memJournal // nil when real is set
	// real, when set, is the journal plugin (in process) serving the
	// node's journal operations instead.
	real   *sdk.Local
	syncer *syncer.Syncer
	log    *syncBuffer
	cancel context.CancelFunc
	done   chan error
	// journalDelay, when set, is called before each journal operation
	// (set it before start): a slow journal.
	journalDelay func(op effects.OpID)
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// cluster makes n nodes on one hub, each a peer of every other, allowed
// keys being each node's device key for its authority.
func cluster(t *testing.T, h *hub, names ...string) []*node {
	t.Helper()
	nodes := make([]*node, len(names))
	for i, name := range names {
		seed := blake3.Sum256([]byte("key " + name))
		nodes[i] = &node{id: effects.DeriveAuthorityID(name, 1), key: ed25519.NewKeyFromSeed(seed[:]), journal: newMemJournal(), log: &syncBuffer{}}
		h.nodes = append(h.nodes, nodes[i].id)
	}
	for _, n := range nodes {
		var peers []syncer.Peer
		for _, o := range nodes {
			if o != n {
				peers = append(peers, syncer.Peer{Authority: o.id, Keys: []syncer.Key{{Authority: o.id, Key: o.key.Public().(ed25519.PublicKey)}}})
			}
		}
		n.syncer = newSyncer(t, h, n, peers)
	}
	return nodes
}

func newSyncer(t *testing.T, h *hub, n *node, peers []syncer.Peer) *syncer.Syncer {
	t.Helper()
	return newSyncerWith(t, h, n, peers, 2*time.Second)
}

// newSyncerWith is newSyncer with the given RoundTimeout.
func newSyncerWith(t *testing.T, h *hub, n *node, peers []syncer.Peer, roundTimeout time.Duration) *syncer.Syncer {
	t.Helper()
	logger := hclog.New(&hclog.LoggerOptions{Level: hclog.Info, Output: n.log})
	s, err := syncer.New(syncer.Config{
		Self: n.id, Peers: peers, Logger: logger, RoundTimeout: roundTimeout, PeerCheck: -1,
		RestartChain: func(_ context.Context, peer effects.AuthorityID) error { h.restart(n.id, peer); return nil },
		Keys:         []syncer.Key{{Authority: n.id, Key: n.key.Public().(ed25519.PublicKey)}},
		Invoke: func(ctx context.Context, op effects.OpID, args effects.Value) (effects.Value, error) {
			if err := ctx.Err(); err != nil {
				return effects.Value{}, err
			}
			if strings.HasPrefix(string(op), "journal.") {
				if n.journalDelay != nil {
					n.journalDelay(op)
				}
				return n.journalCall(ctx, op, args)
			}
			return h.invoke(n.id, op, args)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (n *node) start(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	n.cancel, n.done = cancel, make(chan error, 1)
	go func() { n.done <- n.syncer.Run(ctx) }()
	t.Cleanup(n.stop)
}

// syncAll runs SyncAll on n once its Run has begun (SyncAll says
// ErrClosed before).
func (n *node) syncAll(t *testing.T) []syncer.Result {
	t.Helper()
	return n.syncAllWithin(t, 30*time.Second)
}

// syncAllWithin is syncAll, failing the test after d.
func (n *node) syncAllWithin(t *testing.T, d time.Duration) []syncer.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for {
		res, err := n.syncer.SyncAll(ctx)
		if err == syncer.ErrClosed && ctx.Err() == nil {
			time.Sleep(time.Millisecond)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
}

func (n *node) stop() {
	if n.cancel != nil {
		n.cancel()
		<-n.done
		n.cancel = nil
	}
}

// write signs count facts of n's authority into its journal.
func (n *node) write(t *testing.T, label string, count int) int {
	t.Helper()
	size := 0
	for i := range count {
		f, err := syncer.SignFact(n.key, fact(n.id, fmt.Sprintf("%s-%d", label, i)))
		if err != nil {
			t.Fatal(err)
		}
		size += len(f.Canonical())
		n.journal.put(f)
	}
	return size
}

func fact(author effects.AuthorityID, body string) effects.Value {
	return effects.Map(map[string]effects.Value{
		"type": effects.String("note"), "authority": effects.Bytes(author[:]), "time": effects.Int(1),
		"predicate": effects.String("note.written"), "body": effects.String(body)})
}

func (j *memJournal) facts2() []effects.Value {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make([]effects.Value, 0, len(j.facts))
	for _, f := range j.facts {
		out = append(out, f)
	}
	return out
}

func (j *memJournal) facts2map() map[[32]byte]effects.Value {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make(map[[32]byte]effects.Value, len(j.facts))
	for k, f := range j.facts {
		out[k] = f
	}
	return out
}

func (n *node) journalCall(ctx context.Context, op effects.OpID, args effects.Value) (effects.Value, error) {
	if n.real != nil {
		return n.real.Invoke(ctx, &effects.Call{Op: op, Args: args, Authority: n.id})
	}
	return n.journal.invoke(op, args)
}

// realCluster is cluster with each node's journal the journal plugin, in
// process, on a fresh state directory.
func realCluster(t *testing.T, h *hub, names ...string) []*node {
	t.Helper()
	nodes := cluster(t, h, names...)
	for _, n := range nodes {
		local, err := sdk.NewLocal(journal.New(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if diags := local.Configure(context.Background(), sdk.ConfigureRequest{Config: effects.Map(nil), Mode: effects.Testing,
			Authority: n.id, StateDir: t.TempDir()}, nil); len(diags) > 0 {
			t.Fatalf("configure the journal: %+v", diags)
		}
		n.real, n.journal = local, nil
	}
	return nodes
}

// rootOf is the node's journal.sync_root.
func (n *node) syncRoot(t *testing.T) (string, int64) {
	t.Helper()
	v, err := n.journalCall(context.Background(), syncer.OpSyncRoot, effects.Map(nil))
	if err != nil {
		t.Fatal(err)
	}
	r, _ := v.Get("root")
	c, _ := v.Get("count")
	count, _ := c.AsInt()
	return r.BytesString(), count
}

// appendSigned signs facts with n's key and appends them to its journal
// with merge_facts: the journal must take what SignFact makes.
func (n *node) appendSigned(t *testing.T, facts ...effects.Value) {
	t.Helper()
	signed := make([]effects.Value, len(facts))
	for i, f := range facts {
		s, err := syncer.SignFact(n.key, f)
		if err != nil {
			t.Fatal(err)
		}
		signed[i] = s
	}
	if _, err := n.journalCall(context.Background(), effects.JournalMergeFacts, effects.Map(map[string]effects.Value{"facts": effects.List(signed...)})); err != nil {
		t.Fatal(err)
	}
}

func signFact(n *node, f effects.Value) (effects.Value, error) { return syncer.SignFact(n.key, f) }

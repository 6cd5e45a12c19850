package syncer_test

import (
	"bytes"
	"compress/flate"
	"context"
	"crypto/ed25519"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/syncer"
)

// converged fails the test unless every node holds the same facts.
func converged(t *testing.T, nodes ...*node) {
	t.Helper()
	r0, n0 := nodes[0].journal.root()
	for _, n := range nodes[1:] {
		if r, c := n.journal.root(); !bytes.Equal(r, r0) || c != n0 {
			t.Fatalf("journals differ: %d facts vs %d", n0, c)
		}
	}
}

func TestTwoDisjointJournalsConverge(t *testing.T) {
	t.Parallel()
	h := newHub()
	nodes := cluster(t, h, "a", "b")
	a, b := nodes[0], nodes[1]
	sizeA := a.write(t, "a", 500)
	sizeB := b.write(t, "b", 300)
	a.start(t)
	b.start(t)
	res := a.syncAll(t)
	if len(res) != 1 || res[0].Err != nil || !res[0].Converged {
		t.Fatalf("results %+v, want one converged", res)
	}
	converged(t, a, b)
	if _, n := a.journal.root(); n != 800 {
		t.Fatalf("%d facts, want 800", n)
	}
	sa, sb := a.syncer.Stats(), b.syncer.Stats()
	if sa.Merged != 300 || sb.Merged != 500 || sa.Refused+sb.Refused != 0 {
		t.Fatalf("a merged %d, b %d (refused %d): want 300 and 500", sa.Merged, sb.Merged, sa.Refused+sb.Refused)
	}
	if got, want := sa.FactBytesReceived+sb.FactBytesReceived, int64(sizeA+sizeB); got != want {
		t.Fatalf("moved %d fact bytes, want exactly the missing %d", got, want)
	}
	ratio := float64(sa.PayloadBytesReceived+sb.PayloadBytesReceived) / float64(sizeA+sizeB)
	t.Logf("payload / missing fact bytes = %.3f", ratio)
	if ratio > 1.2 {
		t.Fatalf("payload is %.3f × the missing facts' bytes, want at most 1.2", ratio)
	}
	// A second sync finds the roots equal at once.
	res = b.syncAll(t)
	if !res[0].Converged || res[0].Rounds != 1 || res[0].Merged != 0 {
		t.Fatalf("second sync %+v, want one round, converged, nothing merged", res[0])
	}
}

func TestThreeOverlappingJournalsConverge(t *testing.T) {
	t.Parallel()
	h := newHub()
	nodes := cluster(t, h, "a", "b", "c")
	shared := nodes[0].write(t, "shared", 200)
	for _, n := range nodes[1:] {
		n.journal.put(nodes[0].journal.facts2()...)
	}
	_ = shared
	for i, n := range nodes {
		n.write(t, string(rune('a'+i)), 300+100*i)
	}
	for _, n := range nodes {
		n.start(t)
	}
	// Every node asks at once: rounds collide, and busy syncers retry.
	done := make(chan []syncer.Result, len(nodes))
	for _, n := range nodes {
		go func() { done <- n.syncAll(t) }()
	}
	for range nodes {
		for _, r := range <-done {
			t.Logf("%+v", r)
			if r.Err != nil {
				t.Errorf("round with %s: %v", r.Peer, r.Err)
			}
		}
	}
	converged(t, nodes...)
	if _, n := nodes[0].journal.root(); n != 200+300+400+500 {
		t.Fatalf("%d facts, want %d", n, 200+300+400+500)
	}
	var merged, known int64
	for _, n := range nodes {
		st := n.syncer.Stats()
		merged += st.Merged
		known += st.Known
	}
	// Each node lacked the other two's own facts.
	if want := int64(2 * (300 + 400 + 500)); merged != want {
		t.Fatalf("merged %d facts in all, want %d", merged, want)
	}
	t.Logf("duplicates received: %d", known)
}

func TestPartitionedNodesConvergeOnceHealed(t *testing.T) {
	t.Parallel()
	h := newHub()
	nodes := cluster(t, h, "a", "b", "c")
	for _, n := range nodes {
		h.setDown(n.id, true)
		n.start(t)
	}
	for i, n := range nodes {
		n.write(t, string(rune('a'+i)), 200)
	}
	for _, r := range nodes[0].syncAll(t) {
		if r.Err == nil {
			t.Fatalf("a round with %s succeeded across a partition", r.Peer)
		}
	}
	for _, n := range nodes {
		h.setDown(n.id, false)
	}
	for _, n := range nodes {
		n.syncAll(t)
	}
	converged(t, nodes...)
}

// A merge that takes longer than RoundTimeout — a journal on a loaded
// machine — does not time the round out while the peer's next pages wait
// in the inbox: the peer's silence is counted from the merge's end. Before,
// the round ended as soon as the merge returned and the peer's remaining
// pages were dropped as unsolicited.
func TestSlowMergeDoesNotTimeTheRoundOut(t *testing.T) {
	t.Parallel()
	h := newHub()
	nodes := cluster(t, h, "a", "b")
	a, b := nodes[0], nodes[1]
	// a's RoundTimeout is shorter than its slow merge and long enough for
	// b's own steps on a loaded machine (under -race); b waits long for
	// a's last page, which follows the merge.
	const roundTimeout = 10 * time.Second
	peerOf := func(n *node) []syncer.Peer {
		return []syncer.Peer{{Authority: n.id, Keys: []syncer.Key{{Authority: n.id, Key: n.key.Public().(ed25519.PublicKey)}}}}
	}
	a.syncer = newSyncerWith(t, h, a, peerOf(b), roundTimeout)
	b.syncer = newSyncerWith(t, h, b, peerOf(a), 6*roundTimeout)
	b.write(t, "b", syncer.MergeBatch+500) // a merges a first batch before b's last page
	var slowed atomic.Bool
	a.journalDelay = func(op effects.OpID) {
		if op == syncer.OpMergeSigned && slowed.CompareAndSwap(false, true) {
			time.Sleep(roundTimeout + 2*time.Second) // a's own work, not b's silence
		}
	}
	a.start(t)
	b.start(t)
	res := a.syncAllWithin(t, 3*time.Minute) // a 12 s merge, and under -race every step is slow
	if len(res) != 1 || res[0].Err != nil || !res[0].Converged {
		t.Fatalf("results %+v, want one converged\n%s", res, a.log)
	}
	converged(t, a, b)
	if st := a.syncer.Stats(); st.RoundsFailed != 0 || st.Malformed != 0 {
		t.Fatalf("a: %d rounds failed, %d messages dropped; want none:\n%s", st.RoundsFailed, st.Malformed, a.log)
	}
}

func TestForgedFactsAreRefusedAndLogged(t *testing.T) {
	t.Parallel()
	h := newHub()
	nodes := cluster(t, h, "honest", "hostile")
	honest, hostile := nodes[0], nodes[1]
	good := hostile.write(t, "good", 3)
	_ = good
	// A fact of the hostile authority whose signature was altered.
	f, _ := syncer.SignFact(hostile.key, fact(hostile.id, "tampered"))
	m := map[string]effects.Value{}
	for _, x := range f.Fields() {
		m[x.Key] = x.Value
	}
	m["body"] = effects.String("tampered after signing")
	badSig := effects.Map(m)
	// A fact claiming the honest authority, well signed by the hostile
	// device's key, which is not allowed for it.
	wrongKey, _ := syncer.SignFact(hostile.key, fact(honest.id, "impersonation"))
	// A fact signed by a key nobody allowed.
	_, stranger, _ := ed25519.GenerateKey(nil)
	unknownKey, _ := syncer.SignFact(stranger, fact(hostile.id, "stranger"))
	hostile.journal.put(badSig, wrongKey, unknownKey)
	honest.start(t)
	hostile.start(t)
	res := honest.syncAll(t)
	if res[0].Err != nil {
		t.Fatal(res[0].Err)
	}
	// The forged facts are refused in every round that offers them (the
	// first round merged the good ones, so a second one ran).
	if res[0].Refused < 3 || res[0].Merged != 3 {
		t.Fatalf("result %+v: want 3 merged, the 3 forged ones refused", res[0])
	}
	for _, bad := range []effects.Value{badSig, wrongKey, unknownKey} {
		id := factID(bad)
		if _, ok := honest.journal.facts2map()[id]; ok {
			t.Fatalf("a forged fact was merged: %v", bad)
		}
	}
	log := honest.log.String()
	st := honest.syncer.Stats()
	if n := strings.Count(log, "sync: refused a fact"); int64(n) != st.Refused || st.Refused != res[0].Refused {
		t.Fatalf("%d refusals logged, %d counted, %d in the result:\n%s", n, st.Refused, res[0].Refused, log)
	}
	for _, bad := range []effects.Value{badSig, wrongKey, unknownKey} {
		if id := factID(bad); !strings.Contains(log, fmt.Sprintf("fact=%x", id)) {
			t.Errorf("the refusal of fact %x is not logged", id)
		}
	}
	for _, want := range []string{"signature does not verify", "not a key of the fact's authority", "peer=" + hostile.id.String()} {
		if !strings.Contains(log, want) {
			t.Errorf("the log does not say %q:\n%s", want, log)
		}
	}
}

// TestHostilePeerGarbageIsDropped: a peer that sends undecodable payloads,
// messages of unknown kinds, and digests and facts outside any round gets
// them dropped, logged and counted, and an honest round still works.
func TestHostilePeerGarbageIsDropped(t *testing.T) {
	t.Parallel()
	h := newHub()
	nodes := cluster(t, h, "victim", "garbler")
	victim, garbler := nodes[0], nodes[1]
	forged, _ := syncer.SignFact(garbler.key, fact(victim.id, "unsolicited"))
	payloads := [][]byte{
		[]byte("not canonical at all"),
		effects.Int(7).Canonical(),
		effects.Map(map[string]effects.Value{"k": effects.String("launch"), "r": effects.Uint(1)}).Canonical(),
		effects.Map(map[string]effects.Value{"k": effects.String("facts"), "r": effects.Uint(99), "facts": effects.List(forged),
			"last": effects.Bool(true), "more": effects.Bool(false)}).Canonical(),
		effects.Map(map[string]effects.Value{"k": effects.String("digest"), "r": effects.Uint(99), "salt": effects.Int(1),
			"part": effects.Int(5), "parts": effects.Int(1 << 20), "bloom": effects.Bytes(nil), "reply": effects.Bool(true)}).Canonical(),
		effects.Map(map[string]effects.Value{"k": effects.String("root"), "r": effects.Uint(3)}).Canonical(),
		// A page that inflates to 4 MiB: a compression bomb.
		effects.Map(map[string]effects.Value{"k": effects.String("facts"), "r": effects.Uint(99), "z": effects.Bytes(deflate(make([]byte, 4<<20))),
			"last": effects.Bool(true), "more": effects.Bool(false), "took": effects.Int(0)}).Canonical(),
	}
	for _, p := range payloads {
		env := effects.Map(map[string]effects.Value{"envelope": effects.Map(map[string]effects.Value{
			"destination": effects.Bytes(victim.id[:]), "source": effects.Bytes(garbler.id[:]),
			"context": effects.Bytes(syncer.Context[:]), "payload": effects.Bytes(p)})})
		if _, err := h.invoke(garbler.id, effects.NetworkSendEnvelope, env); err != nil {
			t.Fatal(err)
		}
	}
	victim.start(t)
	waitFor(t, func() bool { return victim.syncer.Stats().Malformed == int64(len(payloads)) })
	if _, n := victim.journal.root(); n != 0 {
		t.Fatalf("the victim's journal holds %d facts after garbage", n)
	}
	garbler.write(t, "honest", 5)
	garbler.start(t)
	res := victim.syncAll(t)
	if res[0].Err != nil || res[0].Merged != 5 {
		t.Fatalf("honest round after garbage: %+v", res[0])
	}
	converged(t, victim, garbler)
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for !cond() {
		if ctx.Err() != nil {
			t.Fatal("condition not met within 10 s")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestSignedFactsVerify(t *testing.T) {
	t.Parallel()
	_, key, _ := ed25519.GenerateKey(nil)
	f, err := syncer.SignFact(key, fact(effects.DeriveAuthorityID("x", 1), "hello"))
	if err != nil {
		t.Fatal(err)
	}
	if err := syncer.VerifyFactSignature(f); err != nil {
		t.Fatal(err)
	}
	again, _ := syncer.SignFact(key, f) // re-signing replaces signer and signature
	if !again.Equal(f) {
		t.Fatal("signing a signed fact again changed it")
	}
	if err := syncer.VerifyFactSignature(fact(effects.DeriveAuthorityID("x", 1), "unsigned")); err == nil {
		t.Fatal("an unsigned fact verified")
	}
}

func deflate(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestCompression)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// A lost envelope breaks the receiver's receipt chain; the syncers restart
// it (the receiver asks, the sender restarts before its next send) and
// converge anyway. a's root is lost silently (the send succeeds: a's round
// times out), and so is b's first page of facts (a refuses the pages after
// it and asks b to restart).
func TestLostEnvelopesRestartTheReceiptChain(t *testing.T) {
	t.Parallel()
	h := newHub()
	nodes := cluster(t, h, "a", "b")
	a, b := nodes[0], nodes[1]
	a.write(t, "a", 300)
	b.write(t, "b", 3000)       // several pages
	h.loseNonces(a.id, b.id, 1) // a's first root
	h.loseNonces(b.id, a.id, 2) // b's first page (after its digest)
	a.start(t)
	b.start(t)
	deadline := time.Now().Add(20 * time.Second)
	for {
		a.syncAll(t)
		ra, na := a.journal.root()
		rb, nb := b.journal.root()
		if bytes.Equal(ra, rb) && na == 3300 && nb == 3300 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no convergence after lost envelopes: a %d facts, b %d", na, nb)
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for pair, c := range h.chains {
		t.Logf("chain %s → %s: %d restarts, %d refusals", pair[0], pair[1], c.restarts, c.refusals)
	}
	if c := h.chains[[2]effects.AuthorityID{b.id, a.id}]; c.refusals == 0 || c.restarts == 0 {
		t.Fatalf("b → a: %d refusals, %d restarts: the lost page should have made a refuse, and b restart", c.refusals, c.restarts)
	}
	if !strings.Contains(a.log.String(), "envelope refused by the guard chain") {
		t.Fatalf("a did not log the refusals:\n%s", a.log.String())
	}
}

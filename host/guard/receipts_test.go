package guard

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/aurahost/aura-host/effects"
)

var chainAB = ChainKey{Context: ctxAB, Src: alice, Dst: bob}

// issueN issues n receipts on chainAB in epoch.
func issueN(t *testing.T, m *ReceiptManager, n int, epoch uint64) []Receipt {
	t.Helper()
	var out []Receipt
	for range n {
		r, err := m.Issue(context.Background(), keyOf("alice"), chainAB, epoch, 2)
		mustNoErr(t, err)
		out = append(out, r)
	}
	return out
}

func nonces(rs []Receipt) []uint64 {
	var out []uint64
	for _, r := range rs {
		out = append(out, r.Nonce)
	}
	return out
}

func TestIssueChains(t *testing.T) {
	m := NewReceiptManager(NewMemStore(), 0)
	rs := issueN(t, m, 3, 1)
	if rs[0].Prev != ([32]byte{}) {
		t.Fatal("first receipt of an epoch must have a zero prev")
	}
	for i, r := range rs {
		mustNoErr(t, Verify(r, keyOf("alice").PublicKey()))
		if r.Nonce != uint64(i+1) || r.Epoch != 1 || r.Cost != 2 || r.Chain() != chainAB || r.Version != ReceiptVersion {
			t.Fatalf("receipt %d: %+v", i, r)
		}
		if i > 0 && r.Prev != rs[i-1].Hash() {
			t.Fatalf("receipt %d does not link to %d", i, i-1)
		}
	}
	// A new epoch restarts the chain; the nonce keeps growing.
	r, err := m.Issue(context.Background(), keyOf("alice"), chainAB, 2, 1)
	mustNoErr(t, err)
	if r.Prev != ([32]byte{}) || r.Nonce != 4 {
		t.Fatalf("first receipt of epoch 2: %+v", r)
	}
	// An older epoch is refused and burns nothing.
	if _, err := m.Issue(context.Background(), keyOf("alice"), chainAB, 1, 1); !errors.Is(err, ErrStaleEpoch) || !errors.Is(err, effects.ErrConflict) {
		t.Fatalf("issue for an old epoch: %v", err)
	}
	// The nonce is per (context, src): another destination continues it.
	r, err = m.Issue(context.Background(), keyOf("alice"), ChainKey{ctxAB, alice, carol}, 1, 1)
	mustNoErr(t, err)
	if r.Nonce != 5 || r.Prev != ([32]byte{}) {
		t.Fatalf("receipt to carol: %+v", r)
	}
}

func TestAccept(t *testing.T) {
	ctx := context.Background()
	pub := keyOf("alice").PublicKey()
	issuer := NewReceiptManager(NewMemStore(), 0)
	rs := issueN(t, issuer, 4, 1)
	next := issueN(t, issuer, 1, 2)[0]

	// forge signs a receipt with alice's real key: only the order checks
	// can refuse it.
	forge := func(r Receipt) Receipt {
		s, err := SignReceipt(ctx, r, keyOf("alice"))
		mustNoErr(t, err)
		return s
	}

	tests := []struct {
		name     string
		accepted []Receipt // accepted first, in order
		r        Receipt
		want     error // nil = accepted
	}{
		{"first", nil, rs[0], nil},
		{"in order", rs[:2], rs[2], nil},
		{"reused nonce (replay of the last)", rs[:2], rs[1], ErrNonceReused},
		{"reused nonce (replay of an earlier)", rs[:3], rs[0], ErrNonceReused},
		{"reused nonce with a valid link", rs[:2], forge(Receipt{Context: ctxAB, Src: alice, Dst: bob, Epoch: 1, Cost: 2, Nonce: 2, Prev: rs[1].Hash()}), ErrNonceReused},
		{"replay of a lower nonce with a valid link", rs[:3], forge(Receipt{Context: ctxAB, Src: alice, Dst: bob, Epoch: 1, Cost: 2, Nonce: 1, Prev: rs[2].Hash()}), ErrNonceReused},
		{"nonce zero", rs[:1], forge(Receipt{Context: ctxAB, Src: alice, Dst: bob, Epoch: 1, Cost: 2, Nonce: 0, Prev: rs[0].Hash()}), ErrNonceRegressed},
		{"broken link (a receipt skipped)", rs[:1], rs[2], ErrBrokenChain},
		{"broken link (first receipt with a prev)", nil, rs[1], ErrBrokenChain},
		{"broken link (higher nonce, wrong prev)", rs[:2], forge(Receipt{Context: ctxAB, Src: alice, Dst: bob, Epoch: 1, Cost: 2, Nonce: 9, Prev: [32]byte{1}}), ErrBrokenChain},
		{"new epoch restarts the chain", rs[:2], next, nil},
		{"old epoch after a new one", []Receipt{rs[0], next}, rs[1], ErrStaleEpoch},
		{"tampered", nil, func() Receipt { r := rs[0]; r.Cost = 100; return r }(), ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewReceiptManager(NewMemStore(), 0)
			for _, r := range tt.accepted {
				mustNoErr(t, m.Accept(ctx, r, pub))
			}
			before, err := m.Accepted(ctx, chainAB)
			mustNoErr(t, err)
			err = m.Accept(ctx, tt.r, pub)
			if tt.want == nil {
				mustNoErr(t, err)
				return
			}
			if !errors.Is(err, tt.want) || !errors.Is(err, effects.ErrDenied) {
				t.Fatalf("err %v, want %v (denied)", err, tt.want)
			}
			after, err := m.Accepted(ctx, chainAB)
			mustNoErr(t, err)
			if !slices.Equal(before, after) {
				t.Fatal("a refused receipt changed the chain")
			}
			// The chain still takes the receipt that does follow.
			if len(tt.accepted) > 0 && tt.accepted[len(tt.accepted)-1].Epoch == 1 {
				i := slices.Index(rs, tt.accepted[len(tt.accepted)-1])
				if i+1 < len(rs) {
					mustNoErr(t, m.Accept(ctx, rs[i+1], pub))
				}
			}
		})
	}
}

// TestLowerNonceRejected: the receiver sees a gap (nonce 2 went to
// another destination); a receipt with that lower, never-seen nonce is still
// refused, even correctly signed and linked.
func TestLowerNonceRejected(t *testing.T) {
	ctx := context.Background()
	k := keyOf("alice")
	issuer := NewReceiptManager(NewMemStore(), 0)
	r1, err := issuer.Issue(ctx, k, chainAB, 1, 1)
	mustNoErr(t, err)
	_, err = issuer.Issue(ctx, k, ChainKey{ctxAB, alice, carol}, 1, 1)
	mustNoErr(t, err)
	r3, err := issuer.Issue(ctx, k, chainAB, 1, 1)
	mustNoErr(t, err)
	if r3.Nonce != 3 || r3.Prev != r1.Hash() {
		t.Fatalf("r3 %+v", r3)
	}
	recv := NewReceiptManager(NewMemStore(), 0)
	mustNoErr(t, recv.Accept(ctx, r1, k.PublicKey()))
	mustNoErr(t, recv.Accept(ctx, r3, k.PublicKey()))
	lower, err := SignReceipt(ctx, Receipt{Context: ctxAB, Src: alice, Dst: bob, Epoch: 1, Cost: 1, Nonce: 2, Prev: r3.Hash()}, k)
	mustNoErr(t, err)
	if err := recv.Accept(ctx, lower, k.PublicKey()); !errors.Is(err, ErrNonceRegressed) || !errors.Is(err, effects.ErrDenied) {
		t.Fatalf("lower nonce: %v", err)
	}
}

func TestRetentionAndPruning(t *testing.T) {
	ctx := context.Background()
	store := NewMemStore()
	m := NewReceiptManager(store, 3)
	rs := issueN(t, m, 5, 1)
	recv := NewReceiptManager(NewMemStore(), 3)
	for _, r := range rs {
		mustNoErr(t, recv.Accept(ctx, r, keyOf("alice").PublicKey()))
	}
	for name, mgr := range map[string]func(context.Context, ChainKey) ([]Receipt, error){"issued": m.Issued, "accepted": recv.Accepted} {
		got, err := mgr(ctx, chainAB)
		mustNoErr(t, err)
		if !slices.Equal(got, rs[2:]) {
			t.Fatalf("%s retains nonces %v, want the last three %v", name, nonces(got), nonces(rs[2:]))
		}
	}

	// Explicit pruning keeps the last one; the chain head survives, so the
	// pruned receipts still cannot be replayed and the next one still links.
	mustNoErr(t, recv.Prune(ctx, chainAB, 1))
	mustNoErr(t, m.Prune(ctx, chainAB, 1))
	got, _ := recv.Accepted(ctx, chainAB)
	if !slices.Equal(got, rs[4:]) {
		t.Fatalf("after prune: %v", nonces(got))
	}
	if err := recv.Accept(ctx, rs[2], keyOf("alice").PublicKey()); !errors.Is(err, ErrNonceRegressed) {
		t.Fatalf("replay of a pruned receipt: %v", err)
	}
	more := issueN(t, m, 1, 1)
	mustNoErr(t, recv.Accept(ctx, more[0], keyOf("alice").PublicKey()))
	mustNoErr(t, recv.Prune(ctx, chainAB, 0))
	if got, _ := recv.Accepted(ctx, chainAB); len(got) != 0 {
		t.Fatalf("prune to 0 kept %v", nonces(got))
	}

	// An epoch change drops the old epoch's receipts on both sides.
	newer := issueN(t, m, 2, 2)
	for _, r := range newer {
		mustNoErr(t, recv.Accept(ctx, r, keyOf("alice").PublicKey()))
	}
	issued, _ := m.Issued(ctx, chainAB)
	accepted, _ := recv.Accepted(ctx, chainAB)
	if !slices.Equal(issued, newer) || !slices.Equal(accepted, newer) {
		t.Fatalf("after the epoch change: issued %v accepted %v, want %v", nonces(issued), nonces(accepted), nonces(newer))
	}

	// State persists: a new manager over the same store continues the chain.
	m2 := NewReceiptManager(store, 3)
	r, err := m2.Issue(ctx, keyOf("alice"), chainAB, 2, 1)
	mustNoErr(t, err)
	if r.Nonce != newer[1].Nonce+1 || r.Prev != newer[1].Hash() {
		t.Fatalf("after reload: %+v", r)
	}
}

func TestChainRecordCorruption(t *testing.T) {
	ctx := context.Background()
	store := NewMemStore()
	m := NewReceiptManager(store, 0)
	issueN(t, m, 2, 1)
	for _, junk := range [][]byte{nil, {1}, {2, 0, 0}, make([]byte, 53+10)} {
		junk := append([]byte(nil), junk...)
		if len(junk) > 0 {
			junk[0] = 1
		}
		mustNoErr(t, store.Put(ctx, chainKey("out", chainAB), junk))
		if _, err := m.Issued(ctx, chainAB); !errors.Is(err, ErrCorruptRecord) {
			t.Fatalf("%x: %v", junk, err)
		}
	}
	mustNoErr(t, store.Put(ctx, nonceKey(ctxAB, alice), []byte{1, 2}))
	if _, err := m.Issue(ctx, keyOf("alice"), chainAB, 1, 1); !errors.Is(err, ErrCorruptRecord) {
		t.Fatalf("corrupt nonce: %v", err)
	}
}

// TestConcurrentIssueAndAccept: concurrent issuers never share a nonce and
// always form one chain; a receiver accepting them in nonce order takes
// every one.
func TestConcurrentIssueAndAccept(t *testing.T) {
	ctx := context.Background()
	m := NewReceiptManager(NewMemStore(), 0)
	var mu sync.Mutex
	var all []Receipt
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 25 {
				r, err := m.Issue(ctx, keyOf("alice"), chainAB, 1, 1)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				all = append(all, r)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.SortFunc(all, func(a, b Receipt) int { return int(a.Nonce) - int(b.Nonce) })
	recv := NewReceiptManager(NewMemStore(), 0)
	for i, r := range all {
		if r.Nonce != uint64(i+1) {
			t.Fatalf("nonce %d at %d", r.Nonce, i)
		}
		mustNoErr(t, recv.Accept(ctx, r, keyOf("alice").PublicKey()))
	}
}

// TestChainRecordLayout: a chain updated in place, through growth and then
// at retention, is stored exactly as the documented layout says — header,
// then the last retain receipts, oldest first — on both sides.
func TestChainRecordLayout(t *testing.T) {
	ctx := context.Background()
	out, in := NewMemStore(), NewMemStore()
	m, recv := NewReceiptManager(out, 4), NewReceiptManager(in, 4)
	var rs []Receipt
	for i := range 11 {
		r := issueN(t, m, 1, 1)[0]
		mustNoErr(t, recv.Accept(ctx, r, keyOf("alice").PublicKey()))
		rs = append(rs, r)
		kept := rs[max(0, len(rs)-4):]
		want := []byte{chainRecordVersion}
		want = binary.BigEndian.AppendUint64(want, 1)
		want = binary.BigEndian.AppendUint64(want, r.Nonce)
		h := r.Hash()
		want = append(want, h[:]...)
		want = binary.BigEndian.AppendUint32(want, uint32(len(kept)))
		for _, k := range kept {
			b, err := k.MarshalBinary()
			mustNoErr(t, err)
			want = append(want, b...)
		}
		for name, store := range map[string]*MemStore{"out": out, "in": in} {
			got, _, err := store.Get(ctx, chainKey(name, chainAB))
			mustNoErr(t, err)
			if !bytes.Equal(got, want) {
				t.Fatalf("after receipt %d, the %s record is\n%x\nwant\n%x", i+1, name, got, want)
			}
		}
	}
}

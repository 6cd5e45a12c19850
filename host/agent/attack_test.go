package agent_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"maps"
	"slices"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/guard"
)

// Attacks of issue 11 an agent makes on its own guard chain, through the
// effects it may call. Each is refused with a typed error and leaves the
// guard state as it was.

func sameState(a, b map[string][]byte) bool { return maps.EqualFunc(a, b, bytes.Equal) }

// Attack 2: after exhausting a flow budget of 5, alice rewrites the budget
// record where guard state used to live (the storage plugin, under
// guard/budget/<ctx>/<peer>) with a limit of 1,000,000, then removes it,
// then clears her storage. Guard state is the host's own, so none of it
// reaches the budget: the 6th send is still exhausted, and the guard store
// is byte for byte what it was.
func TestStorageCannotRaiseAFlowBudget(t *testing.T) {
	p := newPair(t)
	alice, bob := p.alice, p.bob
	ctx := context.Background()
	send := func() error {
		_, err := alice.Invoke(ctx, "network.send_envelope", envelope(alice, bob, "")) // costs 1
		return err
	}
	for i := range 5 {
		if err := send(); err != nil {
			t.Fatalf("send %d of 5: %v", i+1, err)
		}
	}
	if err := send(); !errors.Is(err, guard.ErrBudgetExhausted) {
		t.Fatalf("6th send: got %v, want exhausted", err)
	}
	before := p.aliceGuard.Snapshot()
	bobID := bob.AuthorityID()
	key := "guard/budget/" + hex.EncodeToString(ctxID[:]) + "/" + hex.EncodeToString(bobID[:])
	record, ok := before[key]
	if !ok {
		t.Fatalf("no budget record %s in alice's guard store: %v", key, slices.Collect(maps.Keys(before)))
	}
	forged := bytes.Clone(record)
	binary.BigEndian.PutUint64(forged[1:9], 1_000_000) // the limit
	binary.BigEndian.PutUint64(forged[9:17], 0)        // nothing spent

	attacks := []struct {
		name string
		op   effects.OpID
		args effects.Value
	}{
		{"storage.store a limit of 1,000,000", effects.StorageStore,
			effects.Map(map[string]effects.Value{"key": effects.String(key), "value": effects.Bytes(forged)})},
		{"storage.remove the record", effects.StorageRemove, effects.Map(map[string]effects.Value{"key": effects.String(key)})},
		{"storage.clear_all", effects.StorageClearAll, effects.Map(nil)},
	}
	for _, a := range attacks {
		if _, err := alice.Invoke(ctx, a.op, a.args); err != nil && !errors.Is(err, effects.ErrNotFound) {
			t.Fatalf("%s: %v", a.name, err)
		}
		err := send()
		if !errors.Is(err, guard.ErrBudgetExhausted) || !errors.Is(err, effects.ErrExhausted) {
			t.Fatalf("after %s, the 6th send: got %v, want exhausted", a.name, err)
		}
		if after := p.aliceGuard.Snapshot(); !sameState(before, after) {
			t.Fatalf("after %s the guard store changed", a.name)
		}
	}
	b, err := alice.FlowBudget(ctx, ctxID, bob.AuthorityID())
	if err != nil || b.Limit != 5 || b.Spent != 5 {
		t.Fatalf("alice's budget after the attacks: %+v, %v; want limit 5, spent 5", b, err)
	}
}

// Attack 3: alice asks the network for bob's mail, naming him as the
// destination (his 16 bytes, their hex, his ID's text), with receive and
// receive_from. Each is refused (denied, host.ErrNotYourMail) before the
// network sees it, nothing changes in either guard store, and bob's
// envelope is still delivered to bob afterwards.
func TestAgentCannotReceiveAnothersMail(t *testing.T) {
	p := newPair(t)
	alice, bob := p.alice, p.bob
	ctx := context.Background()
	if _, err := alice.Invoke(ctx, "network.send_envelope", envelope(alice, bob, "for bob only")); err != nil {
		t.Fatal(err)
	}
	tick(t, p.network, 1000)
	aliceBefore, bobBefore := p.aliceGuard.Snapshot(), p.bobGuard.Snapshot()
	bobID := bob.AuthorityID()
	for _, dst := range []effects.Value{effects.Bytes(bobID[:]), effects.String(hex.EncodeToString(bobID[:])),
		effects.String(bobID.String())} {
		for _, op := range []effects.OpID{effects.NetworkReceiveEnvelope, effects.NetworkReceiveEnvelopeFrom} {
			args := map[string]effects.Value{"destination": dst}
			if op == effects.NetworkReceiveEnvelopeFrom {
				args["source"], args["context"] = effects.Bytes(bobID[:]), effects.Bytes(ctxID[:])
			}
			v, err := alice.Invoke(ctx, op, effects.Map(args))
			if !errors.Is(err, effects.ErrDenied) || !errors.Is(err, host.ErrNotYourMail) {
				t.Fatalf("alice's %s for %v: got %v, %v; want denied", op, dst, v, err)
			}
		}
	}
	if !sameState(aliceBefore, p.aliceGuard.Snapshot()) || !sameState(bobBefore, p.bobGuard.Snapshot()) {
		t.Fatal("a refused receive changed a guard store")
	}
	got, err := bob.Invoke(ctx, "network.receive_envelope", effects.Map(nil))
	if err != nil || got.IsNull() {
		t.Fatalf("bob's receive after alice's attempts: %v, %v", got, err)
	}
	if env, _ := guard.EnvelopeFromValue(got); string(env.Payload) != "for bob only" {
		t.Fatalf("bob received %q", env.Payload)
	}
}

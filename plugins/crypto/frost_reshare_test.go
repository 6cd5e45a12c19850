package crypto

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/ed25519"
	"fmt"
	"testing"

	"filippo.io/edwards25519"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/plugintest"
	"github.com/aurahost/aura-host/sdk"
)

var reshareContextBytes = sdk.Bytes(bytes.Repeat([]byte{8}, 32))

// oldEpoch is a committed t-of-n DKG: its devices and public values.
type oldEpoch struct {
	ps        []*participant
	group     sdk.Value
	verifying sdk.Value
}

func committedDKG(t *testing.T, tt, n uint64) oldEpoch {
	t.Helper()
	ps, _, results := runDKG(t, tt, n, nil)
	for _, p := range ps {
		invoke(t, p.h, effects.CryptoFrostDKGCommit, vmap("key", sdk.String(p.key)))
	}
	info := invoke(t, ps[0].h, effects.CryptoFrostKeyInfo, vmap("key", sdk.String(ps[0].key)))
	return oldEpoch{ps: ps, group: get(t, results[0], "group_public"), verifying: get(t, info, "verifying_shares")}
}

// seat is one device's place in the new epoch: its new identifier, and
// whether it deals (with its old key).
type seat struct {
	dev   *participant
	id    uint64
	deals bool
}

func ints(xs ...uint64) sdk.Value {
	vs := make([]sdk.Value, len(xs))
	for i, x := range xs {
		vs[i] = sdk.Int(int64(x))
	}
	return sdk.List(vs...)
}

// beginReshare runs frost_reshare_begin for every seat and returns the new
// epoch's participants (the same devices, new identifiers and handles)
// and the packages.
func beginReshare(t *testing.T, old oldEpoch, seats []seat, tt uint64, dealers []uint64) ([]*participant, sdk.Value) {
	t.Helper()
	var news []*participant
	var pkgs []sdk.Value
	for _, s := range seats {
		args := vmap("t", sdk.Int(int64(tt)), "n", sdk.Int(int64(len(seats))), "identifier", sdk.Int(int64(s.id)),
			"context", reshareContextBytes, "group_public", old.group, "old_verifying_shares", old.verifying, "dealers", ints(dealers...))
		if s.deals {
			args = withField(args, "old_key", sdk.String(s.dev.key))
		}
		q := *s.dev
		q.id, q.begin = s.id, invoke(t, s.dev.h, effects.CryptoFrostReshareBegin, args)
		q.key, _ = get(t, q.begin, "key").AsString()
		news, pkgs = append(news, &q), append(pkgs, get(t, q.begin, "package"))
	}
	return news, sdk.List(pkgs...)
}

// reshareRounds runs round two and its end for ps over the packages.
func reshareRounds(t *testing.T, ps []*participant, all sdk.Value) []sdk.Value {
	t.Helper()
	var sent []sdk.Value
	for _, p := range ps {
		sent = append(sent, invoke(t, p.h, effects.CryptoFrostDKGShares, vmap("key", sdk.String(p.key), "packages", all)))
	}
	routed := invoke(t, ps[0].h, effects.CryptoFrostDKGRoute, vmap("shares", sdk.List(sent...), "from", sdk.Int(1), "to", sdk.Int(int64(all.Len()))))
	results := make([]sdk.Value, len(ps))
	for i, p := range ps {
		results[i] = invoke(t, p.h, effects.CryptoFrostDKGFinish, vmap("key", sdk.String(p.key), "packages", all, "shares", routed.Items()[p.id-1]))
	}
	return results
}

func mustOK(t *testing.T, results []sdk.Value, group sdk.Value) {
	t.Helper()
	for i, r := range results {
		if ok, _ := get(t, r, "ok").AsBool(); !ok {
			t.Fatalf("participant %d complains: %v", i+1, get(t, r, "complaint"))
		}
		if !get(t, r, "group_public").Equal(group) || !get(t, r, "transcript").Equal(get(t, results[0], "transcript")) {
			t.Fatalf("participant %d ends with another key or transcript: %v", i+1, r)
		}
	}
}

func signsUnder(t *testing.T, signers []*participant, group sdk.Value, msg string) {
	t.Helper()
	sig, err := thresholdSign(t, signers, group, []byte(msg))
	if err != nil {
		t.Fatalf("signers %v: %v", ids(signers), err)
	}
	gb, _ := group.AsBytes()
	sb, _ := sig.AsBytes()
	if !ed25519.Verify(gb, []byte(msg), sb) {
		t.Fatalf("crypto/ed25519 rejects the signature of %v under the group key", ids(signers))
	}
}

func ids(ps []*participant) []uint64 {
	out := make([]uint64, len(ps))
	for i, p := range ps {
		out[i] = p.id
	}
	return out
}

func stateOf(t *testing.T, p *participant) string {
	t.Helper()
	s, _ := get(t, invoke(t, p.h, effects.CryptoFrostKeyInfo, vmap("key", sdk.String(p.key))), "state").AsString()
	return s
}

// A 2-of-3 key reshared by two of its holders to 3-of-4 (the third holder
// stays without dealing, a fourth device joins) keeps its group key: any 3
// of the 4 new shares sign under it, 2 cannot, and the old shares of the
// devices that committed the new epoch are retired and refuse to sign.
func TestReshareToMoreDevicesAndAHigherThresholdKeepsTheGroupKey(t *testing.T) {
	t.Parallel()
	old := committedDKG(t, 2, 3)
	newcomer := newParticipant(t, 4, effects.Production, 0)
	if found := invoke(t, newcomer.h, effects.CryptoFrostKeyFind, vmap("group_public", old.group)); !found.IsNull() {
		t.Fatalf("the newcomer finds a key before the resharing: %v", found)
	}
	news, all := beginReshare(t, old, []seat{
		{old.ps[0], 1, true}, {old.ps[1], 2, true}, {old.ps[2], 3, false}, {newcomer, 4, false},
	}, 3, []uint64{1, 2})
	mustOK(t, reshareRounds(t, news, all), old.group)

	// Until the commit, the old epoch signs and the new one does not.
	plugintest.Fails(t, news[0].h, effects.CryptoFrostKeyNonces, vmap("key", sdk.String(news[0].key)), sdk.CodeConflict, "pending")
	signsUnder(t, old.ps[:2], old.group, "before the commit")

	for _, p := range news {
		info := invoke(t, p.h, effects.CryptoFrostDKGCommit, vmap("key", sdk.String(p.key)))
		if e := get(t, info, "epoch"); !e.Equal(sdk.Int(2)) {
			t.Fatalf("participant %d's new key is at epoch %v, want 2", p.id, e)
		}
		if g := get(t, info, "group_public"); !g.Equal(old.group) {
			t.Fatal("the group key changed")
		}
		if th := get(t, info, "threshold"); !th.Equal(sdk.Int(3)) {
			t.Fatalf("threshold %v, want 3", th)
		}
	}
	for i := range news { // every 3 of the 4
		var signers []*participant
		for j, p := range news {
			if j != i {
				signers = append(signers, p)
			}
		}
		signsUnder(t, signers, old.group, fmt.Sprintf("epoch 2 without %d", i+1))
	}
	if _, err := thresholdSign(t, news[1:3], old.group, []byte("two of four")); err == nil {
		t.Fatal("2 shares of a 3-of-4 key produced a signature")
	}
	for _, p := range old.ps {
		plugintest.Fails(t, p.h, effects.CryptoFrostKeyNonces, vmap("key", sdk.String(p.key)), sdk.CodeConflict, "retired at epoch 2")
		if s := stateOf(t, p); s != "retired" {
			t.Fatalf("device %d's old key is %s, want retired", p.id, s)
		}
	}
	// frost_key_find names the new epoch's key on every device, the newcomer's too.
	for _, p := range news {
		found := invoke(t, p.h, effects.CryptoFrostKeyFind, vmap("group_public", old.group))
		if k := get(t, found, "key"); !k.Equal(sdk.String(p.key)) {
			t.Fatalf("device %d: frost_key_find gives %v, want its epoch-2 key %s", p.id, k, p.key)
		}
	}
	if found := invoke(t, news[3].h, effects.CryptoFrostKeyFind, vmap()); !get(t, found, "epoch").Equal(sdk.Int(2)) {
		t.Fatalf("frost_key_find without a group: %v", found)
	}
	// The new key survives a restart, and the retirement too.
	restarted := news[0].restart(t, news[0].dev)
	signsUnder(t, []*participant{restarted, news[1], news[3]}, old.group, "after a restart")
	oldAgain := old.ps[0].restart(t, old.ps[0].dev)
	plugintest.Fails(t, oldAgain.h, effects.CryptoFrostKeyNonces, vmap("key", sdk.String(old.ps[0].key)), sdk.CodeConflict, "retired at epoch 2")
	// Committing again is harmless.
	invoke(t, news[0].h, effects.CryptoFrostDKGCommit, vmap("key", sdk.String(news[0].key)))
}

// A lost device is removed: the two remaining holders of a 2-of-3 key
// reshare it to 2-of-2. They sign under the same key; the lost device's
// old share, alone active in epoch 1, signs with no one.
func TestReshareRemovesALostDevice(t *testing.T) {
	t.Parallel()
	old := committedDKG(t, 2, 3)
	news, all := beginReshare(t, old, []seat{{old.ps[0], 1, true}, {old.ps[1], 2, true}}, 2, []uint64{1, 2})
	mustOK(t, reshareRounds(t, news, all), old.group)
	for _, p := range news {
		invoke(t, p.h, effects.CryptoFrostDKGCommit, vmap("key", sdk.String(p.key)))
	}
	signsUnder(t, news, old.group, "without device 3")
	if _, err := thresholdSign(t, news[:1], old.group, []byte("alone")); err == nil {
		t.Fatal("1 share of a 2-of-2 key produced a signature")
	}
	for _, p := range old.ps[:2] {
		plugintest.Fails(t, p.h, effects.CryptoFrostKeyNonces, vmap("key", sdk.String(p.key)), sdk.CodeConflict, "retired at epoch 2")
	}
	if s := stateOf(t, old.ps[2]); s != "active" {
		t.Fatalf("the lost device's key is %s: no one touched it", s)
	}
}

// A rotation interrupted part way (a newcomer crashes after round one and
// never finishes) is aborted by the others: their new keys are gone and
// the old epoch still signs.
func TestInterruptedReshareRollsBackToTheOldEpoch(t *testing.T) {
	t.Parallel()
	old := committedDKG(t, 2, 3)
	newcomer := newParticipant(t, 4, effects.Production, 0)
	news, all := beginReshare(t, old, []seat{
		{old.ps[0], 1, true}, {old.ps[1], 2, true}, {old.ps[2], 3, false}, {newcomer, 4, false},
	}, 3, []uint64{1, 2})
	// Device 4 crashes: its harness is dropped, it never shares or finishes.
	survivors := news[:3]
	// Their shares verify and their new keys are pending; device 4's
	// finish never comes, so they abort, as the choreography does.
	mustOK(t, reshareRounds(t, survivors, all), old.group)
	for _, p := range survivors {
		invoke(t, p.h, effects.CryptoFrostDKGAbort, vmap("key", sdk.String(p.key)))
		plugintest.Fails(t, p.h, effects.CryptoFrostKeyInfo, vmap("key", sdk.String(p.key)), sdk.CodeNotFound, "no key")
	}
	for _, p := range old.ps {
		if s := stateOf(t, p); s != "active" {
			t.Fatalf("device %d's old key is %s after the abort, want active", p.id, s)
		}
	}
	signsUnder(t, old.ps[1:], old.group, "the old epoch, after a failed rotation")
	signsUnder(t, []*participant{old.ps[0], old.ps[2]}, old.group, "and again")
}

// A dealer crashing after round one: the others' finish names it, and they
// abort with the old epoch intact.
func TestReshareDealerThatSendsNothingIsNamed(t *testing.T) {
	t.Parallel()
	old := committedDKG(t, 2, 3)
	news, all := beginReshare(t, old, []seat{{old.ps[0], 1, true}, {old.ps[1], 2, true}, {old.ps[2], 3, false}}, 2, []uint64{1, 2})
	survivors := []*participant{news[0], news[2]}
	results := reshareRounds(t, survivors, all)
	for i, r := range results {
		if accused := get(t, get(t, r, "complaint"), "accused"); !accused.Equal(sdk.Int(2)) {
			t.Fatalf("survivor %d's complaint names %v, want 2", i, accused)
		}
	}
	for _, p := range survivors {
		invoke(t, p.h, effects.CryptoFrostDKGAbort, vmap("key", sdk.String(p.key)))
	}
	signsUnder(t, []*participant{old.ps[0], old.ps[2]}, old.group, "the old epoch")
}

// A dealer whose commitment's constant term is not λ_i·Y_i (here a test
// fixture playing old participant 2 by hand, with a valid proof of
// knowledge of a constant term of its own) is named, and round two stops.
func TestReshareDealerWithAWrongConstantTermIsNamed(t *testing.T) {
	t.Parallel()
	old := committedDKG(t, 2, 3)
	ctxBytes, _ := reshareContextBytes.AsBytes()
	coeffs := []*edwards25519.Scalar{scalarOf(21), scalarOf(22)}
	encPriv, _ := ecdh.X25519().NewPrivateKey(bytes.Repeat([]byte{5}, 32))
	cheat := dkgPackage{id: 2, dealer: 2, epoch: 2, commitment: vssCommit(coeffs), encKey: encPriv.PublicKey().Bytes()}
	cheat.proofR, cheat.proofZ = proveKnowledge(2, reshareProofContext(ctxBytes, 2, 2), coeffs, cheat.commitment, cheat.encKey, scalarOf(23))
	args := vmap("t", sdk.Int(2), "n", sdk.Int(2), "identifier", sdk.Int(1), "context", reshareContextBytes, "group_public", old.group,
		"old_verifying_shares", old.verifying, "dealers", ints(1, 2), "old_key", sdk.String(old.ps[0].key))
	begin := invoke(t, old.ps[0].h, effects.CryptoFrostReshareBegin, args)
	all := sdk.List(get(t, begin, "package"), cheat.value())
	plugintest.Fails(t, old.ps[0].h, effects.CryptoFrostDKGShares, vmap("key", get(t, begin, "key"), "packages", all),
		sdk.CodeInvalidArgs, "dealer 2 (participant 2)'s commitment's constant term is not λ·Y_2")

	// A proof made for another ceremony is refused too, naming the dealer.
	cheat.proofR, cheat.proofZ = proveKnowledge(2, reshareProofContext([]byte("another ceremony"), 2, 2), coeffs, cheat.commitment, cheat.encKey, scalarOf(23))
	plugintest.Fails(t, old.ps[0].h, effects.CryptoFrostDKGShares, vmap("key", get(t, begin, "key"), "packages", sdk.List(get(t, begin, "package"), cheat.value())),
		sdk.CodeInvalidArgs, "dealer 2 (participant 2)'s proof of knowledge does not verify")
}

// Dealers fewer than the old threshold cannot reshare: the dealer's own
// begin refuses, and a newcomer told so finds the constant terms do not
// sum to the group key.
func TestReshareNeedsTheOldThresholdOfDealers(t *testing.T) {
	t.Parallel()
	old := committedDKG(t, 2, 3)
	args := vmap("t", sdk.Int(1), "n", sdk.Int(1), "identifier", sdk.Int(1), "context", reshareContextBytes, "group_public", old.group,
		"old_verifying_shares", old.verifying, "dealers", ints(1), "old_key", sdk.String(old.ps[0].key))
	plugintest.Fails(t, old.ps[0].h, effects.CryptoFrostReshareBegin, args, sdk.CodeInvalidArgs, "1 dealers cannot reshare a 2-of-3 key")
	// The wrong group key for the old key.
	other := withField(withField(args, "dealers", ints(1, 2)), "n", sdk.Int(2))
	other = withField(other, "group_public", sdk.Bytes(edwards25519.NewGeneratorPoint().Bytes()))
	plugintest.Fails(t, old.ps[0].h, effects.CryptoFrostReshareBegin, other, sdk.CodeInvalidArgs, "another group key")
}

// A commit that crashed between making the new epoch active and retiring
// the old one: on load, the higher epoch wins.
func TestKeystoreRetiresTheLowerEpochOnLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	seal := func(context.Context) ([]byte, error) { return bytes.Repeat([]byte{3}, 32), nil }
	ctx := context.Background()
	group := new(edwards25519.Point).ScalarBaseMult(scalarOf(99))
	mk := func(handle string, epoch uint64) *heldKey {
		return &heldKey{handle: handle, state: stateActive, t: 1, n: 1, id: 1, epoch: epoch, context: []byte("c"),
			secret: scalarOf(99), groupPublic: group, verifying: []*edwards25519.Point{group}}
	}
	ks := newKeystore(dir, seal)
	for _, k := range []*heldKey{mk("aa", 1), mk("bb", 2), mk("cc", 3)} {
		if err := ks.put(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	after := newKeystore(dir, seal) // the restart
	for _, h := range []string{"aa", "bb"} {
		k, err := after.get(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		if k.state != stateRetired || k.retiredAt != 3 || k.secret != nil {
			t.Fatalf("key %s on load: %s at %d (secret kept: %v), want retired at 3 with its share erased", h, k.state, k.retiredAt, k.secret != nil)
		}
	}
	if k, _ := after.get(ctx, "cc"); k.state != stateActive {
		t.Fatalf("the newest epoch is %s", k.state)
	}
	if k, _ := newKeystore(dir, seal).get(ctx, "aa"); k.state != stateRetired { // written back
		t.Fatalf("the retirement was not written: %s", k.state)
	}
}

// A relay that swaps a newcomer's encryption key for its own (a package
// that does not deal has no proof to bind it) is caught by the newcomer.
func TestReshareNewcomersKeySwappedIsRefused(t *testing.T) {
	t.Parallel()
	old := committedDKG(t, 2, 3)
	newcomer := newParticipant(t, 4, effects.Production, 0)
	news, all := beginReshare(t, old, []seat{{old.ps[0], 1, true}, {old.ps[1], 2, true}, {newcomer, 3, false}}, 2, []uint64{1, 2})
	pkgs := all.Items()
	relay, _ := ecdh.X25519().NewPrivateKey(bytes.Repeat([]byte{6}, 32))
	pkgs[2] = withField(pkgs[2], "encryption_key", sdk.Bytes(relay.PublicKey().Bytes()))
	plugintest.Fails(t, news[2].h, effects.CryptoFrostDKGShares, vmap("key", sdk.String(news[2].key), "packages", sdk.List(pkgs...)),
		sdk.CodeInvalidArgs, "participant 3's package altered")
}

// Rotations chain: 2-of-3 to 2-of-2 (device 3 lost), then back to 2-of-3
// with a replacement device; epoch 3 signs under the original key and
// frost_key_find names it.
func TestReshareChains(t *testing.T) {
	t.Parallel()
	old := committedDKG(t, 2, 3)
	e2, all := beginReshare(t, old, []seat{{old.ps[0], 1, true}, {old.ps[1], 2, true}}, 2, []uint64{1, 2})
	mustOK(t, reshareRounds(t, e2, all), old.group)
	for _, p := range e2 {
		invoke(t, p.h, effects.CryptoFrostDKGCommit, vmap("key", sdk.String(p.key)))
	}
	info := invoke(t, e2[0].h, effects.CryptoFrostKeyInfo, vmap("key", sdk.String(e2[0].key)))
	epoch2 := oldEpoch{ps: e2, group: old.group, verifying: get(t, info, "verifying_shares")}
	replacement := newParticipant(t, 9, effects.Production, 0)
	e3, all := beginReshare(t, epoch2, []seat{{e2[0], 1, true}, {e2[1], 2, true}, {replacement, 3, false}}, 2, []uint64{1, 2})
	mustOK(t, reshareRounds(t, e3, all), old.group)
	for _, p := range e3 {
		if e := get(t, invoke(t, p.h, effects.CryptoFrostDKGCommit, vmap("key", sdk.String(p.key))), "epoch"); !e.Equal(sdk.Int(3)) {
			t.Fatalf("epoch %v, want 3", e)
		}
	}
	signsUnder(t, []*participant{e3[0], e3[2]}, old.group, "epoch 3")
	signsUnder(t, []*participant{e3[1], e3[2]}, old.group, "epoch 3 again")
	for _, p := range []*participant{old.ps[0], e2[0]} {
		plugintest.Fails(t, p.h, effects.CryptoFrostKeyNonces, vmap("key", sdk.String(p.key)), sdk.CodeConflict, "retired at epoch")
	}
	if k := get(t, invoke(t, e3[0].h, effects.CryptoFrostKeyFind, vmap("group_public", old.group)), "key"); !k.Equal(sdk.String(e3[0].key)) {
		t.Fatalf("frost_key_find gives %v, want the epoch-3 key", k)
	}
}

// Two rotations begun from the same old shares: once one commits (and so
// retires the old shares), the other's dealers no longer deal what their
// polynomials carry of those shares.
func TestAPendingRotationDoesNotDealARetiredShare(t *testing.T) {
	t.Parallel()
	old := committedDKG(t, 2, 3)
	seats := []seat{{old.ps[0], 1, true}, {old.ps[1], 2, true}}
	first, firstAll := beginReshare(t, old, seats, 2, []uint64{1, 2})
	second, secondAll := beginReshare(t, old, seats, 2, []uint64{1, 2})
	mustOK(t, reshareRounds(t, first, firstAll), old.group)
	for _, p := range first {
		invoke(t, p.h, effects.CryptoFrostDKGCommit, vmap("key", sdk.String(p.key)))
	}
	plugintest.Fails(t, second[0].h, effects.CryptoFrostDKGShares, vmap("key", sdk.String(second[0].key), "packages", secondAll),
		sdk.CodeConflict, "retired at epoch 2")
}

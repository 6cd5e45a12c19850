package journal

import (
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/sdk/sdktest"
)

// deviceKey returns a deterministic Ed25519 key, so failures reproduce.
func deviceKey(seed byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(slices.Repeat([]byte{seed}, ed25519.SeedSize))
}

func pubOf(k ed25519.PrivateKey) []byte { return k.Public().(ed25519.PublicKey) }

// signedFacts returns n facts of authority signed by key.
func signedFacts(key ed25519.PrivateKey, authority string, n, offset int) []sdk.Value {
	out := make([]sdk.Value, n)
	for i := range out {
		out[i] = SignFact(key, fact("note", authority, int64(offset+i), "said", sdk.Int(int64(offset+i))))
	}
	return out
}

// keyOf is a merge_signed keys entry.
func keyOf(authority sdk.Value, key ed25519.PrivateKey) sdk.Value {
	return args("authority", authority, "key", sdk.Bytes(pubOf(key)))
}

// withField returns the map m with name set to v.
func withField(m sdk.Value, name string, v sdk.Value) sdk.Value {
	fields := map[string]sdk.Value{}
	for _, f := range m.Fields() {
		fields[f.Key] = f.Value
	}
	fields[name] = v
	return sdk.Map(fields)
}

func TestSignFactAndVerify(t *testing.T) {
	t.Parallel()
	key := deviceKey(1)
	f := SignFact(key, sampleFact)
	if err := VerifyFactSignature(f); err != nil {
		t.Fatalf("a fresh signature does not verify: %v", err)
	}
	// The signature covers exactly the documented bytes.
	sig, _ := field(f, SignatureField).AsBytes()
	msg := append([]byte("aura-fact/v1\x00"), withField(sampleFact, SignerField, sdk.Bytes(pubOf(key))).Canonical()...)
	if !ed25519.Verify(pubOf(key), msg, sig) {
		t.Fatal("the signature is not over \"aura-fact/v1\\x00\" || canonical(fact without signature)")
	}
	if again := SignFact(key, f); !again.Equal(f) {
		t.Fatal("re-signing a signed fact with the same key changed it")
	}
	if err := VerifyFactSignature(sampleFact); !errors.Is(err, ErrUnsignedFact) {
		t.Fatalf("an unsigned fact: %v, want ErrUnsignedFact", err)
	}
	other := SignFact(deviceKey(2), sampleFact)
	cases := map[string]sdk.Value{
		"body changed":        withField(f, "body", sdk.Int(2)),
		"another's signature": withField(f, SignatureField, field(other, SignatureField)),
		"another signer":      withField(f, SignerField, field(other, SignerField)),
		"short signer":        withField(f, SignerField, sdk.Bytes(make([]byte, 31))),
		"string signature":    withField(f, SignatureField, sdk.String(strings.Repeat("x", 64))),
		"signer only":         withField(sampleFact, SignerField, sdk.Bytes(pubOf(key))),
		"signature only":      withField(sampleFact, SignatureField, sdk.Bytes(sig)),
	}
	for name, v := range cases {
		if err := VerifyFactSignature(v); err == nil || errors.Is(err, ErrUnsignedFact) {
			t.Errorf("%s: %v, want a verification error", name, err)
		}
	}
}

// TestSignedFactsAreVerifiedOnTheWayIn checks append_fact and merge_facts:
// a fact with a signature or signer field is admitted only if it verifies,
// and a refusal names the fact and stores nothing of its batch.
func TestSignedFactsAreVerifiedOnTheWayIn(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, newPlugin(t))
	good := SignFact(deviceKey(1), sampleFact)
	forged := withField(good, "body", sdk.Int(99))
	forgedID := FactID(forged)
	run(t, h, []step{
		{op: effects.JournalAppendFact, args: args("fact", forged), code: sdk.CodeInvalidArgs, message: fmt.Sprintf("fact %x: the fact's signature does not verify", forgedID)},
		{op: effects.JournalAppendFact, args: args("fact", withField(good, SignerField, sdk.Bytes([]byte("short")))), code: sdk.CodeInvalidArgs, message: "signer must be 32 bytes"},
		{op: effects.JournalAppendFact, args: args("fact", withField(sampleFact, SignatureField, sdk.Bytes(make([]byte, 64)))), code: sdk.CodeInvalidArgs, message: "signer must be 32 bytes"},
		{op: effects.JournalMergeFacts, args: args("facts", sdk.List(good, forged)), code: sdk.CodeInvalidArgs, message: "item 1: fact"},
		{op: effects.JournalSyncRoot, args: sdk.Null(), want: args("root", sdk.Bytes(TrieEmptyRoot[:]), "count", sdk.Int(0))},
		{op: effects.JournalMergeFacts, args: args("facts", sdk.List(good, sampleFact)), want: sdk.Int(2)},
	})
	// Only the signed one is in the signed set.
	one := buildTrie([]uint32{0}, []ID{FactID(good)})
	root := one.rootHash(idTable{base: []ID{FactID(good)}})
	run(t, h, []step{{op: effects.JournalSyncRoot, args: sdk.Null(), want: args("root", sdk.Bytes(root[:]), "count", sdk.Int(1))}})
}

// TestSignedRootIsTheSetsAcrossOrdersAndRestarts merges the same signed
// and unsigned facts in different orders and batches, and reopens the file:
// merkle_root and sync_root stay the same.
func TestSignedRootIsTheSetsAcrossOrdersAndRestarts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	facts := append(signedFacts(deviceKey(1), "alice", 60, 0), randomFacts(60, 9)...)
	roots := func(j *journal) [2]sdk.Value {
		m, err := j.merkleRoot(ctx, &sdk.Call{Args: sdk.Map(nil)})
		if err != nil {
			t.Fatal(err)
		}
		s, err := j.syncRoot(ctx, &sdk.Call{})
		if err != nil {
			t.Fatal(err)
		}
		return [2]sdk.Value{m, s}
	}
	var want [2]sdk.Value
	for perm := range 4 {
		r := rand.New(rand.NewPCG(uint64(perm), 7))
		order := slices.Clone(facts)
		r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		dir := t.TempDir()
		j := openAt(t, dir)
		for rest := order; len(rest) > 0; {
			n := min(1+r.IntN(40), len(rest))
			parsed := make([]Fact, n)
			for i, v := range rest[:n] {
				var err error
				if parsed[i], err = ParseFact(v); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := j.merge(ctx, parsed); err != nil {
				t.Fatal(err)
			}
			rest = rest[n:]
		}
		got := roots(j)
		if n, _ := field(got[1], "count").AsInt(); n != 60 {
			t.Fatalf("sync_root counts %d signed facts, want 60", n)
		}
		if err := j.close(); err != nil {
			t.Fatal(err)
		}
		j = openAt(t, dir)
		if again := roots(j); !again[0].Equal(got[0]) || !again[1].Equal(got[1]) {
			t.Fatalf("permutation %d: the roots changed when the journal was reopened", perm)
		}
		j.close()
		if perm == 0 {
			want = got
		} else if !got[0].Equal(want[0]) || !got[1].Equal(want[1]) {
			t.Fatalf("permutation %d: roots differ from the first order's", perm)
		}
	}
}

// syncOnce runs one anti-entropy round from src into dst, as a sync driver
// would, and returns how many facts dst merged and whether src had more.
func syncOnce(t *testing.T, src, dst *sdktest.Harness, salt int64, maxBytes int64, keys sdk.Value) (int64, bool) {
	t.Helper()
	digest := mustInvoke(t, dst, effects.JournalSyncDigest, args("salt", sdk.Int(salt)))
	a := args("bloom", field(digest, "bloom"), "salt", sdk.Int(salt))
	if maxBytes > 0 {
		a = withField(a, "max_bytes", sdk.Int(maxBytes))
	}
	missing := mustInvoke(t, src, effects.JournalSyncMissing, a)
	facts := field(missing, "facts")
	for i := 1; i < facts.Len(); i++ {
		if prev, cur := FactID(facts.Items()[i-1]), FactID(facts.Items()[i]); compareID(prev, cur) >= 0 {
			t.Fatal("sync_missing's facts are not in ID order")
		}
	}
	res := mustInvoke(t, dst, effects.JournalMergeSigned, args("facts", facts, "keys", keys))
	if r := field(res, "refused"); r.Len() != 0 {
		t.Fatalf("merge_signed refused facts from a peer: %v", r)
	}
	merged, _ := field(res, "merged").AsInt()
	more, _ := field(missing, "more").AsBool()
	return merged, more
}

// TestSyncConvergesOnTheSignedFacts syncs two journals that share some
// signed facts, in pages, until their sync roots agree; unsigned facts
// stay where they are.
func TestSyncConvergesOnTheSignedFacts(t *testing.T) {
	t.Parallel()
	alice, bob := deviceKey(1), deviceKey(2)
	ja, jb := sdktest.New(t, newPlugin(t)), sdktest.New(t, newPlugin(t))
	shared := signedFacts(alice, "alice", 30, 0)
	onlyA := append(signedFacts(alice, "alice", 200, 100), signedFacts(bob, "bob", 50, 100)...)
	onlyB := signedFacts(bob, "bob", 40, 1000)
	mustInvoke(t, ja, effects.JournalMergeFacts, args("facts", sdk.List(append(append(slices.Clone(shared), onlyA...), randomFacts(20, 1)...)...)))
	mustInvoke(t, jb, effects.JournalMergeFacts, args("facts", sdk.List(append(append(slices.Clone(shared), onlyB...), randomFacts(20, 2)...)...)))
	keys := sdk.List(keyOf(b("alice"), alice), keyOf(b("bob"), bob))
	if mustInvoke(t, ja, effects.JournalSyncRoot, sdk.Null()).Equal(mustInvoke(t, jb, effects.JournalSyncRoot, sdk.Null())) {
		t.Fatal("different signed sets share a sync root")
	}
	// Small pages: several rounds, each with a new salt.
	for _, dir := range []struct{ src, dst *sdktest.Harness }{{ja, jb}, {jb, ja}} {
		var total int64
		for round := int64(0); ; round++ {
			if round > 100 {
				t.Fatal("sync does not converge")
			}
			merged, more := syncOnce(t, dir.src, dir.dst, round*7919+1, 2048, keys)
			total += merged
			if !more && merged == 0 {
				break
			}
		}
		if total == 0 {
			t.Fatal("a sync direction merged nothing")
		}
	}
	ra, rb := mustInvoke(t, ja, effects.JournalSyncRoot, sdk.Null()), mustInvoke(t, jb, effects.JournalSyncRoot, sdk.Null())
	if !ra.Equal(rb) {
		t.Fatalf("after sync the roots differ: %v, %v", ra, rb)
	}
	if n, _ := field(ra, "count").AsInt(); n != 30+250+40 {
		t.Fatalf("synced %d signed facts, want %d", n, 30+250+40)
	}
	// Unsigned facts are not part of sync: the full journals still differ.
	if mustInvoke(t, ja, effects.JournalMerkleRoot, sdk.Null()).Equal(mustInvoke(t, jb, effects.JournalMerkleRoot, sdk.Null())) {
		t.Fatal("unsigned facts were synced")
	}
	// A digest of everything: nothing is missing.
	d := mustInvoke(t, jb, effects.JournalSyncDigest, args("salt", sdk.Int(5)))
	if !field(d, "root").Equal(field(rb, "root")) || !field(d, "count").Equal(field(rb, "count")) {
		t.Fatal("sync_digest's root and count are not sync_root's")
	}
	if m := mustInvoke(t, ja, effects.JournalSyncMissing, args("bloom", field(d, "bloom"), "salt", sdk.Int(5))); field(m, "facts").Len() != 0 {
		t.Fatalf("facts missing after sync: %d", field(m, "facts").Len())
	}
}

func TestMergeSignedRefusesWhatItCannotTrust(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, newPlugin(t))
	alice, mallory := deviceKey(1), deviceKey(3)
	good := SignFact(alice, fact("note", "alice", 1, "said", sdk.Int(1)))
	forged := withField(good, "body", sdk.Int(2))                               // signature no longer verifies
	impostor := SignFact(mallory, fact("note", "alice", 2, "said", sdk.Int(3))) // valid signature, not alice's key
	stringAuth := SignFact(alice, args("type", sdk.String("note"), "authority", sdk.String("alice"), "time", sdk.Int(3),
		"predicate", sdk.String("said"), "body", sdk.Null())) // "alice" as a string is not the bytes authority
	unsigned := fact("note", "alice", 4, "said", sdk.Null())
	keys := sdk.List(keyOf(b("alice"), alice))
	res := mustInvoke(t, h, effects.JournalMergeSigned, args("facts",
		sdk.List(good, forged, impostor, stringAuth, unsigned, sdk.Int(7), good), "keys", keys))
	if merged, _ := field(res, "merged").AsInt(); merged != 1 {
		t.Fatalf("merged %d, want 1: %v", merged, res)
	}
	if known, _ := field(res, "known").AsInt(); known != 0 {
		t.Fatalf("known %d, want 0 (the repeat is the same fact): %v", known, res)
	}
	refused := field(res, "refused").Items()
	wantReasons := map[int64]string{1: "does not verify", 2: "is not a key given for its authority", 3: "is not a key given for its authority",
		4: "is not signed", 5: "a fact must be a map"}
	if len(refused) != len(wantReasons) {
		t.Fatalf("refused %d facts, want %d: %v", len(refused), len(wantReasons), refused)
	}
	items := []sdk.Value{good, forged, impostor, stringAuth, unsigned, sdk.Int(7)}
	for _, r := range refused {
		i, _ := field(r, "index").AsInt()
		reason, _ := field(r, "reason").AsString()
		if !strings.Contains(reason, wantReasons[i]) {
			t.Errorf("item %d refused for %q, want a reason mentioning %q", i, reason, wantReasons[i])
		}
		if want := FactID(items[i]); !field(r, "id").Equal(sdk.Bytes(want[:])) {
			t.Errorf("item %d: refused id %v, want %x", i, field(r, "id"), want)
		}
	}
	// None of the refused facts is stored.
	for _, v := range items[1:5] {
		if _, err := h.Invoke(context.Background(), effects.JournalGetFact, args("id", id(v))); err == nil {
			t.Fatalf("a refused fact was stored: %v", v)
		}
	}
	// Again: the fact is known now. With the string authority's key given, it merges.
	res = mustInvoke(t, h, effects.JournalMergeSigned, args("facts", sdk.List(good, stringAuth),
		"keys", sdk.List(keyOf(b("alice"), alice), keyOf(sdk.String("alice"), alice))))
	if !field(res, "merged").Equal(sdk.Int(1)) || !field(res, "known").Equal(sdk.Int(1)) || field(res, "refused").Len() != 0 {
		t.Fatalf("second merge: %v", res)
	}
	tooMany := make([]sdk.Value, MaxSignedBatch+1)
	for i := range tooMany {
		tooMany[i] = sdk.Null()
	}
	run(t, h, []step{
		{op: effects.JournalMergeSigned, args: args("facts", sdk.List(tooMany...), "keys", keys), code: sdk.CodeInvalidArgs, message: "more than the 10000 allowed"},
		{op: effects.JournalMergeSigned, args: args("facts", sdk.List(good), "keys", sdk.List(sdk.Int(1))), code: sdk.CodeInvalidArgs, message: "keys: item 0 must be a map"},
		{op: effects.JournalMergeSigned, args: args("facts", sdk.List(good), "keys", sdk.List(args("authority", b("alice"), "key", b("short")))), code: sdk.CodeInvalidArgs, message: "32-byte Ed25519 public key"},
		{op: effects.JournalMergeSigned, args: args("facts", sdk.List(good), "keys", sdk.List(args("authority", sdk.Int(1), "key", sdk.Bytes(pubOf(alice))))), code: sdk.CodeInvalidArgs, message: "authority must be non-empty"},
	})
}

// digestBytes encodes a digest header (m bits, k hashes, a bitset of
// length bits) followed by words 64-bit words of payload.
func digestBytes(m, k, length uint64, words int) []byte {
	out := make([]byte, 24+8*words)
	binary.BigEndian.PutUint64(out[0:], m)
	binary.BigEndian.PutUint64(out[8:], k)
	binary.BigEndian.PutUint64(out[16:], length)
	return out
}

func TestSyncMissingRefusesHostileBlooms(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, newPlugin(t))
	mustInvoke(t, h, effects.JournalMergeFacts, args("facts", sdk.List(signedFacts(deviceKey(1), "alice", 5, 0)...)))
	call := func(bloom []byte) sdk.Value { return args("bloom", sdk.Bytes(bloom), "salt", sdk.Int(1)) }
	garbage := make([]byte, 1000)
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range garbage {
		garbage[i] = byte(rng.Uint32())
	}
	run(t, h, []step{
		{op: effects.JournalSyncMissing, args: call(nil), code: sdk.CodeInvalidArgs, message: "shorter than its 24-byte header"},
		{op: effects.JournalSyncMissing, args: call(garbage), code: sdk.CodeInvalidArgs, message: "bloom"},
		// A header claiming 2^60 bits: refused before anything is allocated.
		{op: effects.JournalSyncMissing, args: call(digestBytes(1<<60, 7, 1<<60, 1)), code: sdk.CodeInvalidArgs, message: "claims"},
		{op: effects.JournalSyncMissing, args: call(digestBytes(64, 7, 1<<40, 1)), code: sdk.CodeInvalidArgs, message: "inconsistent"},
		{op: effects.JournalSyncMissing, args: call(digestBytes(128, 7, 128, 1)), code: sdk.CodeInvalidArgs, message: "claims 128 bits"},
		{op: effects.JournalSyncMissing, args: call(digestBytes(0, 7, 0, 0)), code: sdk.CodeInvalidArgs, message: "inconsistent"},
		{op: effects.JournalSyncMissing, args: call(digestBytes(64, 0, 64, 1)), code: sdk.CodeInvalidArgs, message: "0 hash functions"},
		{op: effects.JournalSyncMissing, args: call(digestBytes(64, 1<<40, 64, 1)), code: sdk.CodeInvalidArgs, message: "hash functions"},
		{op: effects.JournalSyncMissing, args: withField(call(emptyDigest(t)), "max_bytes", sdk.Int(0)), code: sdk.CodeInvalidArgs, message: "max_bytes must be 1 to"},
		{op: effects.JournalSyncMissing, args: withField(call(emptyDigest(t)), "max_bytes", sdk.Int(1<<40)), code: sdk.CodeInvalidArgs, message: "max_bytes must be 1 to"},
	})
	// Over 4 MiB: called in process, as the test harness's transport
	// stops messages of 4 MiB before the plugin sees them (aura-host's
	// allows 64 MiB).
	j := newTestJournal(t, DefaultRegistry())
	huge := digestBytes(8*MaxDigestBytes, 7, 8*MaxDigestBytes, MaxDigestBytes/8)
	var e *effects.Error
	if _, err := j.syncMissing(context.Background(), &sdk.Call{Args: call(huge)}); !errors.As(err, &e) ||
		e.Code != sdk.CodeInvalidArgs || !strings.Contains(e.Message, "more than the 4194304 allowed") {
		t.Fatalf("a bloom of %d bytes: %v", len(huge), err)
	}
	// A well-formed filter of 64 zero bits holds nothing: every signed fact
	// is missing; with max_bytes 1, one per page.
	all := mustInvoke(t, h, effects.JournalSyncMissing, call(digestBytes(64, 3, 64, 1)))
	if field(all, "facts").Len() != 5 || !field(all, "more").Equal(sdk.Bool(false)) {
		t.Fatalf("an empty filter: %v", all)
	}
	page := mustInvoke(t, h, effects.JournalSyncMissing, withField(call(digestBytes(64, 3, 64, 1)), "max_bytes", sdk.Int(1)))
	if field(page, "facts").Len() != 1 || !field(page, "more").Equal(sdk.Bool(true)) {
		t.Fatalf("a page of 1 byte: %v", page)
	}
	// A filter of all ones holds everything.
	full := digestBytes(64, 3, 64, 1)
	for i := 24; i < len(full); i++ {
		full[i] = 0xff
	}
	if none := mustInvoke(t, h, effects.JournalSyncMissing, call(full)); field(none, "facts").Len() != 0 {
		t.Fatalf("a full filter: %v", none)
	}
}

// TestDigestSaltsChangeFalsePositives checks that the salt changes which
// IDs a digest's false positives hit, so a fact hidden in one round shows
// in the next.
func TestDigestSaltsChangeFalsePositives(t *testing.T) {
	t.Parallel()
	held, _ := benchIDs(2000, 0)
	probe, _ := benchIDs(20000, 0)
	falsePositives := func(salt int64) map[ID]bool {
		f := newDigest(len(held))
		for i := range held {
			f.Add(saltedID(salt, &held[i]))
		}
		out := map[ID]bool{}
		for i := range probe {
			if f.Test(saltedID(salt, &probe[i])) {
				out[probe[i]] = true
			}
		}
		return out
	}
	a, b := falsePositives(1), falsePositives(2)
	if len(a) == 0 || len(a) > len(probe)/30 {
		t.Fatalf("%d false positives in %d probes: not about 1 %%", len(a), len(probe))
	}
	for id := range a {
		if b[id] {
			delete(a, id)
		}
	}
	if len(a) == 0 {
		t.Fatal("the same false positives under two salts")
	}
}

// FuzzDecodeDigest feeds decodeDigest arbitrary bytes: it must never panic,
// and what it accepts must be a filter no larger than the bytes sent.
func FuzzDecodeDigest(f *testing.F) {
	f.Add(emptyDigest(f))
	f.Add(digestBytes(64, 3, 64, 1))
	f.Add(digestBytes(1<<60, 7, 1<<60, 1))
	f.Add(digestBytes(1<<64-1, 1, 1<<64-1, 0))
	f.Add([]byte("not a bloom filter at all, just text"))
	f.Fuzz(func(t *testing.T, data []byte) {
		filter, err := decodeDigest(data)
		if err != nil {
			return
		}
		if uint64(filter.Cap()) > 8*uint64(len(data)) || filter.K() == 0 || filter.K() > maxDigestHashes {
			t.Fatalf("accepted a filter of %d bits, %d hashes from %d bytes", filter.Cap(), filter.K(), len(data))
		}
		id := ID{1}
		filter.Test(saltedID(3, &id))
	})
}

// TestSyncEncodedPages is the path a syncer takes: sync_missing with
// encoded returns each fact's canonical encoding, and merge_signed takes
// them as pages (canonical lists), with the same verdicts as the maps —
// a forged fact in a page is refused with its index among all the facts.
func TestSyncEncodedPages(t *testing.T) {
	t.Parallel()
	alice := deviceKey(1)
	src, dst, ref := sdktest.New(t, newPlugin(t)), sdktest.New(t, newPlugin(t)), sdktest.New(t, newPlugin(t))
	facts := signedFacts(alice, "alice", 50, 0)
	mustInvoke(t, src, effects.JournalMergeFacts, args("facts", sdk.List(facts...)))
	keys := sdk.List(keyOf(b("alice"), alice))
	d := mustInvoke(t, dst, effects.JournalSyncDigest, args("salt", sdk.Int(3)))
	plain := mustInvoke(t, src, effects.JournalSyncMissing, args("bloom", field(d, "bloom"), "salt", sdk.Int(3)))
	enc := mustInvoke(t, src, effects.JournalSyncMissing, args("bloom", field(d, "bloom"), "salt", sdk.Int(3), "encoded", sdk.Bool(true)))
	if field(enc, "facts").Len() != 50 || field(plain, "facts").Len() != 50 {
		t.Fatalf("sync_missing: %d encoded, %d maps, want 50", field(enc, "facts").Len(), field(plain, "facts").Len())
	}
	var items []sdk.Value
	for i, e := range field(enc, "facts").Items() {
		raw, _ := e.AsBytes()
		if string(raw) != string(field(plain, "facts").Items()[i].Canonical()) {
			t.Fatalf("encoded fact %d is not the map's canonical encoding", i)
		}
		v, err := effects.DecodeCanonical(raw)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, v)
	}
	forged := withField(items[7], "body", sdk.String("forged"))
	pages := sdk.List(sdk.Bytes(sdk.List(items[:10]...).Canonical()), sdk.Bytes(sdk.List(append([]sdk.Value{forged}, items[10:]...)...).Canonical()))
	res := mustInvoke(t, dst, effects.JournalMergeSigned, args("facts", sdk.List(items[0]), "pages", pages, "keys", keys))
	if m, _ := field(res, "merged").AsInt(); m != 50 {
		t.Fatalf("merged %d, want 50: %v", m, res)
	}
	if k, _ := field(res, "known").AsInt(); k != 0 {
		t.Fatalf("known %d, want 0 (a duplicate within one call is one fact)", k)
	}
	refused := field(res, "refused").Items()
	if len(refused) != 1 || !field(refused[0], "index").Equal(sdk.Int(11)) {
		t.Fatalf("refused %v, want the forged fact at index 11", refused)
	}
	mustInvoke(t, ref, effects.JournalMergeSigned, args("facts", sdk.List(items...), "keys", keys))
	if !mustInvoke(t, dst, effects.JournalSyncRoot, sdk.Null()).Equal(mustInvoke(t, ref, effects.JournalSyncRoot, sdk.Null())) {
		t.Fatal("pages and maps merged different sets")
	}
	for _, bad := range []sdk.Value{sdk.List(sdk.String("x")), sdk.List(sdk.Bytes([]byte{0xff})), sdk.List(sdk.Bytes(sdk.Int(1).Canonical()))} {
		if _, err := dst.Invoke(context.Background(), effects.JournalMergeSigned, args("pages", bad, "keys", keys)); !errors.Is(err, effects.ErrInvalidArgs) {
			t.Fatalf("pages %v: %v, want invalid_args", bad, err)
		}
	}
}

package journal

import (
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/bits-and-blooms/bloom/v3"
	"go.etcd.io/bbolt"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
)

// Anti-entropy over the signed facts: two journals compare sync_root; if
// the roots differ, one sends the other a sync_digest (a Bloom filter of
// its signed fact IDs), the other answers with sync_missing (its signed
// facts the filter does not hold), and the first merges them with
// merge_signed, which checks every signature and signer. A false positive
// hides a fact for one round only: each round salts the IDs differently.
const (
	// DigestFalsePositiveRate is what sync_digest sizes its filter for.
	DigestFalsePositiveRate = 0.01
	// MaxDigestBytes bounds a digest's encoding, sent and received. Past
	// about 3.5M signed facts a digest stays at this size and its
	// false-positive rate climbs: those facts are found in later rounds.
	MaxDigestBytes = 4 << 20
	// maxDigestHashes bounds the hash functions a received digest may ask
	// for: a real one uses 7; more only makes a peer do more work per ID.
	maxDigestHashes = 32
	// DefaultMissingBytes is sync_missing's default max_bytes.
	DefaultMissingBytes = 512 << 10
	// MaxMissingBytes bounds sync_missing's max_bytes.
	MaxMissingBytes = 16 << 20
	// MaxSignedBatch bounds the facts of one merge_signed call: each costs
	// an Ed25519 verification (about 50 µs).
	MaxSignedBatch = 10_000
	// MaxSignedKeys bounds the keys of one merge_signed call.
	MaxSignedKeys = 4096
)

// digestHeader is the encoding's fixed part, as bits-and-blooms writes
// it: m and k, then the bitset's length in bits, each a big-endian uint64.
const digestHeader = 24

// saltedID is what a digest holds for id: the salt (big-endian) then the ID.
func saltedID(salt int64, id *ID) []byte {
	var buf [8 + IDSize]byte
	binary.BigEndian.PutUint64(buf[:], uint64(salt))
	copy(buf[8:], id[:])
	return buf[:]
}

// newDigest returns an empty filter sized for n IDs, within MaxDigestBytes.
func newDigest(n int) *bloom.BloomFilter {
	m, k := bloom.EstimateParameters(uint(max(n, 1)), DigestFalsePositiveRate)
	if maxBits := uint(8 * (MaxDigestBytes - digestHeader)); m > maxBits {
		m = maxBits
	}
	return bloom.New(m, k)
}

// decodeDigest checks and decodes a peer's digest. Its header is read
// first, so that no size it claims is allocated before it is checked
// against the bytes actually sent.
func decodeDigest(data []byte) (*bloom.BloomFilter, error) {
	if len(data) > MaxDigestBytes {
		return nil, fmt.Errorf("bloom is %d bytes, more than the %d allowed", len(data), MaxDigestBytes)
	}
	if len(data) < digestHeader {
		return nil, fmt.Errorf("bloom is %d bytes, shorter than its %d-byte header", len(data), digestHeader)
	}
	m := binary.BigEndian.Uint64(data[0:])
	k := binary.BigEndian.Uint64(data[8:])
	length := binary.BigEndian.Uint64(data[16:])
	switch {
	case m == 0 || length != m:
		return nil, fmt.Errorf("bloom's header is inconsistent: %d bits, a bitset of %d", m, length)
	case k == 0 || k > maxDigestHashes:
		return nil, fmt.Errorf("bloom asks for %d hash functions, not 1 to %d", k, maxDigestHashes)
	case m > uint64(8*len(data)) || uint64(len(data)) != digestHeader+8*((m+63)/64):
		return nil, fmt.Errorf("bloom's header claims %d bits, and %d bytes follow it", m, len(data)-digestHeader)
	}
	f := &bloom.BloomFilter{}
	if err := f.UnmarshalBinary(data); err != nil {
		return nil, fmt.Errorf("bloom: %v", err)
	}
	return f, nil
}

// signedRoot returns the signed trie's root and size. mu must be held.
func (j *journal) signedRoot() ([TrieHashSize]byte, int) {
	return j.signedTrie.rootHash(idTable{base: j.index.ids}), j.signedTrie.size
}

func (j *journal) syncRoot(ctx context.Context, _ *sdk.Call) (sdk.Value, error) {
	var out sdk.Value
	err := j.readState(ctx, func() error {
		root, n := j.signedRoot()
		out = sdk.Map(map[string]sdk.Value{"root": sdk.Bytes(root[:]), "count": sdk.Int(int64(n))})
		return nil
	})
	return out, err
}

func (j *journal) syncDigest(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	salt, _ := c.Arg("salt").AsInt()
	var root [TrieHashSize]byte
	var n int
	var filter *bloom.BloomFilter
	err := j.readState(ctx, func() error {
		root, n = j.signedRoot()
		filter = newDigest(n)
		j.signedTrie.walk(func(h uint32) bool {
			filter.Add(saltedID(salt, &j.index.ids[h]))
			return true
		})
		return nil
	})
	if err != nil {
		return sdk.Value{}, err
	}
	data, err := filter.MarshalBinary()
	if err != nil {
		return sdk.Value{}, sdk.Errorf(sdk.CodeInternal, "encoding the digest: %v", err)
	}
	return sdk.Map(map[string]sdk.Value{"root": sdk.Bytes(root[:]), "count": sdk.Int(int64(n)), "bloom": sdk.Bytes(data)}), nil
}

func (j *journal) syncMissing(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	raw, _ := c.Arg("bloom").AsBytes()
	filter, err := decodeDigest(raw)
	if err != nil {
		return sdk.Value{}, invalid("%v", err)
	}
	salt, _ := c.Arg("salt").AsInt()
	maxBytes := int64(DefaultMissingBytes)
	if v := c.Arg("max_bytes"); !v.IsNull() {
		if maxBytes, _ = v.AsInt(); maxBytes < 1 || maxBytes > MaxMissingBytes {
			return sdk.Value{}, invalid("max_bytes must be 1 to %d, got %d", MaxMissingBytes, maxBytes)
		}
	}
	// encoded: each fact as its stored canonical encoding (bytes), which a
	// syncer ships as is, instead of a map it would encode again.
	encoded, _ := c.Arg("encoded").AsBool()
	out := []sdk.Value{}
	more := false
	err = j.viewTx(ctx, func(tx *bbolt.Tx) error {
		facts := tx.Bucket(bucketFacts)
		var size int64
		var failed error
		j.signedTrie.walk(func(h uint32) bool {
			id := &j.index.ids[h]
			if filter.Test(saltedID(salt, id)) {
				return true
			}
			raw, err := storedFact(facts, *id)
			if err != nil {
				failed = err
				return false
			}
			// The first fact goes even if it alone is larger: a page must
			// make progress.
			if len(out) > 0 && size+int64(len(raw)) > maxBytes {
				more = true
				return false
			}
			if encoded {
				out = append(out, sdk.Bytes(raw)) // a copy: raw is bbolt's memory
			} else {
				v, err := factValue(id[:], raw)
				if err != nil {
					failed = err
					return false
				}
				out = append(out, v)
			}
			size += int64(len(raw))
			return true
		})
		return failed
	})
	if err != nil {
		return sdk.Value{}, err
	}
	return sdk.Map(map[string]sdk.Value{"facts": sdk.List(out...), "more": sdk.Bool(more)}), nil
}

// signerKeys parses merge_signed's keys: authority (canonical encoding) →
// the keys that may sign for it.
func signerKeys(list sdk.Value) (map[string]map[string]bool, error) {
	if list.Len() > MaxSignedKeys {
		return nil, invalid("keys: %d entries, more than the %d allowed", list.Len(), MaxSignedKeys)
	}
	keys := map[string]map[string]bool{}
	for i, e := range list.Items() {
		a, hasA := e.Get("authority")
		k, hasK := e.Get("key")
		key, isBytes := k.AsBytes()
		switch {
		case e.Kind() != sdk.KindMap || !hasA || !hasK:
			return nil, invalid("keys: item %d must be a map {authority, key}, got %v", i, e)
		case (a.Kind() != sdk.KindBytes && a.Kind() != sdk.KindString) || a.Len() == 0:
			return nil, invalid("keys: item %d: authority must be non-empty bytes or a non-empty string, got %v", i, a)
		case !isBytes || len(key) != ed25519.PublicKeySize:
			return nil, invalid("keys: item %d: key must be a %d-byte Ed25519 public key, got %v", i, ed25519.PublicKeySize, k)
		}
		auth := string(a.Canonical())
		if keys[auth] == nil {
			keys[auth] = map[string]bool{}
		}
		keys[auth][string(key)] = true
	}
	return keys, nil
}

// signedItems returns merge_signed's facts: those of facts, then those of
// each page of pages (the canonical encoding of a list of facts, as a
// syncer receives them), decoded here instead of crossing the plugin
// boundary as maps. A page that is not such an encoding is invalid_args.
func signedItems(c *sdk.Call) ([]sdk.Value, error) {
	items := c.Arg("facts").Items()
	if len(items) > MaxSignedBatch {
		return nil, invalid("facts: %d facts, more than the %d allowed in one call", len(items), MaxSignedBatch)
	}
	for i, p := range c.Arg("pages").Items() {
		raw, ok := p.AsBytes()
		if !ok {
			return nil, invalid("pages: item %d must be bytes, got %s", i, p.Kind())
		}
		v, err := effects.DecodeCanonical(raw)
		if err != nil || v.Kind() != sdk.KindList {
			return nil, invalid("pages: item %d is not the canonical encoding of a list: %v", i, err)
		}
		if len(items)+v.Len() > MaxSignedBatch {
			return nil, invalid("facts and pages: more than the %d facts allowed in one call", MaxSignedBatch)
		}
		items = append(items, v.Items()...)
	}
	return items, nil
}

func (j *journal) mergeSigned(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	items, err := signedItems(c)
	if err != nil {
		return sdk.Value{}, err
	}
	keys, err := signerKeys(c.Arg("keys"))
	if err != nil {
		return sdk.Value{}, err
	}
	refused := []sdk.Value{}
	refuse := func(i int, v sdk.Value, reason string) {
		id := FactID(v)
		refused = append(refused, sdk.Map(map[string]sdk.Value{
			"index": sdk.Int(int64(i)), "id": sdk.Bytes(id[:]), "reason": sdk.String(reason)}))
	}
	// The cheap checks first, in order; then the signatures, the costly
	// part (an Ed25519 verification each), on every core: parseSigned
	// checks each item on its own, so the outcome is the same whatever
	// the workers' order.
	checked := parseSigned(items, keys)
	var valid []Fact
	distinct := map[ID]bool{}
	for i, r := range checked {
		if r.err != "" {
			refuse(i, items[i], r.err)
			continue
		}
		valid = append(valid, r.fact)
		distinct[r.fact.ID] = true
	}
	var added []ID
	if len(valid) > 0 {
		if added, err = j.merge(ctx, valid); err != nil {
			return sdk.Value{}, err
		}
	}
	return sdk.Map(map[string]sdk.Value{
		"merged": sdk.Int(int64(len(added))), "known": sdk.Int(int64(len(distinct) - len(added))),
		"refused": sdk.List(refused...),
	}), nil
}

// checkedFact is parseSigned's verdict on one item: the fact, or why it
// is refused.
type checkedFact struct {
	fact Fact
	err  string
}

// parallelVerifyMin is the batch below which parseSigned does not start
// workers: a goroutine costs about a microsecond, a verification 50.
const parallelVerifyMin = 64

// parseSigned checks every item as merge_signed takes it: a well-formed
// fact (ParseFact, which verifies its signature), signed, by a key given
// for its authority. The signer is matched against keys before the
// signature is verified, so that a fact no given key may sign costs no
// verification. Items are checked on up to GOMAXPROCS goroutines; each
// result depends on its item and keys only.
func parseSigned(items []sdk.Value, keys map[string]map[string]bool) []checkedFact {
	out := make([]checkedFact, len(items))
	check := func(i int) {
		it := items[i]
		if it.Kind() == sdk.KindMap {
			// A malformed fact is refused with ParseFact's reason below;
			// here only a fact whose signer and authority are well formed
			// and not allowed is refused early.
			if a, ok := it.Get("authority"); ok && (a.Kind() == sdk.KindBytes || a.Kind() == sdk.KindString) && a.Len() > 0 {
				if signer, isBytes := field(it, SignerField).AsBytes(); isBytes && len(signer) == ed25519.PublicKeySize &&
					!keys[string(a.Canonical())][string(signer)] {
					if _, err := parseFields(it); err == nil {
						out[i].err = fmt.Sprintf("fact %x: its signer %x is not a key given for its authority %v", FactID(it), signer, a)
						return
					}
				}
			}
		}
		f, err := ParseFact(it)
		if err != nil {
			out[i].err = err.Error()
			return
		}
		if !f.Signed {
			out[i].err = fmt.Sprintf("fact %x is not signed: merge_signed takes signed facts only", f.ID)
			return
		}
		signer, _ := field(it, SignerField).AsBytes()
		if !keys[string(f.Authority.Canonical())][string(signer)] {
			out[i].err = fmt.Sprintf("fact %x: its signer %x is not a key given for its authority %v", f.ID, signer, f.Authority)
			return
		}
		out[i].fact = f
	}
	workers := min(runtime.GOMAXPROCS(0), len(items)/parallelVerifyMin)
	if workers <= 1 {
		for i := range items {
			check(i)
		}
		return out
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				// Chunks of 32: few atomic adds, and the work stays even.
				start := int(next.Add(32)) - 32
				if start >= len(items) {
					return
				}
				for i := start; i < min(start+32, len(items)); i++ {
					check(i)
				}
			}
		})
	}
	wg.Wait()
	return out
}

// signedOps are the operations of anti-entropy sync.
func (j *journal) signedOps() []sdk.Operation {
	rootDoc := "the 32-byte root of the trie of the signed facts' IDs (as merkle_root, over the signed facts only)"
	return []sdk.Operation{
		{
			Spec: sdk.OpSpec{
				ID: effects.JournalSyncRoot,
				Doc: "Returns {root: bytes, count: int}: " + rootDoc + ", and how many signed facts there are. Two " +
					"journals with the same signed facts have the same root, whatever order the facts came in.",
				Result:      sdk.KindMap,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: j.syncRoot,
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.JournalSyncDigest,
				Doc: "Returns {root: bytes, count: int, bloom: bytes}: root and count as sync_root, and an opaque Bloom " +
					"filter of the signed facts' IDs, each hashed with salt first, sized for about 1 % false positives " +
					"(at most 4 MiB: past about 3.5M signed facts the rate climbs). Pass bloom and the same salt to a " +
					"peer's sync_missing; use a new salt each round, so that a false positive does not repeat.",
				Params:      []sdk.Param{{Name: "salt", Kind: sdk.KindInt, Doc: "mixed into every ID before it is added; any int"}},
				Result:      sdk.KindMap,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: j.syncDigest,
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.JournalSyncMissing,
				Doc: "Returns {facts: list, more: bool}: the signed facts (maps, in fact ID order) whose IDs the peer's " +
					"bloom (from its sync_digest with this salt) does not hold, stopping before their canonical " +
					"encodings would pass max_bytes (but at least one fact); more is true if it stopped early — " +
					"merge these, then ask again with a new digest. A malformed bloom (bad header, a size that does " +
					"not match its bytes, over 4 MiB, more than 32 hash functions) is an invalid_args error.",
				Params: []sdk.Param{
					{Name: "bloom", Kind: sdk.KindBytes, Doc: "the peer's digest, as its sync_digest returned it"},
					{Name: "salt", Kind: sdk.KindInt, Doc: "the salt the digest was made with"},
					{Name: "max_bytes", Kind: sdk.KindInt, Optional: true, Doc: "the most canonical-encoding bytes of facts to return, 1 to 16 MiB; default 512 KiB"},
					{Name: "encoded", Kind: sdk.KindBool, Optional: true, Doc: "if true, each fact is returned as its canonical encoding (bytes) instead of a map: what a syncer ships as is"},
				},
				Result:      sdk.KindMap,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: j.syncMissing,
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.JournalMergeSigned,
				Doc: "Merges the facts that are signed (signer and signature fields, a valid signature) by a key given " +
					"for their authority (the authority value matched exactly: bytes and string differ), all in one " +
					"durable transaction, as merge_facts. Returns {merged: int (new facts), known: int (valid facts " +
					"already held), refused: list of {index: int (position in facts), id: bytes (the ID of the item as " +
					"given; facts first, then the pages' facts in order), reason: string}}; a refused fact is never merged. At most " +
					"10000 facts (facts and pages together) and 4096 keys. A page that is not the canonical encoding of a " +
					"list is an invalid_args error.",
				Params: []sdk.Param{
					{Name: "facts", Kind: sdk.KindList, Optional: true, Doc: "signed facts, e.g. from a peer's sync_missing"},
					{Name: "pages", Kind: sdk.KindList, Optional: true, Doc: "list of bytes, each the canonical encoding of a list of signed facts (as a syncer receives them): merged as if they followed facts"},
					{Name: "keys", Kind: sdk.KindList, Doc: "list of {authority: bytes or string, key: 32-byte Ed25519 public key}: who may sign for whom"},
				},
				Result:      sdk.KindMap,
				Idempotent:  true,
				Determinism: sdk.WritesWorld,
			},
			Handle: j.mergeSigned,
		},
	}
}

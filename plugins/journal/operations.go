package journal

import (
	"context"
	"errors"
	"fmt"
	"os"

	"go.etcd.io/bbolt"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
)

const (
	factDoc = "the fact: a map with at least type (non-empty string), authority (non-empty bytes or string), " +
		"time (int, milliseconds), predicate (string) and body (any value); other fields are kept and hashed too. " +
		"A fact with a signer or signature field is a signed fact: signer must be a 32-byte Ed25519 public key, " +
		"signature its 64-byte signature of \"aura-fact/v1\\x00\" followed by the canonical encoding of the fact " +
		"without its signature field, and a signature that does not verify is an invalid_args error"
	idDoc      = "a fact ID: the 32-byte BLAKE3-256 digest of the fact's canonical encoding"
	contextDoc = "the relational context the budget belongs to (non-empty bytes, e.g. a context ID)"
	peerDoc    = "the peer the budget is for (non-empty bytes, e.g. an authority ID)"
	listDoc    = "Returns a list of facts (maps), ordered by fact ID."
)

// rfc6962Param asks merkle_root and inclusion_proof for the RFC 6962 tree
// instead of the trie.
var rfc6962Param = sdk.Param{Name: "rfc6962", Kind: sdk.KindBool, Optional: true,
	Doc: "use the RFC 6962 tree over the sorted fact IDs (rebuilt after each write) instead of the trie; default false"}

func (j *journal) operations() []sdk.Operation {
	idParam := sdk.Param{Name: "id", Kind: sdk.KindBytes, Doc: idDoc}
	budgetParams := []sdk.Param{
		{Name: "context", Kind: sdk.KindBytes, Doc: contextDoc},
		{Name: "peer", Kind: sdk.KindBytes, Doc: peerDoc},
	}
	withBudget := func(extra ...sdk.Param) []sdk.Param { return append(append([]sdk.Param{}, budgetParams...), extra...) }
	return append([]sdk.Operation{
		{
			Spec: sdk.OpSpec{
				ID: effects.JournalAppendFact,
				Doc: "Adds a fact to the journal in one durable transaction (committed and synced before it " +
					"returns) and to its indexes. Returns the fact's ID (bytes). Appending a fact that is already " +
					"there changes nothing and returns the same ID.",
				Params:      []sdk.Param{{Name: "fact", Kind: sdk.KindMap, Doc: factDoc}},
				Result:      sdk.KindBytes,
				Idempotent:  true,
				Determinism: sdk.WritesWorld,
			},
			Handle: j.appendFact,
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.JournalMergeFacts,
				Doc: "Merges a list of facts into the journal by set union, in one durable transaction: all are " +
					"stored or, if any is malformed, none is. Returns how many were new (int). Any order and any " +
					"split into batches of the same facts gives the same journal.",
				Params:      []sdk.Param{{Name: "facts", Kind: sdk.KindList, Doc: "list of facts, each " + factDoc}},
				Result:      sdk.KindInt,
				Idempotent:  true,
				Determinism: sdk.WritesWorld,
			},
			Handle: j.mergeFacts,
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.JournalGetJournal,
				Doc: "Returns the journal's facts as a list of maps ordered by fact ID, optionally one page at a " +
					"time: the facts whose ID is greater than after, at most limit of them.",
				Params: []sdk.Param{
					{Name: "after", Kind: sdk.KindBytes, Optional: true,
						Doc: "only facts with an ID greater than this (e.g. the ID of the last fact of the previous page); default: from the start"},
					{Name: "limit", Kind: sdk.KindInt, Optional: true, Doc: "at most this many facts, 1 or more; default: all"},
				},
				Result:      sdk.KindList,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: j.getJournal,
		},
		{
			Spec: sdk.OpSpec{
				ID:          effects.JournalGetFact,
				Doc:         "Returns the fact (map) with the given ID; an ID not in the journal is a not_found error.",
				Params:      []sdk.Param{idParam},
				Result:      sdk.KindMap,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: j.getFact,
		},
		{
			Spec: sdk.OpSpec{
				ID:          effects.JournalFactsByType,
				Doc:         "Returns the facts whose type is the given one (index by type). " + listDoc,
				Params:      []sdk.Param{{Name: "type", Kind: sdk.KindString, Doc: "the fact type to look up"}},
				Result:      sdk.KindList,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: j.factsByType,
		},
		{
			Spec: sdk.OpSpec{
				ID:          effects.JournalFactsByPredicate,
				Doc:         "Returns the facts with the given predicate (index by predicate). " + listDoc,
				Params:      []sdk.Param{{Name: "predicate", Kind: sdk.KindString, Doc: "the predicate to look up"}},
				Result:      sdk.KindList,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: j.factsByPredicate,
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.JournalFactsByAuthority,
				Doc: "Returns the facts of the given authority (index by authority); bytes and a string with the " +
					"same content are different authorities. " + listDoc,
				Params:      []sdk.Param{{Name: "authority", Kind: sdk.KindAny, Doc: "the authority to look up: non-empty bytes or a non-empty string"}},
				Result:      sdk.KindList,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: j.factsByAuthority,
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.JournalFactsInRange,
				Doc: "Returns the facts whose time t satisfies t0 <= t < t1 (index by time), as a list of maps " +
					"ordered by time, then by fact ID.",
				Params: []sdk.Param{
					{Name: "t0", Kind: sdk.KindInt, Doc: "the start of the range in milliseconds, included"},
					{Name: "t1", Kind: sdk.KindInt, Doc: "the end of the range in milliseconds, excluded"},
				},
				Result:      sdk.KindList,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: j.factsInRange,
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.JournalMightContain,
				Doc: "Asks the Bloom filter whether the journal might hold a fact ID. false is certain (the fact is " +
					"absent); true may be a false positive, at a rate of about 1 %.",
				Params:      []sdk.Param{idParam},
				Result:      sdk.KindBool,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: j.mightContain,
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.JournalMerkleRoot,
				Doc: "Returns the 32-byte root (bytes) of the binary Patricia trie of the fact IDs (SHA-256, see the " +
					"journal's doc: leaf = H(0x00 || id), inner = H(0x01 || split bit || left || right), empty set = " +
					"H(0x02)). It is a function of the set of facts only — not of their order, batches or restarts — and " +
					"a write updates it in O(log n). With rfc6962: true, the root of the RFC 6962 tree whose leaves are " +
					"the fact IDs in byte order instead, rebuilt (in linear time) on the first call after a write.",
				Params:      []sdk.Param{rfc6962Param},
				Result:      sdk.KindBytes,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: j.merkleRoot,
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.JournalInclusionProof,
				Doc: "Returns the proof that a fact is in the journal, against the root merkle_root returns: a map " +
					"{scheme: \"trie\", size: uint (facts in the journal), bits: list of uint (the split bits of the " +
					"inner nodes on the fact's path, from its leaf up: strictly decreasing), proof: list of 32-byte " +
					"hashes (the other child of each of those nodes), root: bytes}. With rfc6962: true, the RFC 6962 " +
					"inclusion proof in the tree of merkle_root {rfc6962: true}: {scheme: \"rfc6962\", index: uint (the " +
					"fact's leaf), size: uint (leaves), proof: list of 32-byte hashes, root: bytes}. A fact not in the " +
					"journal is a not_found error.",
				Params:      []sdk.Param{idParam, rfc6962Param},
				Result:      sdk.KindMap,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: j.inclusionProof,
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.JournalVerifyFactInclusion,
				Doc: "Checks an inclusion proof (as inclusion_proof returns it) against a root: true if it proves " +
					"the fact ID is in the set (trie) or a leaf of the tree (rfc6962) with that root, false otherwise. " +
					"Needs no journal state.",
				Params: []sdk.Param{
					idParam,
					{Name: "root", Kind: sdk.KindBytes, Doc: "the root the proof must lead to"},
					{Name: "proof", Kind: sdk.KindMap, Doc: "the proof: {scheme: \"trie\", bits: list of uint, proof: list " +
						"of bytes} or {scheme: \"rfc6962\", index: uint, size: uint, proof: list of bytes}; without " +
						"scheme, a proof with an index is rfc6962 and any other a trie proof; other fields are ignored"},
				},
				Result:      sdk.KindBool,
				Idempotent:  true,
				Determinism: sdk.Pure,
			},
			Handle: j.verifyFactInclusion,
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.JournalView,
				Doc: "Reduces the facts of a type to a view with the reducer registered for that type (or the one " +
					"named by reducer) and returns the view. Built-in reducers: \"counter\" (map of predicate to " +
					"the number of facts) and \"latest\" (map of predicate to the body of its latest fact, by time, " +
					"then ID). A type with no reducer is a not_found error.",
				Params: []sdk.Param{
					{Name: "type", Kind: sdk.KindString, Doc: "the fact type whose facts are reduced"},
					{Name: "reducer", Kind: sdk.KindString, Optional: true,
						Doc: "use the reducer registered under this name instead of the type's own, e.g. \"counter\" or \"latest\""},
				},
				Result:      sdk.KindAny,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: j.viewFacts,
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.JournalGetFlowBudget,
				Doc: "Returns the flow budget of (context, peer) as a map {limit: uint, spent: uint, epoch: uint}. " +
					"A budget never set reads as all zeros: no headroom.",
				Params:      budgetParams,
				Result:      sdk.KindMap,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: j.getFlowBudget,
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.JournalChargeFlowBudget,
				Doc: "Spends cost from the budget of (context, peer) and returns the budget after the charge " +
					"({limit, spent, epoch}). An exhausted error, with nothing spent, if spent + cost would exceed " +
					"the limit; a budget never set is exhausted.",
				Params:      withBudget(sdk.Param{Name: "cost", Kind: sdk.KindUint, Doc: "what to spend, e.g. 1 + 1 per KiB of a send"}),
				Result:      sdk.KindMap,
				Determinism: sdk.WritesWorld,
			},
			Handle: j.chargeFlowBudget,
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.JournalSetFlowBudget,
				Doc: "Sets the limit of the budget of (context, peer) for an epoch and returns the budget. A newer " +
					"epoch than the stored one (or a budget never set) starts with nothing spent; the same epoch " +
					"keeps what was spent; an older epoch is a conflict error.",
				Params: withBudget(
					sdk.Param{Name: "limit", Kind: sdk.KindUint, Doc: "the most that may be spent in the epoch"},
					sdk.Param{Name: "epoch", Kind: sdk.KindUint, Doc: "the epoch the limit is for"},
				),
				Result:      sdk.KindMap,
				Idempotent:  true,
				Determinism: sdk.WritesWorld,
			},
			Handle: j.setFlowBudget,
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.JournalRotateEpoch,
				Doc: "Starts the next epoch of the budget of (context, peer): epoch + 1, nothing spent, the same " +
					"limit — the only replenishment. Returns the budget; a budget never set is a not_found error.",
				Params:      budgetParams,
				Result:      sdk.KindMap,
				Determinism: sdk.WritesWorld,
			},
			Handle: j.rotateEpoch,
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.JournalMergeFlowBudget,
				Doc: "Joins another replica's budget of (context, peer) into the stored one and returns the result: " +
					"in the same epoch limit = min and spent = max; a newer epoch replaces an older one whole.",
				Params: withBudget(
					sdk.Param{Name: "limit", Kind: sdk.KindUint, Doc: "the other replica's limit"},
					sdk.Param{Name: "spent", Kind: sdk.KindUint, Doc: "the other replica's spent"},
					sdk.Param{Name: "epoch", Kind: sdk.KindUint, Doc: "the other replica's epoch"},
				),
				Result:      sdk.KindMap,
				Idempotent:  true,
				Determinism: sdk.WritesWorld,
			},
			Handle: j.mergeFlowBudget,
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.JournalStats,
				Doc: "Describes the journal: a map {facts: int (facts stored), file_bytes: int (size of the " +
					"database file), path: string (the database file)}.",
				Result:      sdk.KindMap,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: j.stats,
		},
	}, j.signedOps()...)
}

func invalid(format string, args ...any) error {
	return sdk.Errorf(sdk.CodeInvalidArgs, format, args...)
}

func idArg(c *sdk.Call, name string) (ID, error) {
	b, _ := c.Arg(name).AsBytes()
	if len(b) != IDSize {
		return ID{}, invalid("%s must be a %d-byte fact ID, got %d bytes", name, IDSize, len(b))
	}
	return ID(b), nil
}

func nonEmptyBytes(c *sdk.Call, name string) ([]byte, error) {
	b, _ := c.Arg(name).AsBytes()
	if len(b) == 0 {
		return nil, invalid("%s must not be empty", name)
	}
	return b, nil
}

func (j *journal) appendFact(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	f, err := ParseFact(c.Arg("fact"))
	if err != nil {
		return sdk.Value{}, invalid("fact: %v", err)
	}
	if _, err := j.merge(ctx, []Fact{f}); err != nil {
		return sdk.Value{}, err
	}
	return sdk.Bytes(f.ID[:]), nil
}

func (j *journal) mergeFacts(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	items := c.Arg("facts").Items()
	facts := make([]Fact, len(items))
	for i, it := range items {
		f, err := ParseFact(it)
		if err != nil {
			return sdk.Value{}, invalid("facts: item %d: %v", i, err)
		}
		facts[i] = f
	}
	added, err := j.merge(ctx, facts)
	return sdk.Int(int64(len(added))), err
}

// factValue decodes a stored fact for a result.
func factValue(id, encoded []byte) (sdk.Value, error) {
	v, err := effects.DecodeCanonical(encoded)
	if err != nil {
		return sdk.Value{}, fmt.Errorf("stored fact %x: %w", id, err)
	}
	return v, nil
}

// storedFact returns the encoding of a fact the indexes name.
func storedFact(facts *bbolt.Bucket, id ID) ([]byte, error) {
	raw := facts.Get(id[:])
	if raw == nil {
		return nil, fmt.Errorf("the index names fact %x, which the database does not hold", id)
	}
	return raw, nil
}

// listFacts returns the stored facts whose IDs pick chooses from the
// indexes, in the order it gives them.
func (j *journal) listFacts(ctx context.Context, pick func(x *indexes) []ID) (sdk.Value, error) {
	out := []sdk.Value{}
	err := j.viewTx(ctx, func(tx *bbolt.Tx) error {
		facts := tx.Bucket(bucketFacts)
		for _, id := range pick(j.index) {
			raw, err := storedFact(facts, id)
			if err != nil {
				return err
			}
			v, err := factValue(id[:], raw)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return nil
	})
	return sdk.List(out...), err
}

func (j *journal) getJournal(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	after, hasAfter := c.Arg("after").AsBytes()
	limit := int64(-1)
	if v := c.Arg("limit"); !v.IsNull() {
		if limit, _ = v.AsInt(); limit < 1 {
			return sdk.Value{}, invalid("limit must be 1 or more, got %d", limit)
		}
	}
	out := []sdk.Value{}
	err := j.viewTx(ctx, func(tx *bbolt.Tx) error {
		cur := tx.Bucket(bucketFacts).Cursor()
		k, v := cur.First()
		if hasAfter {
			if k, v = cur.Seek(after); k != nil && string(k) == string(after) {
				k, v = cur.Next()
			}
		}
		for ; k != nil && (limit < 0 || int64(len(out)) < limit); k, v = cur.Next() {
			f, err := factValue(k, v)
			if err != nil {
				return err
			}
			out = append(out, f)
		}
		return nil
	})
	return sdk.List(out...), err
}

func (j *journal) getFact(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	id, err := idArg(c, "id")
	if err != nil {
		return sdk.Value{}, err
	}
	var out sdk.Value
	err = j.viewTx(ctx, func(tx *bbolt.Tx) error {
		raw := tx.Bucket(bucketFacts).Get(id[:])
		if raw == nil {
			return sdk.Errorf(sdk.CodeNotFound, "no fact %x in the journal", id)
		}
		out, err = factValue(id[:], raw)
		return err
	})
	return out, err
}

func (j *journal) factsByType(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	t, _ := c.Arg("type").AsString()
	return j.listFacts(ctx, func(x *indexes) []ID { return x.sorted(x.byType[t]) })
}

func (j *journal) factsByPredicate(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	p, _ := c.Arg("predicate").AsString()
	return j.listFacts(ctx, func(x *indexes) []ID { return x.sorted(x.byPredicate[p]) })
}

func (j *journal) factsByAuthority(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	a := c.Arg("authority")
	if k := a.Kind(); (k != sdk.KindBytes && k != sdk.KindString) || a.Len() == 0 {
		return sdk.Value{}, invalid("authority must be non-empty bytes or a non-empty string, got %v", a)
	}
	key := string(a.Canonical())
	return j.listFacts(ctx, func(x *indexes) []ID { return x.sorted(x.byAuthority[key]) })
}

func (j *journal) factsInRange(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	t0, _ := c.Arg("t0").AsInt()
	t1, _ := c.Arg("t1").AsInt()
	return j.listFacts(ctx, func(x *indexes) []ID { return x.inRange(t0, t1) })
}

func (j *journal) mightContain(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	id, err := idArg(c, "id")
	if err != nil {
		return sdk.Value{}, err
	}
	if err := ctx.Err(); err != nil {
		return sdk.Value{}, err
	}
	j.mu.RLock()
	defer j.mu.RUnlock()
	if j.bloom == nil {
		return sdk.Value{}, sdk.Errorf(sdk.CodeUnavailable, "journal database is not open")
	}
	return sdk.Bool(j.bloom.Test(id[:])), nil
}

func field(m sdk.Value, name string) sdk.Value {
	v, _ := m.Get(name)
	return v
}

func (j *journal) viewFacts(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	factType, _ := c.Arg("type").AsString()
	name := factType
	if r, ok := c.Arg("reducer").AsString(); ok {
		name = r
	}
	reduce, ok := j.registry.Lookup(name)
	if !ok {
		return sdk.Value{}, sdk.Errorf(sdk.CodeNotFound, "no reducer registered for %q (registered: %v)", name, j.registry.Types())
	}
	var facts []Fact
	err := j.viewTx(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketFacts)
		ids := j.index.sorted(j.index.byType[factType])
		facts = make([]Fact, 0, len(ids))
		for _, id := range ids {
			raw, err := storedFact(b, id)
			if err != nil {
				return err
			}
			f, err := decodeFact(id[:], raw)
			if err != nil {
				return err
			}
			facts = append(facts, f)
		}
		return nil
	})
	if err != nil {
		return sdk.Value{}, err
	}
	return reduce(facts), nil
}

func (j *journal) budgetKeyArgs(c *sdk.Call) ([]byte, error) {
	ctxID, err := nonEmptyBytes(c, "context")
	if err != nil {
		return nil, err
	}
	peer, err := nonEmptyBytes(c, "peer")
	if err != nil {
		return nil, err
	}
	return budgetKey(ctxID, peer), nil
}

// readBudget returns the stored budget under key, and whether there is one.
func readBudget(tx *bbolt.Tx, key []byte) (FlowBudget, bool, error) {
	raw := tx.Bucket(bucketBudgets).Get(key)
	if raw == nil {
		return FlowBudget{}, false, nil
	}
	b, err := decodeBudget(raw)
	return b, true, err
}

func (j *journal) getFlowBudget(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	key, err := j.budgetKeyArgs(c)
	if err != nil {
		return sdk.Value{}, err
	}
	var b FlowBudget
	err = j.viewTx(ctx, func(tx *bbolt.Tx) error {
		b, _, err = readBudget(tx, key)
		return err
	})
	return b.Value(), err
}

// changeBudget applies change to the stored budget under the call's key
// (the zero budget, exists false, if none) and stores the result.
func (j *journal) changeBudget(ctx context.Context, c *sdk.Call, change func(b FlowBudget, exists bool) (FlowBudget, error)) (sdk.Value, error) {
	key, err := j.budgetKeyArgs(c)
	if err != nil {
		return sdk.Value{}, err
	}
	var b FlowBudget
	err = j.update(ctx, func(tx *bbolt.Tx) error {
		cur, exists, err := readBudget(tx, key)
		if err != nil {
			return err
		}
		if b, err = change(cur, exists); err != nil {
			return err
		}
		return tx.Bucket(bucketBudgets).Put(key, b.encode())
	})
	return b.Value(), err
}

func uintArg(c *sdk.Call, name string) uint64 {
	u, _ := c.Arg(name).AsUint()
	return u
}

func (j *journal) chargeFlowBudget(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	cost := uintArg(c, "cost")
	return j.changeBudget(ctx, c, func(b FlowBudget, exists bool) (FlowBudget, error) {
		if !exists {
			return b, sdk.Errorf(sdk.CodeExhausted, "no flow budget for this context and peer: a missing budget grants no headroom")
		}
		return b.Charge(cost)
	})
}

func (j *journal) setFlowBudget(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	limit, epoch := uintArg(c, "limit"), uintArg(c, "epoch")
	return j.changeBudget(ctx, c, func(b FlowBudget, exists bool) (FlowBudget, error) {
		switch {
		case !exists || epoch > b.Epoch:
			return FlowBudget{Limit: limit, Epoch: epoch}, nil
		case epoch == b.Epoch:
			b.Limit = limit
			return b, nil
		}
		return b, sdk.Errorf(sdk.CodeConflict, "epoch %d is older than the budget's epoch %d", epoch, b.Epoch)
	})
}

func (j *journal) rotateEpoch(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	return j.changeBudget(ctx, c, func(b FlowBudget, exists bool) (FlowBudget, error) {
		if !exists {
			return b, sdk.Errorf(sdk.CodeNotFound, "no flow budget for this context and peer to rotate")
		}
		return b.Rotate()
	})
}

func (j *journal) mergeFlowBudget(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	other := FlowBudget{Limit: uintArg(c, "limit"), Spent: uintArg(c, "spent"), Epoch: uintArg(c, "epoch")}
	return j.changeBudget(ctx, c, func(b FlowBudget, exists bool) (FlowBudget, error) {
		if !exists {
			return other, nil
		}
		return b.Merge(other), nil
	})
}

func (j *journal) stats(ctx context.Context, _ *sdk.Call) (sdk.Value, error) {
	var n int
	err := j.viewTx(ctx, func(tx *bbolt.Tx) error {
		n = tx.Bucket(bucketFacts).Stats().KeyN
		return nil
	})
	if err != nil {
		return sdk.Value{}, err
	}
	j.mu.RLock()
	path := j.path
	j.mu.RUnlock()
	var fileBytes int64
	if fi, err := os.Stat(path); err == nil {
		fileBytes = fi.Size()
	} else if !errors.Is(err, os.ErrNotExist) {
		return sdk.Value{}, sdk.Errorf(sdk.CodeInternal, "journal database %s: %v", path, err)
	}
	return sdk.Map(map[string]sdk.Value{"facts": sdk.Int(int64(n)), "file_bytes": sdk.Int(fileBytes), "path": sdk.String(path)}), nil
}

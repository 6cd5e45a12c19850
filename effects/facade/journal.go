package facade

import (
	"context"
	"encoding/hex"

	"lukechampine.com/blake3"

	"github.com/aurahost/aura-host/effects"
)

// Journal is the client of the journal family: content-addressed facts
// that merge by set union, their indexes (by type, predicate, authority and
// time), a Bloom filter, a Merkle trie of the fact IDs with inclusion proofs,
// reducer views, and the flow budgets of (context, peer) pairs.
type Journal struct{ c caller }

// FactIDSize is the length of a fact ID.
const FactIDSize = 32

var (
	opAppendFact       = declare("Journal.AppendFact", effects.JournalAppendFact, effects.KindBytes, arg("fact", effects.KindMap))
	opMergeFacts       = declare("Journal.MergeFacts", effects.JournalMergeFacts, effects.KindInt, arg("facts", effects.KindList))
	opGetJournal       = declare("Journal.GetJournal", effects.JournalGetJournal, effects.KindList, opt("after", effects.KindBytes), opt("limit", effects.KindInt))
	opGetFact          = declare("Journal.GetFact", effects.JournalGetFact, effects.KindMap, arg("id", effects.KindBytes))
	opFactsByType      = declare("Journal.FactsByType", effects.JournalFactsByType, effects.KindList, arg("type", effects.KindString))
	opFactsByPredicate = declare("Journal.FactsByPredicate", effects.JournalFactsByPredicate, effects.KindList, arg("predicate", effects.KindString))
	opFactsByAuthority = declare("Journal.FactsByAuthority", effects.JournalFactsByAuthority, effects.KindList, arg("authority", effects.KindAny))
	opFactsInRange     = declare("Journal.FactsInRange", effects.JournalFactsInRange, effects.KindList, arg("t0", effects.KindInt), arg("t1", effects.KindInt))
	opMightContain     = declare("Journal.MightContain", effects.JournalMightContain, effects.KindBool, arg("id", effects.KindBytes))
	opMerkleRoot       = declare("Journal.MerkleRoot", effects.JournalMerkleRoot, effects.KindBytes)
	opInclusionProof   = declare("Journal.InclusionProof", effects.JournalInclusionProof, effects.KindMap, arg("id", effects.KindBytes))
	opVerifyInclusion  = declare("Journal.VerifyInclusion", effects.JournalVerifyFactInclusion, effects.KindBool,
		arg("id", effects.KindBytes), arg("root", effects.KindBytes), arg("proof", effects.KindMap))
	opView         = declare("Journal.View", effects.JournalView, effects.KindAny, arg("type", effects.KindString), opt("reducer", effects.KindString))
	opJournalStats = declare("Journal.Stats", effects.JournalStats, effects.KindMap)
)

// FactID identifies a fact: the BLAKE3-256 digest of its canonical
// encoding.
type FactID [FactIDSize]byte

// String returns the ID in lower-case hex.
func (id FactID) String() string { return hex.EncodeToString(id[:]) }

// Fact is one journal fact. Type, Authority, Time, Predicate and Body are
// the fields every fact has; Extra holds any others, which the journal keeps
// and hashes too.
type Fact struct {
	Type      string                   // the fact type, non-empty: what reducer makes its view
	Authority effects.Value            // non-empty bytes (an authority's 16 bytes) or string
	Time      int64                    // milliseconds
	Predicate string                   // what happened, e.g. "invitation.accepted"
	Body      effects.Value            // any value
	Extra     map[string]effects.Value // other fields; the five above win over entries of the same name
}

// AuthorityValue returns an authority as facts name it: its 16 bytes.
func AuthorityValue(a effects.AuthorityID) effects.Value { return effects.Bytes(a[:]) }

// Value returns the fact as the journal stores it: a map of its fields,
// Time encoded as an int.
func (f Fact) Value() effects.Value {
	m := make(map[string]effects.Value, 5+len(f.Extra))
	for k, v := range f.Extra {
		m[k] = v
	}
	m["type"] = effects.String(f.Type)
	m["authority"] = f.Authority
	m["time"] = effects.Int(f.Time)
	m["predicate"] = effects.String(f.Predicate)
	m["body"] = f.Body
	return effects.Map(m)
}

// ID returns the fact's ID, as the journal computes it.
func (f Fact) ID() FactID { return blake3.Sum256(f.Value().Canonical()) }

func readFact(r reader) Fact {
	f := Fact{Type: r.str("type"), Authority: r.value("authority"), Time: r.int("time"),
		Predicate: r.str("predicate"), Body: r.optValue("body")}
	if _, ok := r.v.Get("body"); !ok {
		r.d.fail(join(r.path, "body"), "a value", "no such field")
	}
	for _, fl := range r.v.Fields() {
		switch fl.Key {
		case "type", "authority", "time", "predicate", "body":
		default:
			if f.Extra == nil {
				f.Extra = map[string]effects.Value{}
			}
			f.Extra[fl.Key] = fl.Value
		}
	}
	return f
}

// The schemes of an InclusionProof.
const (
	ProofSchemeTrie    = "trie"    // the journal's trie of fact IDs: what MerkleRoot returns the root of
	ProofSchemeRFC6962 = "rfc6962" // an RFC 6962 tree over the sorted fact IDs
)

// InclusionProof proves that a fact is in the set a journal root commits
// to. A trie proof (Scheme ProofSchemeTrie, or empty) has Bits and Proof:
// the split bits and sibling hashes on the fact's path, from its leaf up.
// An RFC 6962 proof has Index and Proof, the audit path.
type InclusionProof struct {
	Scheme string   // ProofSchemeTrie or ProofSchemeRFC6962
	Index  uint64   // rfc6962: the fact's leaf
	Size   uint64   // facts in the journal (leaves of the tree)
	Bits   []uint64 // trie: the split bits on the path, from the leaf up
	Proof  [][]byte // 32-byte hashes: the trie's siblings, or the RFC 6962 audit path
	Root   []byte   // the 32-byte root
}

// FlowBudget is the budget of one (context, peer) pair: Limit − Spent may
// still be charged in Epoch, and only a new epoch resets Spent.
type FlowBudget struct {
	Limit uint64 // the most that may be spent in the epoch
	Spent uint64 // what was spent in the epoch
	Epoch uint64 // the epoch; a newer one resets Spent
}

// Headroom is what may still be charged in this epoch.
func (b FlowBudget) Headroom() uint64 {
	if b.Spent >= b.Limit {
		return 0
	}
	return b.Limit - b.Spent
}

func readBudget(r reader) FlowBudget {
	return FlowBudget{Limit: r.uint("limit"), Spent: r.uint("spent"), Epoch: r.uint("epoch")}
}

// JournalStats describes a journal.
type JournalStats struct {
	Facts     int64  // facts stored
	FileBytes int64  // size of the database file
	Path      string // the database file
}

// AppendFact adds a fact (a no-op if it is already there) and returns its
// ID.
func (x *Journal) AppendFact(ctx context.Context, f Fact) (FactID, error) {
	v, err := x.c.invoke(ctx, opAppendFact, map[string]effects.Value{"fact": f.Value()})
	if err != nil {
		return FactID{}, err
	}
	b, err := decodeBytes(opAppendFact, v, FactIDSize)
	if err != nil {
		return FactID{}, err
	}
	return FactID(b), nil
}

// MergeFacts merges facts by set union, all or none, and returns how many
// were new.
func (x *Journal) MergeFacts(ctx context.Context, facts []Fact) (int, error) {
	items := make([]effects.Value, len(facts))
	for i, f := range facts {
		items[i] = f.Value()
	}
	v, err := x.c.invoke(ctx, opMergeFacts, map[string]effects.Value{"facts": effects.List(items...)})
	if err != nil {
		return 0, err
	}
	return decodeCount(opMergeFacts, v)
}

// GetJournal returns the journal's facts ordered by ID, one page at a
// time: those whose ID is greater than after (nil: from the start), at
// most limit of them (0: all).
func (x *Journal) GetJournal(ctx context.Context, after *FactID, limit int) ([]Fact, error) {
	args := map[string]effects.Value{}
	if after != nil {
		args["after"] = effects.Bytes(after[:])
	}
	if limit != 0 {
		args["limit"] = effects.Int(int64(limit))
	}
	return x.facts(ctx, opGetJournal, args)
}

// GetFact returns the fact with the given ID; an ID not in the journal is
// an error matching effects.ErrNotFound.
func (x *Journal) GetFact(ctx context.Context, id FactID) (Fact, error) {
	v, err := x.c.invoke(ctx, opGetFact, map[string]effects.Value{"id": effects.Bytes(id[:])})
	if err != nil {
		return Fact{}, err
	}
	return decodeRecord(opGetFact, v, readFact)
}

// FactsByType returns the facts of a type, ordered by ID.
func (x *Journal) FactsByType(ctx context.Context, factType string) ([]Fact, error) {
	return x.facts(ctx, opFactsByType, map[string]effects.Value{"type": effects.String(factType)})
}

// FactsByPredicate returns the facts with a predicate, ordered by ID.
func (x *Journal) FactsByPredicate(ctx context.Context, predicate string) ([]Fact, error) {
	return x.facts(ctx, opFactsByPredicate, map[string]effects.Value{"predicate": effects.String(predicate)})
}

// FactsByAuthority returns the facts of an authority (non-empty bytes or
// string, see AuthorityValue), ordered by ID. Bytes and a string with the
// same content are different authorities.
func (x *Journal) FactsByAuthority(ctx context.Context, authority effects.Value) ([]Fact, error) {
	return x.facts(ctx, opFactsByAuthority, map[string]effects.Value{"authority": authority})
}

// FactsInRange returns the facts whose time t satisfies t0 <= t < t1,
// ordered by time, then ID.
func (x *Journal) FactsInRange(ctx context.Context, t0, t1 int64) ([]Fact, error) {
	return x.facts(ctx, opFactsInRange, map[string]effects.Value{"t0": effects.Int(t0), "t1": effects.Int(t1)})
}

func (x *Journal) facts(ctx context.Context, op *operation, args map[string]effects.Value) ([]Fact, error) {
	v, err := x.c.invoke(ctx, op, args)
	if err != nil {
		return nil, err
	}
	return decodeList(op, v, readFact)
}

// MightContain asks the Bloom filter whether the journal might hold id:
// false is certain, true may be a false positive (about 1 %).
func (x *Journal) MightContain(ctx context.Context, id FactID) (bool, error) {
	v, err := x.c.invoke(ctx, opMightContain, map[string]effects.Value{"id": effects.Bytes(id[:])})
	if err != nil {
		return false, err
	}
	return decodeBool(opMightContain, v)
}

// MerkleRoot returns the 32-byte root of the journal's trie of fact IDs: a
// function of the set of facts only.
func (x *Journal) MerkleRoot(ctx context.Context) ([]byte, error) {
	v, err := x.c.invoke(ctx, opMerkleRoot, nil)
	if err != nil {
		return nil, err
	}
	return decodeBytes(opMerkleRoot, v, 32)
}

// InclusionProof returns the proof that id is in the current tree; a fact
// not in the journal is an error matching effects.ErrNotFound.
func (x *Journal) InclusionProof(ctx context.Context, id FactID) (InclusionProof, error) {
	v, err := x.c.invoke(ctx, opInclusionProof, map[string]effects.Value{"id": effects.Bytes(id[:])})
	if err != nil {
		return InclusionProof{}, err
	}
	return decodeRecord(opInclusionProof, v, func(r reader) InclusionProof {
		p := InclusionProof{Scheme: r.optStr("scheme"), Size: r.uint("size"), Proof: r.bytesList("proof", 32), Root: r.bytesN("root", 32)}
		if p.Scheme == ProofSchemeRFC6962 {
			p.Index = r.uint("index")
			return p
		}
		items, path := r.list("bits")
		for i, it := range items {
			b, ok := it.AsUint()
			if !ok {
				r.d.fail(index(path, i), "a uint", describe(it))
			}
			p.Bits = append(p.Bits, b)
		}
		return p
	})
}

// VerifyInclusion checks a proof that id is a leaf of the tree with root
// (the proof's own Root is not used). It needs no journal state.
func (x *Journal) VerifyInclusion(ctx context.Context, id FactID, root []byte, proof InclusionProof) (bool, error) {
	hashes := make([]effects.Value, len(proof.Proof))
	for i, h := range proof.Proof {
		hashes[i] = effects.Bytes(h)
	}
	p := map[string]effects.Value{"proof": effects.List(hashes...)}
	if proof.Scheme == ProofSchemeRFC6962 {
		p["scheme"], p["index"], p["size"] = effects.String(ProofSchemeRFC6962), effects.Uint(proof.Index), effects.Uint(proof.Size)
	} else {
		bits := make([]effects.Value, len(proof.Bits))
		for i, b := range proof.Bits {
			bits[i] = effects.Uint(b)
		}
		p["scheme"], p["bits"] = effects.String(ProofSchemeTrie), effects.List(bits...)
	}
	v, err := x.c.invoke(ctx, opVerifyInclusion, map[string]effects.Value{
		"id": effects.Bytes(id[:]), "root": effects.Bytes(root), "proof": effects.Map(p),
	})
	if err != nil {
		return false, err
	}
	return decodeBool(opVerifyInclusion, v)
}

// View reduces the facts of a type to a view with the type's reducer, or
// with the reducer registered under reducer ("" for the type's own; the
// built-ins are "counter" and "latest"). A view is whatever value the
// reducer makes. A type with no reducer is an error matching
// effects.ErrNotFound.
func (x *Journal) View(ctx context.Context, factType, reducer string) (effects.Value, error) {
	args := map[string]effects.Value{"type": effects.String(factType)}
	if reducer != "" {
		args["reducer"] = effects.String(reducer)
	}
	return x.c.invoke(ctx, opView, args)
}

// Stats describes the journal.
func (x *Journal) Stats(ctx context.Context) (JournalStats, error) {
	v, err := x.c.invoke(ctx, opJournalStats, nil)
	if err != nil {
		return JournalStats{}, err
	}
	return decodeRecord(opJournalStats, v, func(r reader) JournalStats {
		return JournalStats{Facts: r.int("facts"), FileBytes: r.int("file_bytes"), Path: r.str("path")}
	})
}

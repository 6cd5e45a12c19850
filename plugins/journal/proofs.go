package journal

import (
	"context"

	"github.com/aurahost/aura-host/sdk"
)

// The handlers of merkle_root, inclusion_proof and verify_fact_inclusion:
// the trie's root and proofs by default, RFC 6962's on request.

func wantsRFC6962(c *sdk.Call) bool {
	b, _ := c.Arg("rfc6962").AsBool()
	return b
}

func (j *journal) merkleRoot(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	if wantsRFC6962(c) {
		t, err := j.merkle(ctx)
		if err != nil {
			return sdk.Value{}, err
		}
		return sdk.Bytes(t.root), nil
	}
	var root [TrieHashSize]byte
	err := j.readState(ctx, func() error {
		root = j.allTrie.rootHash(idTable{base: j.index.ids})
		return nil
	})
	return sdk.Bytes(root[:]), err
}

func hashList(hashes [][]byte) sdk.Value {
	out := make([]sdk.Value, len(hashes))
	for i, h := range hashes {
		out[i] = sdk.Bytes(h)
	}
	return sdk.List(out...)
}

func (j *journal) inclusionProof(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
	id, err := idArg(c, "id")
	if err != nil {
		return sdk.Value{}, err
	}
	if wantsRFC6962(c) {
		return j.rfc6962Proof(ctx, id)
	}
	var out sdk.Value
	err = j.readState(ctx, func() error {
		table := idTable{base: j.index.ids}
		p, ok := j.allTrie.proof(&id, table)
		if !ok {
			return sdk.Errorf(sdk.CodeNotFound, "no fact %x in the journal", id)
		}
		bits := make([]sdk.Value, len(p.Bits))
		for i, b := range p.Bits {
			bits[i] = sdk.Uint(uint64(b))
		}
		root := j.allTrie.rootHash(table)
		out = sdk.Map(map[string]sdk.Value{
			"scheme": sdk.String(schemeTrie), "size": sdk.Uint(uint64(j.allTrie.size)), "bits": sdk.List(bits...),
			"proof": hashList(p.siblingSlices()), "root": sdk.Bytes(root[:]),
		})
		return nil
	})
	return out, err
}

// The schemes of inclusion proofs.
const (
	schemeTrie    = "trie"
	schemeRFC6962 = "rfc6962"
)

func (j *journal) rfc6962Proof(ctx context.Context, id ID) (sdk.Value, error) {
	t, err := j.merkle(ctx)
	if err != nil {
		return sdk.Value{}, err
	}
	index, ok := t.index(id)
	if !ok {
		return sdk.Value{}, sdk.Errorf(sdk.CodeNotFound, "no fact %x in the journal", id)
	}
	hashes, err := t.inclusionProof(index)
	if err != nil {
		return sdk.Value{}, sdk.Errorf(sdk.CodeInternal, "inclusion proof of leaf %d: %v", index, err)
	}
	return sdk.Map(map[string]sdk.Value{
		"scheme": sdk.String(schemeRFC6962), "index": sdk.Uint(index), "size": sdk.Uint(t.size()),
		"proof": hashList(hashes), "root": sdk.Bytes(t.root),
	}), nil
}

func (j *journal) verifyFactInclusion(_ context.Context, c *sdk.Call) (sdk.Value, error) {
	id, err := idArg(c, "id")
	if err != nil {
		return sdk.Value{}, err
	}
	root, _ := c.Arg("root").AsBytes()
	p := c.Arg("proof")
	list := field(p, "proof")
	if list.Kind() != sdk.KindList {
		return sdk.Value{}, invalid("proof must be a map with a proof field (a list of bytes), got %v", p)
	}
	hashes := make([][]byte, list.Len())
	for i, h := range list.Items() {
		b, ok := h.AsBytes()
		if !ok {
			return sdk.Value{}, invalid("proof: item %d of the proof list must be bytes, got %s", i, h.Kind())
		}
		hashes[i] = b
	}
	scheme, hasScheme := field(p, "scheme").AsString()
	if !hasScheme {
		scheme = schemeTrie
		if _, hasIndex := p.Get("index"); hasIndex {
			scheme = schemeRFC6962
		}
	}
	switch scheme {
	case schemeRFC6962:
		index, okIndex := field(p, "index").AsUint()
		size, okSize := field(p, "size").AsUint()
		if !okIndex || !okSize {
			return sdk.Value{}, invalid("an rfc6962 proof must be a map {index: uint, size: uint, proof: list of bytes}, got %v", p)
		}
		return sdk.Bool(VerifyInclusion(id[:], index, size, hashes, root)), nil
	case schemeTrie:
		bitList := field(p, "bits")
		if bitList.Kind() != sdk.KindList {
			return sdk.Value{}, invalid("a trie proof must be a map {bits: list of uint, proof: list of bytes}, got %v", p)
		}
		var tp TrieProof
		for i, v := range bitList.Items() {
			b, ok := v.AsUint()
			if !ok {
				if n, isInt := v.AsInt(); isInt && n >= 0 {
					b, ok = uint64(n), true
				}
			}
			if !ok || b >= 8*IDSize {
				return sdk.Value{}, invalid("proof: bit %d must be a uint below %d, got %v", i, 8*IDSize, v)
			}
			tp.Bits = append(tp.Bits, uint8(b))
		}
		for _, h := range hashes {
			if len(h) != TrieHashSize {
				return sdk.Bool(false), nil
			}
			tp.Siblings = append(tp.Siblings, [TrieHashSize]byte(h))
		}
		return sdk.Bool(VerifyTrieInclusion(id[:], tp, root)), nil
	}
	return sdk.Value{}, invalid("proof: unknown scheme %q (trie or rfc6962)", scheme)
}

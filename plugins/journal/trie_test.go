package journal

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"
)

// specRoot is the trie root as doc.go defines it, computed from the sorted
// set directly: a set of one ID is its leaf; a larger set splits at the
// first bit where its smallest and largest IDs differ.
func specRoot(ids []ID) [TrieHashSize]byte {
	switch len(ids) {
	case 0:
		return TrieEmptyRoot
	case 1:
		return trieLeafHash(&ids[0])
	}
	bit := commonPrefix(&ids[0], &ids[len(ids)-1])
	mid, _ := slices.BinarySearchFunc(ids, 1, func(id ID, _ int) int { return idBit(&id, bit) - 1 })
	l, r := specRoot(ids[:mid]), specRoot(ids[mid:])
	return trieInnerHash(uint8(bit), &l, &r)
}

// randomIDs returns n random IDs; with clustered, many share long
// prefixes, as a ground set of facts would.
func randomIDs(rng *rand.Rand, n int, clustered bool) []ID {
	out := make([]ID, n)
	for i := range out {
		for j := range out[i] {
			out[i][j] = byte(rng.Uint32())
		}
		if clustered {
			copy(out[i][:], out[rng.IntN(i+1)][:rng.IntN(IDSize)])
		}
	}
	slices.SortFunc(out, compareID)
	return slices.CompactFunc(out, func(a, b ID) bool { return a == b })
}

// grow adds ids (any order) to t in batches of the given sizes, as the
// journal does: each batch gets the next handles, sorted by ID within it.
func grow(t *trie, table []ID, ids []ID, batch int) []ID {
	for len(ids) > 0 {
		k := min(batch, len(ids))
		b := slices.Clone(ids[:k])
		ids = ids[k:]
		slices.SortFunc(b, compareID)
		handles := make([]uint32, k)
		for i := range handles {
			handles[i] = uint32(len(table) + i)
		}
		u := t.plan(handles, idTable{base: table, more: b})
		table = append(table, b...)
		t.commit(u)
	}
	return table
}

func TestTrieRootIsTheSetsWhateverTheOrderAndBatches(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for _, clustered := range []bool{false, true} {
		for _, n := range []int{0, 1, 2, 3, 17, 300, 2000} {
			ids := randomIDs(rng, n, clustered)
			want := specRoot(ids)
			full := buildTrie(handlesUpTo(len(ids)), ids)
			if got := full.rootHash(idTable{base: ids}); got != want {
				t.Fatalf("n=%d clustered=%v: full build root %x, spec %x", n, clustered, got, want)
			}
			for _, batch := range []int{1, 7, 64, 1 << 20} {
				shuffled := slices.Clone(ids)
				rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
				tr := newTrie()
				table := grow(tr, nil, shuffled, batch)
				if got := tr.rootHash(idTable{base: table}); got != want {
					t.Fatalf("n=%d clustered=%v batch=%d: root %x, spec %x", n, clustered, batch, got, want)
				}
				if tr.size != len(ids) || len(tr.nodes) != max(len(ids)-1, 0) {
					t.Fatalf("n=%d: size %d, %d nodes", n, tr.size, len(tr.nodes))
				}
				var walked []ID
				tr.walk(func(h uint32) bool { walked = append(walked, table[h]); return true })
				if !slices.Equal(walked, ids) && len(ids) > 0 {
					t.Fatalf("n=%d batch=%d: walk is not the IDs in order", n, batch)
				}
				checkProofs(t, tr, table, ids, want)
			}
		}
	}
}

func handlesUpTo(n int) []uint32 {
	out := make([]uint32, n)
	for i := range out {
		out[i] = uint32(i)
	}
	return out
}

// checkProofs checks that every member's proof verifies, and that proofs
// of non-members, tampered proofs and other roots do not.
func checkProofs(t *testing.T, tr *trie, table, members []ID, root [TrieHashSize]byte) {
	t.Helper()
	tab := idTable{base: table}
	for i, id := range members {
		p, ok := tr.proof(&id, tab)
		if !ok || !VerifyTrieInclusion(id[:], p, root[:]) {
			t.Fatalf("member %d: proof (found %v) does not verify", i, ok)
		}
		if i%16 != 0 {
			continue
		}
		other := id
		other[IDSize-1] ^= 1
		if _, ok := tr.proof(&other, tab); ok && !slices.Contains(members, other) {
			t.Fatalf("a proof for an ID not in the set")
		}
		if VerifyTrieInclusion(other[:], p, root[:]) {
			t.Fatalf("member %d's proof verifies another ID", i)
		}
		if len(p.Bits) > 0 {
			bad := TrieProof{Bits: slices.Clone(p.Bits), Siblings: slices.Clone(p.Siblings)}
			bad.Siblings[0][0] ^= 1
			if VerifyTrieInclusion(id[:], bad, root[:]) {
				t.Fatalf("member %d: a tampered sibling verifies", i)
			}
			bad = TrieProof{Bits: slices.Clone(p.Bits), Siblings: slices.Clone(p.Siblings)}
			bad.Bits[0]++
			if VerifyTrieInclusion(id[:], bad, root[:]) {
				t.Fatalf("member %d: a changed split bit verifies", i)
			}
		}
		wrong := root
		wrong[0] ^= 1
		if VerifyTrieInclusion(id[:], p, wrong[:]) {
			t.Fatalf("member %d: the proof verifies against another root", i)
		}
	}
}

func TestTrieRootsOfDifferentSetsDiffer(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	ids := randomIDs(rng, 64, true)
	seen := map[[TrieHashSize]byte]string{TrieEmptyRoot: ""}
	check := func(set []ID) {
		key := ""
		for _, id := range set {
			key += string(id[:])
		}
		r := specRoot(set)
		if got := buildTrie(handlesUpTo(len(set)), set).rootHash(idTable{base: set}); got != r {
			t.Fatalf("%d IDs: build %x, spec %x", len(set), got, r)
		}
		if prev, dup := seen[r]; dup && prev != key {
			t.Fatalf("two different sets share the root %x", r)
		}
		seen[r] = key
	}
	// Every prefix of the IDs, and every set missing one of them.
	for n := 1; n <= len(ids); n++ {
		check(ids[:n])
		check(slices.Delete(slices.Clone(ids), n-1, n))
	}
}

func TestVerifyTrieInclusionRefusesMalformedProofs(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	ids := randomIDs(rng, 10, false)
	tr := buildTrie(handlesUpTo(len(ids)), ids)
	root := tr.rootHash(idTable{base: ids})
	p, _ := tr.proof(&ids[3], idTable{base: ids})
	cases := map[string]struct {
		id    []byte
		proof TrieProof
		root  []byte
	}{
		"short id":         {ids[3][:31], p, root[:]},
		"short root":       {ids[3][:], p, root[:31]},
		"bits and hashes":  {ids[3][:], TrieProof{Bits: p.Bits[1:], Siblings: p.Siblings}, root[:]},
		"empty proof":      {ids[3][:], TrieProof{}, root[:]},
		"bits not falling": {ids[3][:], TrieProof{Bits: slices.Repeat([]uint8{p.Bits[0]}, len(p.Bits)), Siblings: p.Siblings}, root[:]},
	}
	for name, c := range cases {
		if VerifyTrieInclusion(c.id, c.proof, c.root) {
			t.Errorf("%s: verified", name)
		}
	}
	if one := buildTrie([]uint32{0}, ids[:1]); !bytes.Equal(func() []byte { r := one.rootHash(idTable{base: ids}); return r[:] }(), func() []byte { h := trieLeafHash(&ids[0]); return h[:] }()) {
		t.Errorf("the root of one ID is not its leaf hash")
	}
}

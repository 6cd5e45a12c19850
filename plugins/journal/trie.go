package journal

import (
	"crypto/sha256"
	"encoding/binary"
	"math/bits"
	"slices"
)

// The trie's hashes. Each kind of node has its own leading byte, so that a
// leaf can never pass for an inner node or the empty trie, and an inner
// node commits to its split bit, so that the same two children under a
// different split are a different node: two different sets of IDs never
// share a root. SHA-256 is what every client library has.
const (
	trieLeafTag  = 0x00 // SHA-256(0x00 || id)
	trieInnerTag = 0x01 // SHA-256(0x01 || bit || left || right)
	trieEmptyTag = 0x02 // SHA-256(0x02): the root of the empty set
)

// TrieHashSize is the size of every trie hash, and of a root.
const TrieHashSize = sha256.Size

// TrieEmptyRoot is the root of the empty set.
var TrieEmptyRoot = sha256.Sum256([]byte{trieEmptyTag})

// trieLeafHash is the hash of the leaf of id.
func trieLeafHash(id *ID) [TrieHashSize]byte {
	var buf [1 + IDSize]byte
	buf[0] = trieLeafTag
	copy(buf[1:], id[:])
	return sha256.Sum256(buf[:])
}

// trieInnerHash is the hash of the inner node that splits at bit.
func trieInnerHash(bit uint8, left, right *[TrieHashSize]byte) [TrieHashSize]byte {
	var buf [2 + 2*TrieHashSize]byte
	buf[0], buf[1] = trieInnerTag, bit
	copy(buf[2:], left[:])
	copy(buf[2+TrieHashSize:], right[:])
	return sha256.Sum256(buf[:])
}

// idBit returns bit i of id, counting from the most significant bit of its
// first byte, so that the trie's left-to-right order is byte order.
func idBit(id *ID, i int) int { return int(id[i>>3]>>(7-i&7)) & 1 }

// commonPrefix returns the number of leading bits a and b share (256 when
// they are equal).
func commonPrefix(a, b *ID) int {
	for w := 0; w < IDSize; w += 8 {
		if x := binary.BigEndian.Uint64(a[w:]) ^ binary.BigEndian.Uint64(b[w:]); x != 0 {
			return 8*w + bits.LeadingZeros64(x)
		}
	}
	return 8 * IDSize
}

// ref names a child: a leaf (leafRef set: the low bits are the fact's
// handle) or an inner node (an index into trie.nodes).
type ref uint32

const (
	leafRef ref = 1 << 31
	noRef   ref = 1<<32 - 1 // the root of the empty trie
)

func (r ref) isLeaf() bool     { return r&leafRef != 0 }
func (r ref) handle() uint32   { return uint32(r &^ leafRef) }
func leafOf(handle uint32) ref { return ref(handle) | leafRef }

// maxTrieHandle bounds the handles a trie can hold: one bit of a ref marks
// a leaf. 2G facts is far past what a journal is built for.
const maxTrieHandle = 1<<31 - 2 // leafOf(1<<31 - 1) would be noRef

// trieNode is an inner node: every leaf below it shares the bits before
// bit and child[c] holds those whose bit is c. 44 bytes; leaves take no
// node at all (a ref names their handle, the hash is recomputed when
// needed), so a trie of n facts holds n-1 nodes.
type trieNode struct {
	hash  [TrieHashSize]byte
	child [2]ref
	bit   uint8
}

// idTable maps handles to IDs: the index's table, and a batch's IDs not yet
// appended to it (handles len(base)...).
type idTable struct {
	base, more []ID
}

func (t idTable) at(h uint32) *ID {
	if int(h) < len(t.base) {
		return &t.base[h]
	}
	return &t.more[int(h)-len(t.base)]
}

// trie is a binary Patricia trie over a set of fact IDs, named by the
// handles of the journal's index: its root depends only on the set (the
// shape of a Patricia trie is a function of its keys, whatever order they
// came in), and adding a fact rehashes only the nodes on its path, about
// log2(n) of them, since IDs are uniformly random.
//
// A trie changes in two steps, so that the hashing happens without the
// journal's readers' lock: plan, by the one writer, reads the trie (as
// readers may, concurrently) and computes every new and changed node; the
// journal then takes its lock and commit copies them in.
type trie struct {
	nodes []trieNode
	root  ref
	size  int
}

func newTrie() *trie { return &trie{root: noRef} }

// item is a subtree being assembled: its ref and hash.
type item struct {
	r    ref
	hash [TrieHashSize]byte
}

// trieUpdate is what plan computed: nodes to append and nodes to replace.
type trieUpdate struct {
	t       *trie
	ids     idTable
	base    int        // len(t.nodes) when planned: new nodes are base, base+1, ...
	added   []trieNode // new nodes
	patches []trieNodePatch
	root    ref
	count   int
	grown   []trieNode // when not nil, a larger array holding t.nodes, made outside the lock
}

type trieNodePatch struct {
	i uint32
	n trieNode
}

// hashOf returns the hash of an unchanged subtree.
func (t *trie) hashOf(r ref, ids idTable) [TrieHashSize]byte {
	if r.isLeaf() {
		return trieLeafHash(ids.at(r.handle()))
	}
	return t.nodes[r].hash
}

// rootHash returns the trie's root: TrieEmptyRoot for no facts.
func (t *trie) rootHash(ids idTable) [TrieHashSize]byte {
	if t.root == noRef {
		return TrieEmptyRoot
	}
	return t.hashOf(t.root, ids)
}

// plan computes the trie with handles added. handles must be sorted by ID,
// distinct, and none of them in the trie yet; ids must name them all. plan
// only reads t.
func (t *trie) plan(handles []uint32, ids idTable) *trieUpdate {
	u := &trieUpdate{t: t, ids: ids, base: len(t.nodes), root: t.root, count: len(handles)}
	if len(handles) == 0 {
		return u
	}
	if slices.Max(handles) > maxTrieHandle {
		panic("journal: more facts than the trie's 31-bit handles can name")
	}
	if t.root == noRef {
		u.root = u.build(u.leaves(handles), u.adjacentPrefixes(handles, nil)).r
	} else {
		// A blind descent by a key's own bits ends at the leaf that shares
		// the longest prefix with it: their common prefix is where the key
		// branches off the trie.
		branch := make([]int, len(handles))
		for i, h := range handles {
			id := ids.at(h)
			r := t.root
			for !r.isLeaf() {
				n := &t.nodes[r]
				r = n.child[idBit(id, int(n.bit))]
			}
			branch[i] = commonPrefix(id, ids.at(r.handle()))
		}
		u.root = u.insert(t.root, handles, branch).r
	}
	if need := u.base + len(u.added); need > cap(t.nodes) {
		// Grow here, without the lock: copying a large arena under it would
		// keep readers waiting for milliseconds.
		u.grown = make([]trieNode, u.base, need+need/4)
		copy(u.grown, t.nodes)
	}
	return u
}

// commit applies u, which must have been planned on t as it still is.
func (t *trie) commit(u *trieUpdate) {
	if u.t != t || u.base != len(t.nodes) {
		panic("journal: a trie update applied to a trie it was not planned on")
	}
	if u.grown != nil {
		t.nodes = u.grown
	}
	t.nodes = append(t.nodes, u.added...)
	for _, p := range u.patches {
		t.nodes[p.i] = p.n
	}
	t.root = u.root
	t.size += u.count
}

// leaves returns the leaf items of handles.
func (u *trieUpdate) leaves(handles []uint32) []item {
	out := make([]item, len(handles))
	for i, h := range handles {
		out[i] = item{leafOf(h), trieLeafHash(u.ids.at(h))}
	}
	return out
}

// adjacentPrefixes appends the common prefix lengths of neighbouring
// handles to dst.
func (u *trieUpdate) adjacentPrefixes(handles []uint32, dst []int) []int {
	for i := 1; i < len(handles); i++ {
		dst = append(dst, commonPrefix(u.ids.at(handles[i-1]), u.ids.at(handles[i])))
	}
	return dst
}

// build returns the trie of items, which are sorted and span disjoint
// ranges of IDs; prefixes[i] is the common prefix length of items i and
// i+1. The neighbours with the shortest common prefix are where the root
// splits, at that bit: those before have it 0, those after 1.
func (u *trieUpdate) build(items []item, prefixes []int) item {
	if len(items) == 1 {
		return items[0]
	}
	at := 0
	for i, p := range prefixes {
		if p < prefixes[at] {
			at = i
		}
	}
	left := u.build(items[:at+1], prefixes[:at])
	right := u.build(items[at+1:], prefixes[at+1:])
	return u.newNode(uint8(prefixes[at]), left, right)
}

func (u *trieUpdate) newNode(bit uint8, left, right item) item {
	n := trieNode{hash: trieInnerHash(bit, &left.hash, &right.hash), child: [2]ref{left.r, right.r}, bit: bit}
	u.added = append(u.added, n)
	return item{ref(u.base + len(u.added) - 1), n.hash}
}

// insert returns the subtree r with handles added. handles are sorted by
// ID and each one's blind descent passed through r; branch[i] is the bit
// at which handles[i] branches off the trie. A key that branches off
// above r's split bit lies outside r's range, before it if its bit there
// is 0 and after it if 1; the others go down into r's children.
func (u *trieUpdate) insert(r ref, handles []uint32, branch []int) item {
	if len(handles) == 0 {
		return item{r, u.t.hashOf(r, u.ids)}
	}
	split := 8 * IDSize // a leaf: every new key branches off above it
	if !r.isLeaf() {
		split = int(u.t.nodes[r].bit)
	}
	// In ID order: the keys that branch off with a 0 (before r's range),
	// those inside it, and those that branch off with a 1 (after it).
	lo := 0
	for lo < len(handles) && branch[lo] < split && idBit(u.ids.at(handles[lo]), branch[lo]) == 0 {
		lo++
	}
	hi := lo
	for hi < len(handles) && branch[hi] >= split {
		hi++
	}
	core := item{r, [TrieHashSize]byte{}}
	if hi > lo {
		n := u.t.nodes[r]
		inside, below := handles[lo:hi], branch[lo:hi]
		mid := 0
		for mid < len(inside) && idBit(u.ids.at(inside[mid]), split) == 0 {
			mid++
		}
		left := u.insert(n.child[0], inside[:mid], below[:mid])
		right := u.insert(n.child[1], inside[mid:], below[mid:])
		n.child = [2]ref{left.r, right.r}
		n.hash = trieInnerHash(n.bit, &left.hash, &right.hash)
		u.patches = append(u.patches, trieNodePatch{uint32(r), n})
		core.hash = n.hash
	} else {
		core.hash = u.t.hashOf(r, u.ids)
	}
	if lo == 0 && hi == len(handles) {
		return core
	}
	// The outside keys and r, as one item, in ID order. A key outside
	// shares exactly branch bits with every leaf of r.
	outside := len(handles) - (hi - lo)
	items := make([]item, 0, outside+1)
	prefixes := make([]int, 0, outside)
	before, after := handles[:lo], handles[hi:]
	items = append(items, u.leaves(before)...)
	prefixes = u.adjacentPrefixes(before, prefixes)
	if lo > 0 {
		prefixes = append(prefixes, branch[lo-1])
	}
	items = append(items, core)
	if hi < len(handles) {
		prefixes = append(prefixes, branch[hi])
	}
	items = append(items, u.leaves(after)...)
	prefixes = u.adjacentPrefixes(after, prefixes)
	return u.build(items, prefixes)
}

// buildTrie returns the trie of handles, sorted by ID and distinct.
func buildTrie(handles []uint32, ids []ID) *trie {
	t := newTrie()
	t.commit(t.plan(handles, idTable{base: ids}))
	return t
}

// walk calls fn with every handle of the trie, in ID order, until fn
// returns false.
func (t *trie) walk(fn func(h uint32) bool) {
	if t.root != noRef {
		t.walkFrom(t.root, fn)
	}
}

func (t *trie) walkFrom(r ref, fn func(h uint32) bool) bool {
	if r.isLeaf() {
		return fn(r.handle())
	}
	n := &t.nodes[r]
	return t.walkFrom(n.child[0], fn) && t.walkFrom(n.child[1], fn)
}

// TrieProof proves that a fact ID is in the set whose trie root it leads
// to: the path from the ID's leaf up to the root, one step per inner node
// on it — the node's split bit, and the hash of its other child.
type TrieProof struct {
	Bits     []uint8              // split bits, from the leaf's parent up: strictly decreasing
	Siblings [][TrieHashSize]byte // the other child's hash at each step
}

func (p TrieProof) siblingSlices() [][]byte {
	out := make([][]byte, len(p.Siblings))
	for i := range p.Siblings {
		out[i] = p.Siblings[i][:]
	}
	return out
}

// proof returns the proof of id, and false if id is not in the trie.
func (t *trie) proof(id *ID, ids idTable) (TrieProof, bool) {
	if t.root == noRef {
		return TrieProof{}, false
	}
	var p TrieProof
	r := t.root
	for !r.isLeaf() {
		n := &t.nodes[r]
		c := idBit(id, int(n.bit))
		p.Bits = append(p.Bits, n.bit)
		p.Siblings = append(p.Siblings, t.hashOf(n.child[1-c], ids))
		r = n.child[c]
	}
	if *ids.at(r.handle()) != *id {
		return TrieProof{}, false
	}
	slices.Reverse(p.Bits)
	slices.Reverse(p.Siblings)
	return p, true
}

// VerifyTrieInclusion reports whether proof shows that the fact id is in
// the set whose trie root is root. It recomputes the root from the leaf of
// id up: at each step, the split bit of id says on which side the hash so
// far goes. The bits must strictly decrease, as they do on a real path
// (each inner node splits at a later bit than its parent), so a proof has
// one form only.
func VerifyTrieInclusion(id []byte, proof TrieProof, root []byte) bool {
	if len(id) != IDSize || len(root) != TrieHashSize || len(proof.Bits) != len(proof.Siblings) || len(proof.Bits) > 8*IDSize {
		return false
	}
	key := ID(id)
	h := trieLeafHash(&key)
	prev := 8 * IDSize
	for i, bit := range proof.Bits {
		if int(bit) >= prev {
			return false
		}
		prev = int(bit)
		if idBit(&key, int(bit)) == 0 {
			h = trieInnerHash(bit, &h, &proof.Siblings[i])
		} else {
			h = trieInnerHash(bit, &proof.Siblings[i], &h)
		}
	}
	return string(h[:]) == string(root)
}

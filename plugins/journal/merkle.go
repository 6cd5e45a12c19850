package journal

import (
	"bytes"
	"fmt"
	"math/bits"
	"slices"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// hasher is RFC 6962's: SHA-256 with 0x00 before a leaf and 0x01 before a
// pair of children, so that a leaf can never pass for an inner node.
var hasher = rfc6962.DefaultHasher

// tree is the RFC 6962 Merkle tree over a journal's fact IDs in byte
// order, which merkle_root and inclusion_proof give on request (rfc6962:
// true); their default is the trie (trie.go). Leaf i is the i-th smallest
// ID, so an insertion moves every leaf after it: the tree is rebuilt, not
// updated. levels[0] holds the leaf hashes and levels[l]
// the roots of the perfect subtrees of 2^l leaves, which is every node an
// RFC 6962 inclusion proof can name.
type tree struct {
	ids    []ID
	levels [][][]byte
	root   []byte
}

// buildTree builds the tree over ids, which must be sorted and unique.
func buildTree(ids []ID) *tree {
	t := &tree{ids: ids}
	leaves := make([][]byte, len(ids))
	for i := range ids {
		leaves[i] = hasher.HashLeaf(ids[i][:])
	}
	t.levels = append(t.levels, leaves)
	for level := leaves; len(level) > 1; {
		next := make([][]byte, len(level)/2)
		for i := range next {
			next[i] = hasher.HashChildren(level[2*i], level[2*i+1])
		}
		t.levels = append(t.levels, next)
		level = next
	}
	t.root = t.computeRoot()
	return t
}

// computeRoot folds the perfect subtrees that make up the tree, from the
// right: RFC 6962's MTH splits n leaves at the largest power of two below
// n, and these peaks are exactly the nodes of those splits.
func (t *tree) computeRoot() []byte {
	n := uint64(len(t.ids))
	if n == 0 {
		return hasher.EmptyRoot()
	}
	var peaks [][]byte
	var begin uint64
	for level := bits.Len64(n) - 1; level >= 0; level-- {
		if n&(1<<level) == 0 {
			continue
		}
		peaks = append(peaks, t.levels[level][begin>>level])
		begin += 1 << level
	}
	root := peaks[len(peaks)-1]
	for i := len(peaks) - 2; i >= 0; i-- {
		root = hasher.HashChildren(peaks[i], root)
	}
	return root
}

// size is the number of leaves.
func (t *tree) size() uint64 { return uint64(len(t.ids)) }

// index returns the leaf index of id.
func (t *tree) index(id ID) (uint64, bool) {
	i, ok := slices.BinarySearchFunc(t.ids, id, func(a, b ID) int { return bytes.Compare(a[:], b[:]) })
	return uint64(i), ok
}

// inclusionProof returns the RFC 6962 inclusion proof of leaf index.
func (t *tree) inclusionProof(index uint64) ([][]byte, error) {
	nodes, err := proof.Inclusion(index, t.size())
	if err != nil {
		return nil, err
	}
	hashes := make([][]byte, len(nodes.IDs))
	for i, id := range nodes.IDs {
		level := t.levels[id.Level]
		if id.Index >= uint64(len(level)) {
			return nil, fmt.Errorf("merkle tree of %d leaves has no node %d at level %d", t.size(), id.Index, id.Level)
		}
		hashes[i] = level[id.Index]
	}
	return nodes.Rehash(hashes, hasher.HashChildren)
}

// VerifyInclusion reports whether proof shows that the fact id is leaf
// index of a journal tree of size leaves with the given root.
func VerifyInclusion(id []byte, index, size uint64, proofHashes [][]byte, root []byte) bool {
	if len(id) != IDSize {
		return false
	}
	return proof.VerifyInclusion(hasher, index, size, hasher.HashLeaf(id), proofHashes, root) == nil
}

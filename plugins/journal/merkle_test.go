package journal

import (
	"bytes"
	"testing"

	"github.com/transparency-dev/merkle/compact"

	"github.com/aurahost/aura-host/sdk"
)

// TestTreeMatchesCompactRange checks the root against transparency-dev's
// compact range, an independent RFC 6962 construction, at every size
// around the powers of two, and every proof against its verifier.
func TestTreeMatchesCompactRange(t *testing.T) {
	t.Parallel()
	var ids []ID
	for n := range 70 {
		tr := buildTree(ids)
		rf := compact.RangeFactory{Hash: hasher.HashChildren}
		r := rf.NewEmptyRange(0)
		for _, id := range ids {
			if err := r.Append(hasher.HashLeaf(id[:]), nil); err != nil {
				t.Fatal(err)
			}
		}
		want, err := r.GetRootHash(nil)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			want = hasher.EmptyRoot()
		}
		if !bytes.Equal(tr.root, want) {
			t.Fatalf("size %d: root %x, compact range %x", n, tr.root, want)
		}
		for i, id := range ids {
			p, err := tr.inclusionProof(uint64(i))
			if err != nil {
				t.Fatal(err)
			}
			if !VerifyInclusion(id[:], uint64(i), tr.size(), p, tr.root) {
				t.Fatalf("size %d: proof of leaf %d does not verify", n, i)
			}
		}
		// ids grow in sorted order: the next ID sorts after all others.
		next := FactID(sdk.Int(int64(n)))
		next[0] = byte(n + 1) // keep byte order = insertion order
		next[1] = 0xff
		ids = append(ids, next)
	}
}

package syncer_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/journal"
)

// The journal plugin takes the facts SignFact signs, and its own rule and
// SignFact's agree byte for byte.
func TestJournalTakesSignFactsFacts(t *testing.T) {
	t.Parallel()
	nodes := realCluster(t, newHub(), "a")
	a := nodes[0]
	f := fact(a.id, "signed here")
	a.appendSigned(t, f)
	if _, n := a.syncRoot(t); n != 1 {
		t.Fatalf("sync_root counts %d signed facts, want 1", n)
	}
	mine, _ := signFact(a, f)
	if theirs := journal.SignFact(a.key, f); !theirs.Equal(mine) {
		t.Fatalf("SignFact and journal.SignFact differ:\n%v\n%v", mine, theirs)
	}
	if err := journal.VerifyFactSignature(mine); err != nil {
		t.Fatal(err)
	}
}

// Three journal plugins (in process) with their own facts and some in
// common converge; then a hostile node's well-signed impersonation is
// refused by the journal's merge_signed, logged with the peer and reason.
func TestJournalPluginsConverge(t *testing.T) {
	t.Parallel()
	h := newHub()
	nodes := realCluster(t, h, "a", "b", "c")
	var shared []effects.Value
	for i := range 50 {
		shared = append(shared, fact(nodes[0].id, fmt.Sprintf("shared %d", i)))
	}
	for _, n := range nodes {
		n.appendSigned(t, shared...) // each signs them: with one signer, they are the same facts
		shared = shared[:0:0]
	}
	for i, n := range nodes {
		var own []effects.Value
		for j := range 400 + 100*i {
			own = append(own, fact(n.id, fmt.Sprintf("%s %d", n.id, j)))
		}
		n.appendSigned(t, own...)
	}
	// The hostile node c holds a fact claiming a's authority, signed by
	// c's own key.
	nodes[2].appendSigned(t, fact(nodes[0].id, "impersonation"))
	for _, n := range nodes {
		n.start(t)
	}
	for _, n := range nodes {
		for _, r := range n.syncAll(t) {
			if r.Err != nil {
				t.Fatalf("%s with %s: %v", n.id, r.Peer, r.Err)
			}
		}
	}
	root0, count0 := nodes[0].syncRoot(t)
	if count0 != 50+400+500+600 {
		t.Fatalf("a holds %d signed facts, want %d", count0, 50+400+500+600)
	}
	if root1, count1 := nodes[1].syncRoot(t); root1 != root0 || count1 != count0 {
		t.Fatalf("a and b differ: %d and %d facts", count0, count1)
	}
	for _, n := range nodes[:2] {
		log := n.log.String()
		if !strings.Contains(log, "sync: refused a fact") || !strings.Contains(log, "is not a key given for its authority") {
			t.Errorf("%s did not log the refused impersonation:\n%s", n.id, log)
		}
		if n.syncer.Stats().Refused == 0 {
			t.Errorf("%s counted no refusal", n.id)
		}
	}
	// c keeps its forged fact, so its root differs by exactly that one.
	if _, count2 := nodes[2].syncRoot(t); count2 != count0+1 {
		t.Fatalf("c holds %d signed facts, want %d", count2, count0+1)
	}
}

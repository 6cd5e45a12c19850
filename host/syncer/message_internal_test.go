package syncer

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/aurahost/aura-host/effects"
)

// TestEncodedPagesAreTheListsEncoding: a page built from the facts'
// canonical encodings is the canonical encoding of their list, so what a
// peer receives is the same whichever way it was sent, and the facts'
// bytes counted are the page's less its header.
func TestEncodedPagesAreTheListsEncoding(t *testing.T) {
	for _, n := range []int{0, 1, 127, 128, 300} {
		var values []effects.Value
		var encoded [][]byte
		size := 0
		for i := range n {
			v := effects.Map(map[string]effects.Value{"body": effects.String(fmt.Sprint("fact ", i)), "time": effects.Int(int64(i))})
			values = append(values, v)
			encoded = append(encoded, v.Canonical())
			size += len(v.Canonical())
		}
		want := effects.List(values...).Canonical()
		if got := encodedList(encoded); !bytes.Equal(got, want) {
			t.Fatalf("%d facts: encodedList differs from the list's canonical encoding", n)
		}
		if len(want)-listHeader(n) != size {
			t.Fatalf("%d facts: header %d, but the list is %d bytes for %d of facts", n, listHeader(n), len(want), size)
		}
		m := message{Kind: kindFacts, Round: 9, Encoded: encoded, Last: true}
		got, err := decodeMessage(m.encode())
		if err != nil || len(got.Facts) != n || !bytes.Equal(got.Page, want) {
			t.Fatalf("%d facts: decoded %d facts, page equal %v, err %v", n, len(got.Facts), bytes.Equal(got.Page, want), err)
		}
	}
}

package conformance

import (
	"strings"
	"testing"

	"github.com/aurahost/aura-host/sdk"
)

// The diagnosis of a batch's answers names the bug a plugin has, from the
// results alone.
func TestCallIDProblem(t *testing.T) {
	t.Parallel()
	const first = 40
	ps := make([]pending, len(callPattern))
	want := make([]string, len(callPattern))
	for i, unknown := range callPattern {
		ps[i] = pending{id: uint64(first + i)}
		want[i] = "invalid_args"
		if unknown {
			want[i] = "unknown_op"
		}
	}
	// answered builds what the plugin sent back: call i's code under
	// call_id idOf(i).
	answered := func(idOf func(i int) uint64) (map[uint64]sdk.WireResult, []uint64, []sdk.WireResult) {
		got := map[uint64]sdk.WireResult{}
		var strays []sdk.WireResult
		for i := range ps {
			r := sdk.WireResult{CallID: idOf(i), Code: want[i]}
			if r.CallID >= first && r.CallID < first+uint64(len(ps)) {
				got[r.CallID] = r
			} else {
				strays = append(strays, r)
			}
		}
		var unanswered []uint64
		for _, p := range ps {
			if _, ok := got[p.id]; !ok {
				unanswered = append(unanswered, p.id)
			}
		}
		return got, unanswered, strays
	}
	for _, tc := range []struct {
		name string
		idOf func(i int) uint64
		want string
	}{
		{"echoed", func(i int) uint64 { return uint64(first + i) }, ""},
		{"off by one", func(i int) uint64 { return uint64(first + i + 1) }, "result for call 40 came back as call 41 (every result's call_id is off by +1)"},
		{"off by minus three", func(i int) uint64 { return uint64(first + i - 3) }, "came back as call 52 (every result's call_id is off by -3)"},
		{"always zero", func(int) uint64 { return 0 }, "came back as call 0, which was never sent"},
	} {
		got, unanswered, strays := answered(tc.idOf)
		p := callIDProblem(ps, want, got, unanswered, strays)
		if tc.want == "" && p != "" || tc.want != "" && !strings.Contains(p, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, p, tc.want)
		}
	}
	// Swapped answers: every ID came back once, but two calls got each
	// other's results.
	got, _, _ := answered(func(i int) uint64 { return uint64(first + i) })
	a, b := got[first], got[first+1]
	a.CallID, b.CallID = first+1, first
	got[first], got[first+1] = b, a
	if p := callIDProblem(ps, want, got, nil, nil); !strings.Contains(p, "carries another call's call_id") {
		t.Errorf("swapped: %q", p)
	}
}

// A report is one line per check and a summary.
func TestReportText(t *testing.T) {
	t.Parallel()
	r := &Report{Plugin: "echo"}
	r.pass("handshake", "")
	r.fail("call_id", "result for call %d came back\nas call %d", 7, 8)
	r.skip("deadline", "needs a blocking call")
	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := "PASS handshake\nFAIL call_id: result for call 7 came back as call 8\nSKIP deadline: needs a blocking call\necho does not conform: 1 passed, 1 failed, 1 skipped\n"
	if b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}
}

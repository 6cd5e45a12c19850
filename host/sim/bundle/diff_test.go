package bundle

import "testing"

// TestJSONLineDiffs: the path to the first difference inside each
// top-level field, the digest left out, absent fields named.
func TestJSONLineDiffs(t *testing.T) {
	t.Parallel()
	got := JSONLineDiffs(`{"a":1,"b":{"c":[1,2]},"digest":"x"}`, `{"a":1,"b":{"c":[1,3]},"digest":"y","e":true}`, true)
	want := []FieldDiff{{"b.c[1]", "2", "3"}, {"e", "(absent)", "true"}}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("diff %d: %v, want %v", i, got[i], want[i])
		}
	}
	if d := JSONLineDiffs("not json", "{}", false); len(d) != 1 || d[0].Field != "(line)" {
		t.Errorf("non-JSON: %v", d)
	}
}

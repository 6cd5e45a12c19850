package effects_test

import (
	"errors"
	"testing"

	"github.com/aurahost/aura-host/effects"
)

func nestedMaps(n int, leaf effects.Value) effects.Value {
	for range n {
		leaf = effects.Map(map[string]effects.Value{"v": leaf})
	}
	return leaf
}

// DeeperThan measures nesting the way the decoders count it: the value at
// depth 0, each list item or map value one deeper.
func TestDeeperThan(t *testing.T) {
	for _, tc := range []struct {
		name  string
		v     effects.Value
		limit int
		want  bool
	}{
		{"scalar at limit 0", effects.Int(1), 0, false},
		{"empty list at limit 0", effects.List(), 0, false},
		{"list of a scalar at limit 0", effects.List(effects.Int(1)), 0, true},
		{"list of a scalar at limit 1", effects.List(effects.Int(1)), 1, false},
		{"MaxDepth lists", nestedLists(effects.MaxDepth), effects.MaxDepth, false},
		{"MaxDepth+1 lists", nestedLists(effects.MaxDepth + 1), effects.MaxDepth, true},
		{"maps, deep in a later field", effects.Map(map[string]effects.Value{"a": effects.Int(1), "b": nestedMaps(3, effects.Null())}), 3, true},
		{"maps, at the limit", effects.Map(map[string]effects.Value{"a": effects.Int(1), "b": nestedMaps(2, effects.Null())}), 3, false},
	} {
		if got := tc.v.DeeperThan(tc.limit); got != tc.want {
			t.Errorf("%s: DeeperThan(%d) = %v, want %v", tc.name, tc.limit, got, tc.want)
		}
	}
}

// The deepest value the protocol allows encodes and decodes in every form;
// the protobuf arithmetic behind MaxDepth is in sdk/PROTOCOL.md §4.
func TestValueAtMaxDepthRoundTrips(t *testing.T) {
	v := nestedMaps(effects.MaxDepth, effects.List())
	got, err := effects.DecodeCanonical(v.Canonical())
	if err != nil || !got.Equal(v) {
		t.Fatalf("canonical: %v, %v", got, err)
	}
	if _, err := effects.DecodeCanonical(nestedMaps(effects.MaxDepth+1, effects.Null()).Canonical()); err == nil {
		t.Fatal("canonical: MaxDepth+1 decoded")
	}
}

func TestCheckResult(t *testing.T) {
	spec := effects.OpSpec{ID: "x.y", Result: effects.KindBytes, Determinism: effects.Pure}
	if err := spec.CheckResult(effects.Bytes([]byte{1})); err != nil {
		t.Fatal(err)
	}
	err := spec.CheckResult(effects.Null())
	var e *effects.Error
	if !errors.As(err, &e) || e.Code != effects.CodeInternal || e.Op != "x.y" || !errors.Is(err, effects.ErrResultMismatch) {
		t.Fatalf("null for bytes: %v", err)
	}
	anySpec := effects.OpSpec{ID: "x.z", Result: effects.KindAny, Determinism: effects.Pure}
	if err := anySpec.CheckResult(nestedLists(effects.MaxDepth)); err != nil {
		t.Fatalf("any at the limit: %v", err)
	}
	if err := anySpec.CheckResult(nestedLists(effects.MaxDepth + 1)); !errors.Is(err, effects.ErrResultMismatch) {
		t.Fatalf("any past the limit: %v", err)
	}
}

package standin_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/plugins/internal/standin"
	"github.com/aurahost/aura-host/sdk"
)

func operations() []sdk.Operation {
	handle := func(context.Context, *sdk.Call) (sdk.Value, error) { return sdk.Null(), nil }
	return []sdk.Operation{
		{Spec: sdk.OpSpec{ID: "demo.a", Doc: "a's doc", Params: []sdk.Param{{Name: "x", Kind: sdk.KindInt, Doc: "x's doc"}},
			Result: sdk.KindInt, Idempotent: true, Determinism: sdk.ReadsWorld}, Handle: handle},
		{Spec: sdk.OpSpec{ID: "demo.b", Doc: "b's doc", Result: sdk.KindNull, Determinism: sdk.WritesWorld}, Handle: handle},
	}
}

func TestDescribeChangesOnlyDocs(t *testing.T) {
	t.Parallel()
	shared := operations()
	params := shared[0].Spec.Params
	got := standin.Describe(shared, map[sdk.OpID]standin.Doc{
		"demo.a": {Params: map[string]string{"x": "x, in the stand-in's words"}},
		"demo.b": {Op: "b, in the stand-in's words"},
	})
	want := operations()
	for i := range want {
		if got[i].Spec.Signature() != want[i].Spec.Signature() {
			t.Errorf("%s: signature %s, want %s", want[i].Spec.ID, got[i].Spec.Signature(), want[i].Spec.Signature())
		}
	}
	if got[0].Spec.Doc != "a's doc" || got[0].Spec.Params[0].Doc != "x, in the stand-in's words" {
		t.Errorf("demo.a: doc %q, x's doc %q", got[0].Spec.Doc, got[0].Spec.Params[0].Doc)
	}
	if got[1].Spec.Doc != "b, in the stand-in's words" {
		t.Errorf("demo.b: doc %q", got[1].Spec.Doc)
	}
	if params[0].Doc != "x's doc" {
		t.Error("Describe changed the builder's parameter slice")
	}
}

func TestDescribePanicsOnWhatIsNotThere(t *testing.T) {
	t.Parallel()
	for name, docs := range map[string]map[sdk.OpID]standin.Doc{
		"unknown operation": {"demo.c": {Op: "c"}},
		"unknown parameter": {"demo.b": {Params: map[string]string{"y": "y"}}},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), "standin.Describe") {
					t.Fatalf("recovered %v, want a standin.Describe panic", r)
				}
			}()
			standin.Describe(operations(), docs)
		})
	}
}

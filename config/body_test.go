package config

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// fault is a stand-in for a future block kind, to exercise what bodySpec
// offers beyond today's blocks: required attributes and repeated blocks.
type fault struct {
	at    string
	notes []string
}

var faultSpec = bodySpec[fault]{
	where: "in a fault block",
	attrs: []attrSpec[fault]{
		{name: "at", required: true, example: `"2s"`, decode: func(d *decoder, f *fault, a *hcl.Attribute) {
			f.at, _ = d.stringAttr(a, `"2s"`)
		}},
	},
	blocks: []blockSpec[fault]{
		{typ: "note", labels: []string{"text"}, decode: func(d *decoder, f *fault, b *hcl.Block) {
			f.notes = append(f.notes, b.Labels[0])
		}},
	},
}

func TestBodySpecRequiredAndRepeated(t *testing.T) {
	file, diags := hclsyntax.ParseConfig([]byte("note \"a\" {}\nnote \"b\" {}\nnota \"c\" {}\n"), "t.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	d := &decoder{}
	var f fault
	unexpected := faultSpec.decode(d, &f, file.Body)
	if diff := cmp.Diff([]string{"a", "b"}, f.notes); diff != "" {
		t.Errorf("notes: %s", diff)
	}
	if diff := cmp.Diff([]string{"nota"}, unexpected); diff != "" {
		t.Errorf("unexpected: %s", diff)
	}
	got := summaries(finish(d.diags, rangeAt(1)))
	want := []string{"Missing required argument@1:1", "Unsupported block type@3:1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("diagnostics (-want +got):\n%s", diff)
	}
	if d.diags[0].Detail != `The argument "at" is required in a fault block. Add it, for example: at = "2s"` {
		t.Errorf("detail %q", d.diags[0].Detail)
	}
}

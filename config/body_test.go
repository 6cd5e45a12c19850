package config

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// sample is a stand-in block kind, to exercise what bodySpec offers on its
// own: required attributes and repeated blocks.
type sample struct {
	at    string
	notes []string
}

var sampleSpec = bodySpec[sample]{
	where: "in a sample block",
	attrs: []attrSpec[sample]{
		{name: "at", required: true, example: `"2s"`, decode: func(d *decoder, f *sample, a *hcl.Attribute) {
			f.at, _ = d.stringAttr(a, `"2s"`)
		}},
	},
	blocks: []blockSpec[sample]{
		{typ: "note", labels: []string{"text"}, decode: func(d *decoder, f *sample, b *hcl.Block) {
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
	var f sample
	unexpected := sampleSpec.decode(d, &f, file.Body)
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
	if d.diags[0].Detail != `The argument "at" is required in a sample block. Add it, for example: at = "2s"` {
		t.Errorf("detail %q", d.diags[0].Detail)
	}
}

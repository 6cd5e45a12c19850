package standin

import (
	"fmt"
	"slices"

	"github.com/aurahost/aura-host/sdk"
)

// Doc is how a stand-in describes one operation: Op replaces the
// operation's Doc, and Params the Doc of each parameter it names. What it
// leaves out keeps the other plugin's words.
type Doc struct {
	Op     string
	Params map[string]string
}

// Describe rewrites the docs of ops as docs says, and returns ops. It
// panics if docs names an operation or a parameter that ops lack.
func Describe(ops []sdk.Operation, docs map[sdk.OpID]Doc) []sdk.Operation {
	for id := range docs {
		if !slices.ContainsFunc(ops, func(op sdk.Operation) bool { return op.Spec.ID == id }) {
			panic(fmt.Sprintf("standin.Describe: no operation %s to describe", id))
		}
	}
	for i := range ops {
		spec := &ops[i].Spec
		d := docs[spec.ID]
		if d.Op != "" {
			spec.Doc = d.Op
		}
		if len(d.Params) == 0 {
			continue
		}
		spec.Params = slices.Clone(spec.Params) // the builder may share them
		for name, doc := range d.Params {
			j := slices.IndexFunc(spec.Params, func(p sdk.Param) bool { return p.Name == name })
			if j < 0 {
				panic(fmt.Sprintf("standin.Describe: operation %s has no parameter %q", spec.ID, name))
			}
			spec.Params[j].Doc = doc
		}
	}
	return ops
}

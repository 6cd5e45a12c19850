package interchange

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/vm/syntax"
)

// ParseJSON decodes and checks a global type in the JSON interchange form
// of multiparty-session-type tools:
//
//	{"kind":"comm","sender":S,"receiver":R,"branches":[{"label":{"name":L,"sort":"unit"},"continuation":G}]}
//	{"kind":"rec","var":X,"body":G}   {"kind":"var","name":X}   {"kind":"end"}
//
// The document is either such a global type — the protocol is then named
// after the file and its roles are the participants in order of first
// appearance — or an object {"name":N,"roles":[...],"global":G}. A
// multi-branch comm is decided by the host; a message whose sort is not
// "unit" carries a payload the host supplies. Keys other tools add are
// ignored.
func ParseJSON(src []byte, filename string) (*syntax.Protocol, hcl.Diagnostics) {
	jp := newJSONParser(src, filename)
	doc, d := jp.document()
	if d != nil {
		return nil, hcl.Diagnostics{d}
	}
	dec := &jsonDecoder{p: jp}
	if doc.kind != 'o' {
		return nil, hcl.Diagnostics{dec.err(doc, "Invalid global type", "The document is a JSON object.")}
	}
	p := &syntax.Protocol{Range: jp.nodeRange(doc)}
	base := path.Base(filename)
	p.Name = strings.TrimSuffix(base, path.Ext(base))
	root := doc
	var declared []string
	if g := doc.get("global"); g != nil && doc.get("kind") == nil {
		root = g
		if n := doc.get("name"); n != nil {
			p.Name = dec.str(n, "name")
		}
		if rs := doc.get("roles"); rs != nil {
			if rs.kind != 'a' {
				dec.add(dec.err(rs, "Invalid roles", "roles is an array of role names."))
			}
			for _, r := range rs.items {
				declared = append(declared, dec.str(r, "role"))
			}
		}
	}
	p.Global = dec.global(root, 0)
	if dec.diags.HasErrors() {
		return nil, dec.diags
	}
	if declared != nil {
		p.Roles = declared
	} else {
		p.Roles = dec.roles
	}
	if len(p.Roles) < 2 {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Too few roles",
			Detail: "A protocol has at least two roles.", Subject: p.Range.Ptr()}}
	}
	diags := syntax.CheckGlobal(p)
	if diags.HasErrors() {
		return nil, diags
	}
	p.Filename, p.Source = filename, slices.Clone(src)
	return p, nil
}

type jsonDecoder struct {
	p     *jsonParser
	diags hcl.Diagnostics
	roles []string
}

func (d *jsonDecoder) err(n *jnode, summary, detail string) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: d.p.nodeRange(n).Ptr()}
}

func (d *jsonDecoder) add(diag *hcl.Diagnostic) { d.diags = append(d.diags, diag) }

func (d *jsonDecoder) str(n *jnode, what string) string {
	if n == nil || n.kind != 's' || n.str == "" {
		if n != nil {
			d.add(d.err(n, "Invalid "+what, fmt.Sprintf("The %s is a non-empty string, not %s.", what, n.describe())))
		}
		return ""
	}
	return n.str
}

func (d *jsonDecoder) field(n *jnode, key, what string) string {
	v := n.get(key)
	if v == nil {
		d.add(d.err(n, "Missing "+key, fmt.Sprintf("A %s node has a %q field.", what, key)))
		return ""
	}
	return d.str(v, key)
}

func (d *jsonDecoder) role(name string) string {
	if name != "" && !slices.Contains(d.roles, name) {
		d.roles = append(d.roles, name)
	}
	return name
}

func (d *jsonDecoder) global(n *jnode, depth int) *syntax.Global {
	end := &syntax.Global{Kind: syntax.GEnd}
	if n == nil {
		return end
	}
	rng := d.p.nodeRange(n)
	if n.kind != 'o' {
		d.add(d.err(n, "Invalid global type", fmt.Sprintf("A global type is an object, not %s.", n.describe())))
		return end
	}
	switch kind := d.field(n, "kind", "global type"); kind {
	case "end":
		return &syntax.Global{Kind: syntax.GEnd, Range: rng}
	case "var":
		return &syntax.Global{Kind: syntax.GVar, Var: d.field(n, "name", "var"), Range: rng}
	case "rec":
		g := &syntax.Global{Kind: syntax.GRec, Var: d.field(n, "var", "rec"), Range: rng}
		body := n.get("body")
		if body == nil {
			d.add(d.err(n, "Missing body", `A rec node has a "body".`))
		}
		g.Body = d.global(body, depth+1)
		return g
	case "comm":
		g := &syntax.Global{Kind: syntax.GComm, Range: rng}
		g.From = d.role(d.field(n, "sender", "comm"))
		g.To = d.role(d.field(n, "receiver", "comm"))
		bs := n.get("branches")
		if bs == nil || bs.kind != 'a' {
			d.add(d.err(n, "Missing branches", `A comm node has an array of "branches".`))
			return g
		}
		for _, b := range bs.items {
			if b.kind != 'o' {
				d.add(d.err(b, "Invalid branch", "A branch is an object with a label and a continuation."))
				continue
			}
			gb := &syntax.GBranch{Range: d.p.nodeRange(b)}
			l := b.get("label")
			switch {
			case l == nil:
				d.add(d.err(b, "Missing label", `A branch has a "label": {"name": ..., "sort": ...}.`))
			case l.kind == 's': // some tools write the label as a bare string
				gb.Label = syntax.Label{Name: l.str, Sort: syntax.SortUnit}
			case l.kind == 'o':
				gb.Label.Name = d.field(l, "name", "label")
				gb.Label.Sort = syntax.SortUnit
				if s := l.get("sort"); s != nil {
					gb.Label.Sort = syntax.Sort(d.str(s, "sort"))
				}
			default:
				d.add(d.err(l, "Invalid label", "A label is an object {\"name\": ..., \"sort\": ...}."))
			}
			if gb.Label.Sort != syntax.SortUnit {
				gb.Value = syntax.Host(gb.Range)
			}
			cont := b.get("continuation")
			if cont == nil {
				d.add(d.err(b, "Missing continuation", `A branch has a "continuation" (use {"kind":"end"} to stop).`))
			}
			gb.Next = d.global(cont, depth+1)
			g.Branches = append(g.Branches, gb)
		}
		return g
	case "":
		return end
	default:
		d.add(d.err(n.get("kind"), "Unknown kind", fmt.Sprintf("%q is not comm, rec, var or end.", kind)))
		return end
	}
}

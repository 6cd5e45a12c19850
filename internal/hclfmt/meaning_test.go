package hclfmt

import (
	"bytes"
	"fmt"
	gotoken "go/token"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/vm/syntax"
)

// TestFormatKeepsMeaning: every example, and a messed-up copy of it (CR LF
// lines, indentation gone astray, blank lines at the end), decodes —
// as a deployment or as a protocol — to the same thing after formatting
// as before, up to source positions; and both format to the same bytes,
// so the canonical layout depends on the tokens alone.
func TestFormatKeepsMeaning(t *testing.T) {
	t.Parallel()
	for _, path := range exampleFiles(t) {
		src := read(t, path)
		want := decode(t, path, src)
		canonical, diags := Format(src, path)
		if diags.HasErrors() {
			t.Fatalf("%s: %s", path, diags.Error())
		}
		for _, c := range []struct {
			name string
			src  []byte
		}{{"as it is", src}, {"messed up", mess(t, src)}} {
			out, diags := Format(c.src, path)
			if diags.HasErrors() {
				t.Errorf("%s (%s): %s", path, c.name, diags.Error())
				continue
			}
			if !bytes.Equal(out, canonical) {
				t.Errorf("%s (%s): formats to other bytes than the file as it is", path, c.name)
			}
			if diff := cmp.Diff(want, decode(t, path, out), meaningOnly); diff != "" {
				t.Errorf("%s (%s): formatting changed what it decodes to (-before +after):\n%s", path, c.name, diff)
			}
		}
	}
}

// meaningOnly compares decoded deployments without source positions or
// the source itself: a plugin's config block by its attributes' values
// and its blocks, not by its syntax tree.
var meaningOnly = cmp.Options{
	cmpopts.IgnoreTypes(hcl.Range{}, hcl.Pos{}, map[string]*hcl.File{}),
	cmp.FilterPath(func(p cmp.Path) bool {
		sf, ok := p.Last().(cmp.StructField)
		return ok && !gotoken.IsExported(sf.Name())
	}, cmp.Ignore()),
	cmp.Transformer("body", bodyText),
	cmp.Comparer(func(a, b cty.Value) bool { return a.RawEquals(b) }),
}

// bodyText renders an HCL body by meaning: each attribute with its value
// (or, when it needs a context to evaluate, its expression's tokens) and
// each block with its labels and body, in source order.
func bodyText(body hcl.Body) string {
	b, ok := body.(*hclsyntax.Body)
	if !ok {
		return fmt.Sprintf("%T", body)
	}
	var out strings.Builder
	attrs := slices.SortedFunc(maps.Values(b.Attributes), func(x, y *hclsyntax.Attribute) int { return x.SrcRange.Start.Byte - y.SrcRange.Start.Byte })
	for _, a := range attrs {
		v, diags := a.Expr.Value(nil)
		if diags.HasErrors() {
			fmt.Fprintf(&out, "%s = %T\n", a.Name, a.Expr)
			continue
		}
		fmt.Fprintf(&out, "%s = %#v\n", a.Name, v)
	}
	for _, blk := range b.Blocks {
		fmt.Fprintf(&out, "%s %q {\n%s}\n", blk.Type, blk.Labels, bodyText(blk.Body))
	}
	return out.String()
}

// protocolText renders a decoded protocol by meaning: its header and every
// node of its global type once (the type is a graph whose continuations
// are shared), children before parents, with each expression as
// syntax.ExprString writes it.
func protocolText(p *syntax.Protocol) string {
	var b strings.Builder
	fmt.Fprintf(&b, "protocol %q roles %q families %v scheduler %q policy %q multiplier %d capacity %d\n",
		p.Name, p.Roles, p.Families, p.Scheduler, p.Policy, p.StepMultiplier, p.Capacity)
	ids := map[*syntax.Global]int{}
	var walk func(g *syntax.Global) int
	walk = func(g *syntax.Global) int {
		if g == nil {
			return -1
		}
		if id, ok := ids[g]; ok {
			return id
		}
		id := len(ids)
		ids[g] = id
		line := fmt.Sprintf("kind %v from %q to %q decide %q role %q var %q next %d body %d",
			g.Kind, g.From, g.To, exprText(g.Decide), g.Role, g.Var, walk(g.Next), walk(g.Body))
		if a := g.Action; a != nil {
			line += fmt.Sprintf(" action{%v %q args %q guard %q value %q sort %q bytes %d result %q}",
				a.Kind, a.Op, exprText(a.Args), a.Guard, exprText(a.Value), a.Sort, a.Bytes, targetText(a.Result))
		}
		for _, br := range g.Branches {
			line += fmt.Sprintf(" branch{%s value %q bind %q next %d}", br.Label, exprText(br.Value), targetText(br.Bind), walk(br.Next))
		}
		fmt.Fprintf(&b, "%d: %s\n", id, line)
		return id
	}
	walk(p.Global)
	return b.String()
}

func exprText(e syntax.Expr) string {
	if e == nil {
		return "-"
	}
	return syntax.ExprString(e)
}

func targetText(t *syntax.Target) string {
	if t == nil {
		return "-"
	}
	return fmt.Sprintf("%s %d %d", t.String(), t.Index, t.Len)
}

// decoded is a file decoded as what it is: a protocol when it holds a
// protocol block, else a deployment; with the summaries of its
// diagnostics, so a file that decodes with mistakes still compares.
type decoded struct {
	Protocol   string // protocolText
	Deployment *config.Deployment
	Problems   []string
}

func decode(t *testing.T, path string, src []byte) decoded {
	t.Helper()
	var d decoded
	var diags hcl.Diagnostics
	if isProtocol(t, path, src) {
		var p *syntax.Protocol
		p, diags = syntax.Parse(src, path)
		if p != nil {
			d.Protocol = protocolText(p)
		}
	} else {
		d.Deployment, diags = config.Parse(src, path, config.Options{Dir: filepath.Dir(path)})
	}
	for _, diag := range diags {
		d.Problems = append(d.Problems, diag.Summary+": "+diag.Detail)
	}
	return d
}

func isProtocol(t *testing.T, path string, src []byte) bool {
	t.Helper()
	f, diags := hclsyntax.ParseConfig(src, path, hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("%s: %s", path, diags.Error())
	}
	for _, b := range f.Body.(*hclsyntax.Body).Blocks {
		if b.Type == "protocol" {
			return true
		}
	}
	return false
}

// mess rewrites src with the same tokens in a bad layout: every line
// outside a heredoc ends with CR LF and starts with stray spaces, and
// blank lines trail the file.
func mess(t *testing.T, src []byte) []byte {
	t.Helper()
	toks, diags := hclsyntax.LexConfig(src, "", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	var b bytes.Buffer
	prev, heredoc := 0, false
	for _, tok := range toks {
		b.Write(src[prev:tok.Range.Start.Byte])
		prev = tok.Range.End.Byte
		switch tok.Type {
		case hclsyntax.TokenOHeredoc:
			heredoc = true
		case hclsyntax.TokenCHeredoc:
			heredoc = false
		case hclsyntax.TokenNewline:
			if !heredoc {
				b.WriteString("\r\n     ")
				continue
			}
		}
		b.Write(tok.Bytes)
	}
	b.WriteString("\r\n\r\n\n")
	if bytes.Equal(b.Bytes(), src) {
		t.Fatal("mess changed nothing")
	}
	return b.Bytes()
}

func read(t *testing.T, path string) []byte {
	t.Helper()
	r := File(path, 0, false)
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	return r.Src
}

// TestMeaningComparisonSeesAChange: the comparison TestFormatKeepsMeaning
// relies on tells a changed value apart — in a plugin's config block, in a
// protocol's payload — and is blind only to layout.
func TestMeaningComparisonSeesAChange(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ path, from, to string }{
		{"../../examples/quickstart/deployment.hcl", `path = "storage.db"`, `path = "storage2.db"`},
		{"../../examples/protocols/ping_pong.hcl", `value = "$ping"`, `value = "$pong"`},
	} {
		src := read(t, c.path)
		changed := bytes.Replace(src, []byte(c.from), []byte(c.to), 1)
		if bytes.Equal(changed, src) {
			t.Fatalf("%s has no %s", c.path, c.from)
		}
		if cmp.Equal(decode(t, c.path, src), decode(t, c.path, changed), meaningOnly) {
			t.Errorf("%s: %s → %s compares equal", c.path, c.from, c.to)
		}
		relaid := bytes.Replace(src, []byte(c.from), []byte("\n"+strings.ReplaceAll(c.from, " = ", "    =    ")), 1)
		if !cmp.Equal(decode(t, c.path, src), decode(t, c.path, relaid), meaningOnly) {
			t.Errorf("%s: a change of layout compares unequal", c.path)
		}
	}
}

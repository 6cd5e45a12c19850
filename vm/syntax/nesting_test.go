package syntax

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// nestedRec is a protocol of depth recs nested in one another, each
// level setting a binding, sending, and choosing between looping there
// and going one level deeper; the innermost level loops to the outermost.
func nestedRec(depth int) string {
	var b strings.Builder
	b.WriteString("protocol \"deep\" {\n  roles = [\"A\", \"B\"]\n")
	for i := range depth {
		fmt.Fprintf(&b, "rec \"R%d\" {\nset \"A\" \"v%d\" { value = %d }\nsend \"A\" \"B\" \"M%d\" {\nvalue = \"$v%d\"\nbind = \"w%d\"\n}\n", i, i, i, i, i, i)
		fmt.Fprintf(&b, "choice \"A\" {\nbranch \"Again%d\" {\nsend \"A\" \"B\" \"Again%d\" {}\ncontinue \"R%d\" {}\n}\nbranch \"In%d\" {\nsend \"A\" \"B\" \"In%d\" {}\n", i, i, i, i, i)
	}
	b.WriteString("continue \"R0\" {}\n")
	for range depth {
		b.WriteString("}\n}\n}\n")
	}
	b.WriteString("}\n")
	return b.String()
}

// decodeAllocs counts the allocations of decoding and checking a
// protocol (family expansion, step checks, bindings, the global type and
// its well-formedness), after the HCL parser has run.
func decodeAllocs(t *testing.T, src string) float64 {
	t.Helper()
	file, diags := hclsyntax.ParseConfig([]byte(src), "deep.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	block := file.Body.(*hclsyntax.Body).Blocks[0]
	return testing.AllocsPerRun(1, func() {
		if _, diags := decodeProtocol(block); diags.HasErrors() {
			t.Fatal(diags)
		}
	})
}

// TestNestedRecIsLinear: nested rec blocks used to cost time and memory
// quadratic in their depth (every rec copied the recursion variables and
// bindings in scope; depth 10k took 8.9 s and 1 GB). Doubling the depth
// now doubles the work.
func TestNestedRecIsLinear(t *testing.T) {
	// Not parallel: AllocsPerRun counts the whole process's allocations.
	a1k := decodeAllocs(t, nestedRec(1000))
	a2k := decodeAllocs(t, nestedRec(2000))
	a4k := decodeAllocs(t, nestedRec(4000))
	t.Logf("allocations: depth 1k %.0f, 2k %.0f, 4k %.0f", a1k, a2k, a4k)
	// Linear is 2x per doubling, quadratic 4x; allow for maps growing.
	if a2k > 2.5*a1k || a4k > 2.5*a2k {
		t.Errorf("work grows faster than the depth: 1k %.0f, 2k %.0f, 4k %.0f allocations", a1k, a2k, a4k)
	}
}

// TestManyChoicesAfterManyBindingsIsLinear: every choice used to copy
// every binding in scope, so n bindings then n choices cost n², with no
// nesting at all.
func TestManyChoicesAfterManyBindingsIsLinear(t *testing.T) {
	// Not parallel: AllocsPerRun counts the whole process's allocations.
	flat := func(n int) string {
		var b strings.Builder
		b.WriteString("protocol \"flat\" {\n  roles = [\"A\", \"B\"]\n")
		for i := range n {
			fmt.Fprintf(&b, "set \"A\" \"v%d\" { value = %d }\n", i, i)
		}
		for i := range n {
			fmt.Fprintf(&b, "choice \"A\" {\nbranch \"X%d\" {\nsend \"A\" \"B\" \"X%d\" {}\n}\nbranch \"Y%d\" {\nsend \"A\" \"B\" \"Y%d\" {}\n}\n}\n", i, i, i, i)
		}
		b.WriteString("}\n")
		return b.String()
	}
	a1k := decodeAllocs(t, flat(1000))
	a2k := decodeAllocs(t, flat(2000))
	a4k := decodeAllocs(t, flat(4000))
	t.Logf("allocations: 1k %.0f, 2k %.0f, 4k %.0f", a1k, a2k, a4k)
	if a2k > 2.5*a1k || a4k > 2.5*a2k {
		t.Errorf("work grows faster than the protocol: 1k %.0f, 2k %.0f, 4k %.0f allocations", a1k, a2k, a4k)
	}
}

// TestDeeplyNestedRecIsRefusedAtItsLine: past the parser's nesting
// limit, Parse says where, instead of spending the parser's stack.
func TestDeeplyNestedRecIsRefusedAtItsLine(t *testing.T) {
	t.Parallel()
	_, diags := Parse([]byte(nestedRec(10_000)), "deep.hcl")
	if len(diags) != 1 || diags[0].Summary != "Nested too deeply" || diags[0].Subject.Filename != "deep.hcl" || diags[0].Subject.Start.Line < 100 {
		t.Fatalf("Parse: %v", diags)
	}
	if _, diags := Parse([]byte(nestedRec(100)), "ok.hcl"); diags.HasErrors() {
		t.Fatalf("a rec nested 100 deep: %v", diags)
	}
}

// TestDeeplyNestedParenthesesAreRefusedAtTheirLine: 100k nested
// parentheses in a 200 KB protocol used to end the process with a Go
// stack overflow.
func TestDeeplyNestedParenthesesAreRefusedAtTheirLine(t *testing.T) {
	t.Parallel()
	src := "protocol \"p\" {\n  roles = [\"A\", \"B\"]\n  set \"A\" \"x\" { value = " + strings.Repeat("(", 100_000) + "1" + strings.Repeat(")", 100_000) + " }\n}\n"
	_, diags := Parse([]byte(src), "deep.hcl")
	if len(diags) != 1 || diags[0].Summary != "Nested too deeply" {
		t.Fatalf("Parse: %v", diags)
	}
	if s := diags[0].Subject; s.Filename != "deep.hcl" || s.Start.Line != 3 || s.Start.Column != 25+509 {
		t.Errorf("at %v, want deep.hcl:3:%d", s, 25+509)
	}
}

func TestDeeplyNestedExpressionIsRefusedByParseExpr(t *testing.T) {
	t.Parallel()
	_, diags := ParseExpr([]byte(strings.Repeat("[", 100_000)+strings.Repeat("]", 100_000)), "expr.hcl")
	if len(diags) != 1 || diags[0].Summary != "Nested too deeply" || diags[0].Subject.Start.Column != 513 {
		t.Fatalf("ParseExpr: %v", diags)
	}
}

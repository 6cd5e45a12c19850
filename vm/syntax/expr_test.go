package syntax

import (
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// TestExpressionString: rendering an expression gives source that parses
// back to the same expression.
func TestExpressionString(t *testing.T) {
	for _, src := range []string{
		`"$a.b[2]"`, `concat(bytes("00ff"), "$x")`, `(1 + 2) * -3`, `{a = [true, null], "b c" = uint(3)}`,
		`"$$literal"`, `count_true("$v") >= 2 ? "Yes" : "No"`, `!("$x" == "$y")`,
	} {
		x, diags := hclsyntax.ParseExpression([]byte(src), "e.hcl", hcl.InitialPos)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		e, diags := decodeExpr(x)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		x2, diags := hclsyntax.ParseExpression([]byte(e.String()), "e.hcl", hcl.InitialPos)
		if diags.HasErrors() {
			t.Fatalf("%s renders as %s, which does not parse: %s", src, e, diags)
		}
		e2, _ := decodeExpr(x2)
		if e2.String() != e.String() {
			t.Errorf("%s: %s then %s", src, e, e2)
		}
	}
}

package hclsafe

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// refusedAt checks that Check refuses src with one error at line:col.
func refusedAt(t *testing.T, src string, summary string, line, col int) {
	t.Helper()
	diags := Check([]byte(src), "attack.hcl", 0)
	if len(diags) != 1 || !diags.HasErrors() {
		t.Fatalf("Check = %v, want one error", diags)
	}
	d := diags[0]
	if d.Summary != summary || d.Subject == nil || d.Subject.Filename != "attack.hcl" || d.Subject.Start.Line != line || d.Subject.Start.Column != col {
		t.Fatalf("Check = %q at %v, want %q at attack.hcl:%d:%d", d.Summary, d.Subject, summary, line, col)
	}
}

func TestDeeplyNestedParenthesesAreRefusedAtTheirLine(t *testing.T) {
	t.Parallel()
	src := "# 100k nested parentheses\n\nx = " + strings.Repeat("(", 100_000) + "1" + strings.Repeat(")", 100_000) + "\n"
	// "x =" is one level, so the 512th "(" on line 3 is one too many.
	refusedAt(t, src, "Nested too deeply", 3, 4+DefaultMaxDepth)
}

// TestOtherParserRecursionIsRefused covers the ways hclsyntax builds a
// tree as deep as the input without a bracket per level: each of these,
// at 200k levels, takes the parser seconds and hundreds of MB, and more
// overflows its stack (4M "1+" in 8 MB did, in config's evaluation).
func TestOtherParserRecursionIsRefused(t *testing.T) {
	t.Parallel()
	n := 200_000
	for name, src := range map[string]string{
		"blocks":        strings.Repeat("b {\n", n) + strings.Repeat("}\n", n),
		"not":           "x = " + strings.Repeat("!", n) + "true\n",
		"minus":         "x = " + strings.Repeat("- ", n) + "1\n",
		"conditionals":  "x = " + strings.Repeat("c ? 1 : ", n) + "2\n",
		"template if":   `x = "` + strings.Repeat("%{ if c }", n) + strings.Repeat("%{ endif }", n) + "\"\n",
		"template for":  "x = <<EOT\n" + strings.Repeat("%{for a in b~}", n) + strings.Repeat("%{endfor}", n) + "\nEOT\n",
		"interpolation": "x = " + strings.Repeat(`"${`, n) + "1" + strings.Repeat(`}"`, n) + "\n",
		"lists":         "x = " + strings.Repeat("[", n) + strings.Repeat("]", n) + "\n",
		"objects":       "x = " + strings.Repeat("{a = ", n) + "1" + strings.Repeat("}", n) + "\n",
		"sums":          "x = " + strings.Repeat("1+", n) + "1\n",
		"indexes":       "x = a" + strings.Repeat("[b]", n) + "\n",
		"calls":         "x = " + strings.Repeat("f(", n) + strings.Repeat(")", n) + "\n",
	} {
		diags := Check([]byte(src), "attack.hcl", 0)
		if len(diags) != 1 || diags[0].Summary != "Nested too deeply" || diags[0].Subject.Start.Line > n+1 {
			t.Errorf("%s: Check = %v, want one Nested too deeply", name, diags)
		}
	}
}

func TestNestingUpToTheLimitIsAccepted(t *testing.T) {
	t.Parallel()
	n := DefaultMaxDepth - 1 // "x =" is one level
	for name, src := range map[string]string{
		"parens":       "x = " + strings.Repeat("(", n) + "1" + strings.Repeat(")", n) + "\n",
		"blocks":       strings.Repeat("b {\n", n) + strings.Repeat("}\n", n),
		"not":          "x = " + strings.Repeat("!", n) + "true\n",
		"conditionals": "x = " + strings.Repeat("c ? 1 : ", n) + "2\n",
		// Many conditionals one after the other do not nest.
		"attributes":       strings.Repeat("x = c ? 1 : 2\n", 10*n),
		"arguments":        "x = f(" + strings.Repeat("c ? 1 : 2, ", 10*n) + ")\n",
		"items":            "x = {\n" + strings.Repeat("a = c ? 1 : 2\n", 10*n) + "}\n",
		"sequential":       strings.Repeat("x = (((1)))\n", 10*n) + strings.Repeat("b { c { d = [[1]] } }\n", 10*n),
		"sums":             "x = " + strings.Repeat("1+", n-1) + "1\n",
		"indexes":          "x = a" + strings.Repeat("[b]", n-1) + "\n",
		"list":             "x = [" + strings.Repeat("a[1] + f(2) * -3,\n", 10*n) + "]\n",
		"interpolations":   `x = "` + strings.Repeat("${a}-${b[0]}", 10*n) + "\"\n",
		"heredoc parts":    "x = <<EOT\n" + strings.Repeat("${a} %{ if b }c%{ endif }\n", 10*n) + "EOT\n",
		"blocks in a body": "b {\n" + strings.Repeat("  c { d = 1 }\n", 10*n) + "}\n",
	} {
		if diags := Check([]byte(src), "ok.hcl", 0); diags != nil {
			t.Errorf("%s: Check = %v, want nil", name, diags)
		}
		if _, diags := hclsyntax.ParseConfig([]byte(src), "ok.hcl", hcl.InitialPos); diags.HasErrors() && name != "attributes" && name != "sequential" {
			t.Errorf("%s: the test input does not parse: %v", name, diags)
		}
	}
}

// TestBracketsInStringsHeredocsAndCommentsAreNotCounted: text is not
// nesting, however many brackets it holds.
func TestBracketsInStringsHeredocsAndCommentsAreNotCounted(t *testing.T) {
	t.Parallel()
	many := strings.Repeat("([{", 2*DefaultMaxDepth)
	for name, src := range map[string]string{
		"string":        `x = "` + many + "\"\n",
		"escaped quote": `x = "\"` + many + "\"\n",
		"escapes":       `x = "$${` + strings.Repeat("%%{if a}$${", DefaultMaxDepth) + many + "\"\n",
		"heredoc":       "x = <<EOT\n" + many + "\n\"\n  EOT\ny = 1\n",
		"indented":      "x = <<-EOT\n  " + many + "\n  EOT\n",
		"hash":          "# " + many + "\nx = 1\n",
		"slashes":       "// " + many + "\nx = 1\n",
		"block comment": "/* " + many + "\n" + many + " */ x = 1\n",
		"interpolation": `x = "${a["` + many + `"]}"` + "\n",
	} {
		if diags := Check([]byte(src), "ok.hcl", 0); diags != nil {
			t.Errorf("%s: Check = %v, want nil", name, diags)
		}
	}
}

func TestRandomBytesAreRefusedAsNotText(t *testing.T) {
	t.Parallel()
	b := make([]byte, 8<<20)
	x := uint64(88172645463325252)
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = byte(x)
	}
	diags := Check(b, "random.bin", 0)
	if len(diags) != 1 || diags[0].Summary != "Not a text file" {
		t.Fatalf("Check = %v, want one Not a text file", diags)
	}
	refusedAt(t, "x = 1\ny = \"ok\xffno\"\n", "Not a text file", 2, 8)
}

// TestProjectFilesAreAccepted runs Check over every HCL file of the
// module: the examples, golden inputs and protocols people actually
// write must never be refused.
func TestProjectFilesAreAccepted(t *testing.T) {
	t.Parallel()
	n := 0
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".hcl") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		if diags := Check(src, path, 0); diags != nil && !strings.Contains(path, "testdata") {
			t.Errorf("%s: %v", path, diags)
		} else if diags != nil {
			t.Logf("%s (test data): %v", path, diags)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Fatalf("found %d .hcl files, want the project's examples", n)
	}
}

package hclfmt

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFormat: hclwrite's layout, LF line endings outside heredocs, one
// newline at the end.
func TestFormat(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, in, want string }{
		{"aligned equals signs and single-line blocks",
			"plugin \"crypto\"  { builtin = \"crypto\" }\nplugin \"journal\" {\n builtin=\"journal\"\n    dir = \"x\"\n}\n",
			"plugin \"crypto\" { builtin = \"crypto\" }\nplugin \"journal\" {\n  builtin = \"journal\"\n  dir     = \"x\"\n}\n"},
		{"already canonical", "a = 1\n\nb {\n  c = [1, 2]\n}\n", "a = 1\n\nb {\n  c = [1, 2]\n}\n"},
		{"CR LF lines become LF", "a = 1\r\n# note\r\nb {\r\n  c = 2\r\n}\r\n", "a = 1\n# note\nb {\n  c = 2\n}\n"},
		{"a heredoc keeps its bytes, CR LF and indentation included",
			"b {\r\nc = <<EOT\r\n   keep  \r\n\tx\r\nEOT\r\n}\r\n", "b {\n  c = <<EOT\r\n   keep  \r\n\tx\r\nEOT\n}\n"},
		{"blank lines at the end dropped", "a = 1\n\n\n\n", "a = 1\n"},
		{"a final newline added", "a = 1", "a = 1\n"},
		{"a comment last, without a newline", "a = 1\n# end", "a = 1\n# end\n"},
		{"blank lines between blocks kept", "a {}\n\n\nb {}\n", "a {}\n\n\nb {}\n"},
		{"empty", "", ""},
		{"only blank lines", "\n\n", ""},
	} {
		out, diags := Format([]byte(c.in), "t.hcl")
		if diags.HasErrors() {
			t.Errorf("%s: %s", c.name, diags.Error())
			continue
		}
		if string(out) != c.want {
			t.Errorf("%s:\ngot  %q\nwant %q", c.name, out, c.want)
		}
		again, _ := Format(out, "t.hcl")
		if string(again) != string(out) {
			t.Errorf("%s: not idempotent:\nonce  %q\ntwice %q", c.name, out, again)
		}
	}
}

// TestFormatIsIdempotentOnEveryExample: formatting a formatted example
// changes nothing, and every example is canonical already (CI checks this
// with aura-host fmt --check; this says which file when it is not).
func TestFormatIsIdempotentOnEveryExample(t *testing.T) {
	t.Parallel()
	for _, path := range exampleFiles(t) {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		once, diags := Format(src, path)
		if diags.HasErrors() {
			t.Errorf("%s: %s", path, diags.Error())
			continue
		}
		twice, _ := Format(once, path)
		if string(once) != string(twice) {
			t.Errorf("%s: formatting twice differs from once", path)
		}
		if string(once) != string(src) {
			t.Errorf("%s is not in canonical layout: run aura-host fmt %s", path, path)
		}
	}
}

// TestFormatRefusesWhatDoesNotParse: no output, the diagnostics at the
// line of the mistake.
func TestFormatRefusesWhatDoesNotParse(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, in string
		line     int
		summary  string
	}{
		{"unclosed block", "a = 1\nb {\n  c = 2\n", 2, "Unclosed configuration block"},
		{"missing value", "a = 1\nb = \n", 2, "Invalid expression"},
		{"not UTF-8", "a = 1\nb = \"\xff\"\n", 2, "Not a text file"},
		{"nested too deeply", "a = 1\nb = " + strings.Repeat("[", 600) + strings.Repeat("]", 600) + "\n", 2, "Nested too deeply"},
	} {
		out, diags := Format([]byte(c.in), "broken.hcl")
		if out != nil || !diags.HasErrors() {
			t.Errorf("%s: formatted (%q, %v), want refused", c.name, out, diags)
			continue
		}
		d := diags[0]
		if d.Subject == nil || d.Subject.Filename != "broken.hcl" || d.Subject.Start.Line != c.line || d.Summary != c.summary {
			t.Errorf("%s: first diagnostic %q at %v, want %q on line %d", c.name, d.Summary, d.Subject, c.summary, c.line)
		}
	}
}

// TestSameTokens: the safety net under Format sees any change but one of
// spaces, of line endings outside heredocs, or of newlines at the end.
func TestSameTokens(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"a = 1\n", "a    =   1", true},
		{"a = 1\r\n# c\r\n", "a = 1\n# c\n\n\n", true},
		{"a = 1\n", "a = 2\n", false},
		{"a = 1\nb = 2\n", "a = 1 b = 2\n", false},
		{"a = \"x y\"\n", "a = \"x  y\"\n", false},
		{"c = <<EOT\r\nx\r\nEOT\n", "c = <<EOT\nx\nEOT\n", false},
		{"c = <<EOT\n  x\nEOT\n", "c = <<EOT\nx\nEOT\n", false},
		{"# one\n", "# two\n", false},
		{"a = 1\n", "a = 1\n}", false},
	} {
		if got := sameTokens([]byte(c.a), []byte(c.b)); got != c.same {
			t.Errorf("sameTokens(%q, %q) = %v, want %v", c.a, c.b, got, c.same)
		}
	}
}

// exampleFiles is every .hcl file under examples/.
func exampleFiles(t *testing.T) []string {
	t.Helper()
	files, err := Expand([]string{filepath.Join("..", "..", "examples")}, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 20 {
		t.Fatalf("found %d example files, want the 20 or more under examples/", len(files))
	}
	return files
}

package interchange

import (
	"strings"
	"testing"
)

// TestDeeplyNestedJSONIsRefusedAtItsLine: the JSON front end has its own
// parser, which counts its depth (512) instead of recursing until the
// stack runs out.
func TestDeeplyNestedJSONIsRefusedAtItsLine(t *testing.T) {
	t.Parallel()
	for name, src := range map[string]string{
		"arrays":  "{\"kind\": \"end\", \"x\":\n" + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + "}",
		"recs":    "\n" + strings.Repeat(`{"kind":"rec","var":"X","body":`, 100_000) + `{"kind":"end"}` + strings.Repeat("}", 100_000),
		"objects": "{\"a\":\n" + strings.Repeat(`{"a":`, 100_000) + "1" + strings.Repeat("}", 100_000) + "}",
	} {
		_, diags := ParseJSON([]byte(src), "deep.json")
		if len(diags) != 1 || diags[0].Detail != "nested too deeply" || diags[0].Subject.Start.Line != 2 {
			t.Errorf("%s: ParseJSON = %v", name, diags)
		}
	}
}

package guard

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestNoAmbientInputs keeps clocks, randomness and the OS out of the
// package: time comes from the request, and persistence from the Store.
// It also keeps the package's project imports to effects.
func TestNoAmbientInputs(t *testing.T) {
	forbidden := map[string]bool{"time": true, "math/rand": true, "math/rand/v2": true, "crypto/rand": true, "os": true, "os/exec": true, "net": true}
	files, err := filepath.Glob("*.go")
	mustNoErr(t, err)
	checked := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		mustNoErr(t, err)
		ast, err := parser.ParseFile(token.NewFileSet(), f, src, parser.ImportsOnly)
		mustNoErr(t, err)
		checked++
		for _, imp := range ast.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if forbidden[path] {
				t.Errorf("%s imports %s", f, path)
			}
			if rest, ok := strings.CutPrefix(path, "github.com/aurahost/aura-host/"); ok && rest != "effects" {
				t.Errorf("%s imports %s: the guard package may import only effects of the project", f, path)
			}
		}
	}
	if checked < 5 {
		t.Fatalf("checked only %d files", checked)
	}
}

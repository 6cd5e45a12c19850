package host_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aurahost/aura-host/host"
)

// run (Start) and validate (Check) refuse the same paths, with the same
// diagnostic at the attribute's line, before anything is created there: a
// state_dir that is a file or lies under /proc, a storage path that is a
// directory or lies under /proc.
func TestRunAndValidateRefuseTheSamePaths(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "afile")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, "state")
	storage := func(path string) string {
		return fmt.Sprintf("deployment \"t\" {\n  state_dir = %q\n}\nplugin \"storage\" {\n  builtin = \"storage\"\n  config {\n    path = %q\n  }\n}\n", state, path)
	}
	for _, tc := range []struct {
		name, src, summary, problem string
		line                        int
	}{
		{"state_dir is a file", fmt.Sprintf("deployment \"t\" {\n  state_dir = %q\n}\nplugin \"crypto\" { builtin = \"crypto\" }\n", file),
			"Unusable state directory", "is a regular file, not a directory", 2},
		{"state_dir under /proc", "deployment \"t\" {\n  state_dir = \"/proc/self/aura\"\n}\nplugin \"crypto\" { builtin = \"crypto\" }\n",
			"Unusable state directory", "lies under /proc", 2},
		{"storage path is a directory", storage(dir), `Unusable file path (plugin "storage")`, "is a directory", 7},
		{"storage path under /proc", storage("/proc/self/environ"), `Unusable file path (plugin "storage")`, "lies under /proc", 7},
	} {
		dep := deployment(t, tc.src)
		for _, run := range []struct {
			name string
			do   func(*host.Host, context.Context) error
		}{{"run (Start)", (*host.Host).Start}, {"validate (Check)", (*host.Host).Check}} {
			h, err := host.New(host.Config{Deployment: dep, Executable: auraHost, Logger: testLogger(t), StopTimeout: 2 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			err = run.do(h, ctx)
			cancel()
			shutdownHost(t, h)
			diags, _, ok := host.SplitDiagnostics(err)
			if !ok || len(diags) != 1 || diags[0].Summary != tc.summary || diags[0].Subject.Start.Line != tc.line ||
				!strings.Contains(diags[0].Detail, tc.problem) {
				t.Errorf("%s, %s: %v; want one diagnostic %q at line %d saying %q", tc.name, run.name, err, tc.summary, tc.line, tc.problem)
			}
		}
	}
}

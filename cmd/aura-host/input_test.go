package main_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// Attack 8 of the trust issue, as a user meets it: small or strange files
// end the command with a located error, never a Go stack trace or a hang.
func TestHostileFilesAreRefusedWithALocatedError(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	deep := filepath.Join(dir, "deep.hcl")
	nest := strings.Repeat("(", 100_000) + "1" + strings.Repeat(")", 100_000)
	if err := os.WriteFile(deep, []byte("deployment \"x\" {\n  seed = "+nest+"\n}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "deployment.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.hcl")
	if err := os.WriteFile(big, []byte(strings.Repeat("# padding\n", 900_000)), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"100k nested parentheses", []string{"validate", deep}, deep + ":2:520"},
		{"100k nested parentheses in a protocol", []string{"protocol", "check", deep}, deep + ":2:520"},
		{"a FIFO", []string{"validate", fifo}, "not a regular file"},
		{"a file over the cap", []string{"validate", "--max-file-size", "1000000", big}, "over the"},
	} {
		_, stderr, code := cli(t, tc.args...)
		if code != 1 || !strings.Contains(stderr, tc.want) || strings.Contains(stderr, "goroutine ") {
			t.Errorf("%s: exit %d, stderr:\n%.2000s\nwant exit 1 and %q, no stack trace", tc.name, code, stderr, tc.want)
		}
	}
}

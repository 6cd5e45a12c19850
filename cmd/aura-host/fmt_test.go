package main_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const (
	fmtMessy     = "deployment \"d\" {\nmode   =  \"testing\"\n}\nplugin \"clock\"  { builtin = \"clock\" }\nplugin \"random\" { builtin = \"random\" }\n"
	fmtCanonical = "deployment \"d\" {\n  mode = \"testing\"\n}\nplugin \"clock\" { builtin = \"clock\" }\nplugin \"random\" { builtin = \"random\" }\n"
	fmtBroken    = "deployment \"d\" {\nmode   =  \n}\n"
)

// fmtTree writes the files under a new directory and returns it.
func fmtTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// fmtRun runs aura-host fmt in dir with stdin, returning stdout, stderr
// and the exit status.
func fmtRun(t *testing.T, dir, stdin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(auraHost, append([]string{"fmt"}, args...)...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errOut.String(), code
}

func fileText(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestFmtCheckListsAndChangesNothing: --check names each file not in
// canonical layout, exits 3, and rewrites nothing; --diff shows the change.
func TestFmtCheckListsAndChangesNothing(t *testing.T) {
	t.Parallel()
	dir := fmtTree(t, map[string]string{"a.hcl": fmtMessy, "b.hcl": fmtCanonical, "notes.txt": fmtMessy})
	out, errOut, code := fmtRun(t, dir, "", "--check")
	if code != 3 || out != "a.hcl\n" || errOut != "" {
		t.Errorf("fmt --check: exit %d, stdout %q, stderr %q; want exit 3 and a.hcl listed", code, out, errOut)
	}
	if got := fileText(t, filepath.Join(dir, "a.hcl")); got != fmtMessy {
		t.Errorf("--check rewrote a.hcl: %q", got)
	}
	out, _, code = fmtRun(t, dir, "", "--check", "--diff", "a.hcl")
	for _, want := range []string{"a.hcl\n", "--- old/a.hcl\n+++ new/a.hcl\n", "\n-mode   =  \"testing\"\n+  mode = \"testing\"\n", "\n-plugin \"clock\"  { builtin = \"clock\" }\n+plugin \"clock\" { builtin = \"clock\" }\n"} {
		if code != 3 || !strings.Contains(out, want) {
			t.Errorf("fmt --check --diff: exit %d, stdout lacks %q:\n%s", code, want, out)
		}
	}
	if _, _, code := fmtRun(t, dir, "", "--check", "b.hcl"); code != 0 {
		t.Errorf("fmt --check of a canonical file: exit %d", code)
	}
	// terraform fmt's one-dash spelling means the same.
	if out, errOut, code := fmtRun(t, dir, "", "-check", "-diff", "a.hcl"); code != 3 || !strings.HasPrefix(out, "a.hcl\n--- old/a.hcl") {
		t.Errorf("fmt -check -diff: exit %d, stdout %q, stderr %q; want exit 3, a.hcl and its diff", code, out, errOut)
	}
}

// TestFmtRewritesAndIsIdempotent: with no argument, the current
// directory's .hcl files are rewritten and named, other files left alone;
// a second run changes and prints nothing.
func TestFmtRewritesAndIsIdempotent(t *testing.T) {
	t.Parallel()
	dir := fmtTree(t, map[string]string{"a.hcl": fmtMessy, "b.hcl": fmtCanonical, "notes.txt": fmtMessy, "sub/c.hcl": fmtMessy})
	out, errOut, code := fmtRun(t, dir, "")
	if code != 0 || out != "a.hcl\n" || errOut != "" {
		t.Errorf("fmt: exit %d, stdout %q, stderr %q; want a.hcl named", code, out, errOut)
	}
	for name, want := range map[string]string{"a.hcl": fmtCanonical, "b.hcl": fmtCanonical, "notes.txt": fmtMessy, "sub/c.hcl": fmtMessy} {
		if got := fileText(t, filepath.Join(dir, name)); got != want {
			t.Errorf("after fmt, %s holds %q, want %q", name, got, want)
		}
	}
	if out, _, code := fmtRun(t, dir, "", "-r"); code != 0 || out != filepath.Join("sub", "c.hcl")+"\n" {
		t.Errorf("fmt -r: exit %d, stdout %q; want sub/c.hcl only", code, out)
	}
	if out, errOut, code := fmtRun(t, dir, "", "--recursive", "--check", "."); code != 0 || out != "" || errOut != "" {
		t.Errorf("fmt --check after fmt: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// TestFmtSyntaxErrorLeavesTheFileAlone: the broken file keeps its bytes,
// its mistake is printed at file:line as validate prints it, the exit
// status is 1 — and the other files are still formatted.
func TestFmtSyntaxErrorLeavesTheFileAlone(t *testing.T) {
	t.Parallel()
	dir := fmtTree(t, map[string]string{"broken.hcl": fmtBroken, "ok.hcl": fmtMessy})
	out, errOut, code := fmtRun(t, dir, "", "broken.hcl", "ok.hcl")
	if code != 1 || out != "ok.hcl\n" {
		t.Errorf("fmt: exit %d, stdout %q; want 1 and ok.hcl named", code, out)
	}
	for _, want := range []string{"Error: Invalid expression", "on broken.hcl:2:", "   2: mode   =  \n"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if got := fileText(t, filepath.Join(dir, "broken.hcl")); got != fmtBroken {
		t.Errorf("the broken file was rewritten: %q", got)
	}
	if got := fileText(t, filepath.Join(dir, "ok.hcl")); got != fmtCanonical {
		t.Errorf("ok.hcl holds %q", got)
	}
}

// TestFmtStdin: "-" formats standard input to standard output; --check
// prints nothing and exits 3; a syntax error is a diagnostic on <stdin>.
func TestFmtStdin(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if out, errOut, code := fmtRun(t, dir, fmtMessy, "-"); code != 0 || out != fmtCanonical || errOut != "" {
		t.Errorf("fmt -: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if out, _, code := fmtRun(t, dir, fmtMessy, "--check", "-"); code != 3 || out != "" {
		t.Errorf("fmt --check -: exit %d, stdout %q; want 3 and nothing", code, out)
	}
	if out, _, code := fmtRun(t, dir, fmtCanonical, "--check", "-"); code != 0 || out != "" {
		t.Errorf("fmt --check - of canonical input: exit %d, stdout %q", code, out)
	}
	if out, errOut, code := fmtRun(t, dir, fmtBroken, "-"); code != 1 || out != "" || !strings.Contains(errOut, "on <stdin>:2:") {
		t.Errorf("fmt - of broken input: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if _, errOut, code := fmtRun(t, dir, "", "-", "a.hcl"); code != 1 || !strings.Contains(errOut, `"-" formats standard input alone`) {
		t.Errorf("fmt - a.hcl: exit %d, stderr %q", code, errOut)
	}
	if _, errOut, code := fmtRun(t, dir, fmtMessy, "--max-file-size", "10", "-"); code != 1 || !strings.Contains(errOut, "over the 10-byte limit") {
		t.Errorf("fmt - over the limit: exit %d, stderr %q", code, errOut)
	}
}

// TestFmtMistakenUse: terraform's one-dash flags and files that are not
// HCL get an answer that says what to do.
func TestFmtMistakenUse(t *testing.T) {
	t.Parallel()
	dir := fmtTree(t, map[string]string{"p.json": "{}"})
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--chek"}, "the flags are --check, --diff and --recursive"},
		{[]string{"p.json"}, "p.json: not a .hcl file"},
		{[]string{"missing"}, "missing: no such file or directory"},
	} {
		if _, errOut, code := fmtRun(t, dir, "", c.args...); code != 1 || !strings.Contains(errOut, c.want) {
			t.Errorf("fmt %v: exit %d, stderr %q; want %q", c.args, code, errOut, c.want)
		}
	}
}

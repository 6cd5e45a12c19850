package hclfmt

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

const (
	messy     = "a   =  1\nb {\nc = 2\n}\n"
	canonical = "a = 1\nb {\n  c = 2\n}\n"
)

// tree writes files (path → content) under a new directory.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, content := range files {
		path := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestExpand: a directory's .hcl files, below it only when recursive,
// never through a symbolic link, never in a hidden directory; a file
// named as it is, through a link too; each once.
func TestExpand(t *testing.T) {
	t.Parallel()
	outside := tree(t, map[string]string{"secret.hcl": messy, "sub/x.hcl": messy})
	dir := tree(t, map[string]string{
		"a.hcl": messy, "b.txt": messy, "c.hcl.bak": messy,
		"sub/d.hcl": messy, "sub/deeper/e.hcl": messy, ".git/f.hcl": messy,
	})
	for link, target := range map[string]string{
		"link.hcl":     filepath.Join(outside, "secret.hcl"),
		"linkdir":      filepath.Join(outside, "sub"),
		"sub/loop.hcl": filepath.Join(dir, "a.hcl"),
	} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo.hcl"), 0o644); err != nil {
		t.Fatal(err)
	}
	rel := func(files []string) []string {
		var out []string
		for _, f := range files {
			r, err := filepath.Rel(dir, f)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, r)
		}
		return out
	}
	for _, c := range []struct {
		name      string
		paths     []string
		recursive bool
		want      []string
	}{
		{"a directory", []string{dir}, false, []string{"a.hcl"}},
		{"recursive", []string{dir}, true, []string{"a.hcl", "sub/d.hcl", "sub/deeper/e.hcl"}},
		{"a link named is followed", []string{filepath.Join(dir, "link.hcl")}, false, []string{"link.hcl"}},
		{"each file once", []string{filepath.Join(dir, "a.hcl"), dir, filepath.Join(dir, "sub") + "/../a.hcl"}, false, []string{"a.hcl"}},
	} {
		got, err := Expand(c.paths, c.recursive)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !slices.Equal(rel(got), c.want) {
			t.Errorf("%s: got %q, want %q", c.name, rel(got), c.want)
		}
	}
	for _, c := range []struct{ path, want string }{
		{filepath.Join(dir, "b.txt"), "b.txt: not a .hcl file"},
		{filepath.Join(dir, "missing.hcl"), "missing.hcl: no such file or directory"},
	} {
		if _, err := Expand([]string{c.path}, false); err == nil || !strings.HasSuffix(strings.SplitN(err.Error(), ";", 2)[0], c.want) {
			t.Errorf("Expand(%s): %v, want an error ending %q", c.path, err, c.want)
		}
	}
}

// TestFileRewritesInPlace: a file not in canonical layout is rewritten
// with its permissions; a canonical one is left alone; without write
// nothing is touched.
func TestFileRewritesInPlace(t *testing.T) {
	t.Parallel()
	dir := tree(t, map[string]string{"messy.hcl": messy, "ok.hcl": canonical})
	messyPath, okPath := filepath.Join(dir, "messy.hcl"), filepath.Join(dir, "ok.hcl")

	r := File(messyPath, 0, false)
	if r.Err != nil || r.Diags.HasErrors() || !r.Changed() || r.Written || string(r.Out) != canonical {
		t.Fatalf("check: %+v", r)
	}
	if b, _ := os.ReadFile(messyPath); string(b) != messy {
		t.Errorf("without write the file changed to %q", b)
	}

	r = File(messyPath, 0, true)
	if r.Err != nil || !r.Written {
		t.Fatalf("write: %+v", r)
	}
	if b, _ := os.ReadFile(messyPath); string(b) != canonical {
		t.Errorf("rewritten file holds %q, want %q", b, canonical)
	}
	if info, _ := os.Stat(messyPath); info.Mode().Perm() != 0o644 {
		t.Errorf("rewritten file's mode is %o, want the 644 it had", info.Mode().Perm())
	}

	before, _ := os.Stat(okPath)
	if r := File(okPath, 0, true); r.Err != nil || r.Changed() || r.Written {
		t.Errorf("canonical file: %+v", r)
	}
	if after, _ := os.Stat(okPath); !os.SameFile(before, after) {
		t.Error("a canonical file was replaced")
	}
}

// TestFileThroughALink: formatting a link the caller named rewrites the
// file it points to, and the link stays a link.
func TestFileThroughALink(t *testing.T) {
	t.Parallel()
	dir := tree(t, map[string]string{"real/d.hcl": messy})
	link := filepath.Join(dir, "d.hcl")
	if err := os.Symlink(filepath.Join("real", "d.hcl"), link); err != nil {
		t.Fatal(err)
	}
	if r := File(link, 0, true); r.Err != nil || !r.Written {
		t.Fatalf("%+v", r)
	}
	if info, err := os.Lstat(link); err != nil || info.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced by a file (%v)", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "real", "d.hcl")); string(b) != canonical {
		t.Errorf("the link's target holds %q", b)
	}
}

// TestFileWithSyntaxErrorsIsNeverWritten: the file keeps its bytes, and
// the diagnostics come with the source for their snippets.
func TestFileWithSyntaxErrorsIsNeverWritten(t *testing.T) {
	t.Parallel()
	const broken = "a   =  1\nb {\n  c = \n}\n"
	dir := tree(t, map[string]string{"broken.hcl": broken})
	path := filepath.Join(dir, "broken.hcl")
	r := File(path, 0, true)
	if r.Out != nil || r.Written || r.Changed() || !r.Diags.HasErrors() {
		t.Fatalf("%+v", r)
	}
	if d := r.Diags[0]; d.Subject.Filename != path || d.Subject.Start.Line != 3 {
		t.Errorf("diagnostic at %v, want %s line 3", d.Subject, path)
	}
	if f := r.Files[path]; f == nil || string(f.Bytes) != broken {
		t.Errorf("no source for the snippet: %v", r.Files)
	}
	if b, _ := os.ReadFile(path); string(b) != broken {
		t.Errorf("the broken file was rewritten: %q", b)
	}
}

// TestFileLimits: a file over the size limit, or a FIFO named directly,
// is refused without being read.
func TestFileLimits(t *testing.T) {
	t.Parallel()
	dir := tree(t, map[string]string{"big.hcl": "a = \"" + strings.Repeat("x", 2000) + "\"\n"})
	if r := File(filepath.Join(dir, "big.hcl"), 1000, true); r.Err == nil || !strings.Contains(r.Err.Error(), "over the 1.0 kB limit") {
		t.Errorf("big file: %v", r.Err)
	}
	fifo := filepath.Join(dir, "fifo.hcl")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	if r := File(fifo, 0, true); r.Err == nil || !strings.Contains(r.Err.Error(), "named pipe") {
		t.Errorf("FIFO: %v", r.Err)
	}
}

// TestRead: a reader is formatted like a file, up to the size limit,
// with diagnostics under the name given.
func TestRead(t *testing.T) {
	t.Parallel()
	if r := Read(strings.NewReader(messy), Stdin, 0); r.Err != nil || string(r.Out) != canonical || !r.Changed() {
		t.Errorf("messy input: %+v", r)
	}
	if r := Read(strings.NewReader(messy), Stdin, int64(len(messy))-1); r.Err == nil || r.Out != nil || !strings.Contains(r.Err.Error(), "<stdin>: over the 20-byte limit") {
		t.Errorf("input over the limit: %+v", r)
	}
	r := Read(strings.NewReader("a = \n"), Stdin, 0)
	if r.Out != nil || !r.Diags.HasErrors() || r.Diags[0].Subject.Filename != Stdin || r.Files[Stdin] == nil {
		t.Errorf("broken input: %+v", r)
	}
}

// TestFileChangedMeanwhileIsLeftAlone: a file saved by someone else
// between fmt's read and its rewrite keeps the new content.
func TestFileChangedMeanwhileIsLeftAlone(t *testing.T) {
	// Not parallel: it sets the package's test hook.
	dir := tree(t, map[string]string{"d.hcl": messy})
	path := filepath.Join(dir, "d.hcl")
	const edited = "a   =  2\n"
	testHookBeforeWrite = func(p string) {
		if err := os.WriteFile(p, []byte(edited), 0o644); err != nil {
			t.Error(err)
		}
	}
	t.Cleanup(func() { testHookBeforeWrite = nil })
	r := File(path, 0, true)
	if r.Written || r.Err == nil || !strings.Contains(r.Err.Error(), "changed while it was being formatted") {
		t.Errorf("%+v", r)
	}
	if b, _ := os.ReadFile(path); string(b) != edited {
		t.Errorf("the file holds %q, want the edit %q", b, edited)
	}
}

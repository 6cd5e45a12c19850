package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const smallDeployment = "deployment \"d\" {}\nplugin \"p\" { builtin = \"crypto\" }\n"

// TestOversizedFileIsRefusedByTheCap: a 50 MB file is refused from its
// size alone, without being read, with a message that says how to raise
// the limit.
func TestOversizedFileIsRefusedByTheCap(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "big.hcl")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	// A sparse 50 MB file: the cap must not need to read it.
	if err := f.Truncate(50_000_000); err != nil {
		t.Fatal(err)
	}
	f.Close()
	_, err = ReadSource(path, 0)
	var se *SourceError
	if !errors.As(err, &se) || !errors.Is(err, ErrFileTooLarge) || se.Path != path {
		t.Fatalf("ReadSource = %v, want a *SourceError for ErrFileTooLarge", err)
	}
	if want := "is 50.0 MB, over the 8 MiB limit; pass --max-file-size to raise it"; !strings.Contains(err.Error(), want) {
		t.Errorf("message %q does not say %q", err, want)
	}
	_, diags := Load(path, Options{})
	if len(diags) != 1 || diags[0].Summary != "Deployment file too large" || diags[0].Subject.Filename != path {
		t.Errorf("Load: %v", diags)
	}
}

// TestMaxFileSizeRaisesAndLowersTheCap: the caller's limit replaces the
// default, both ways.
func TestMaxFileSizeRaisesAndLowersTheCap(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "deployment.hcl")
	if err := os.WriteFile(path, []byte(smallDeployment), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, diags := Load(path, Options{MaxFileSize: 20}); len(diags) != 1 || diags[0].Summary != "Deployment file too large" ||
		!strings.Contains(diags[0].Detail, "over the 20 bytes limit") {
		t.Errorf("Load with a 20-byte cap: %v", diags)
	}
	if _, diags := Load(path, Options{MaxFileSize: int64(len(smallDeployment))}); diags.HasErrors() {
		t.Errorf("Load with a cap of exactly the file's size: %v", diags)
	}
	big := filepath.Join(t.TempDir(), "big.hcl")
	src := smallDeployment + strings.Repeat("# padding to 9 MiB\n", (9<<20)/19)
	if err := os.WriteFile(big, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadSource(big, 0); !errors.Is(err, ErrFileTooLarge) {
		t.Errorf("a 9 MiB file under the default cap: %v", err)
	}
	if got, err := ReadSource(big, 10<<20); err != nil || len(got) != len(src) {
		t.Errorf("a 9 MiB file under a 10 MiB cap: %d bytes, %v", len(got), err)
	}
}

// TestGrowingFileIsCutOffAtTheCap: the cap holds while reading, not only
// at stat time. A /proc file is regular and says it is empty, like a
// file that grows after it was looked at.
func TestGrowingFileIsCutOffAtTheCap(t *testing.T) {
	t.Parallel()
	const path = "/proc/self/maps"
	if info, err := os.Stat(path); err != nil || info.Size() != 0 || !info.Mode().IsRegular() {
		t.Skipf("needs %s as an empty-looking regular file: %v", path, err)
	}
	_, err := ReadSource(path, 64)
	if !errors.Is(err, ErrFileTooLarge) || !strings.Contains(err.Error(), "grew past the 64 bytes limit while being read") {
		t.Fatalf("ReadSource = %v, want it cut off at 64 bytes", err)
	}
}

func TestDirectoryIsRefusedAsNotAFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, err := ReadSource(dir, 0)
	if !errors.Is(err, ErrNotRegularFile) || !strings.Contains(err.Error(), "is a directory, not a regular file") {
		t.Fatalf("ReadSource = %v", err)
	}
	if _, diags := Load(dir, Options{}); len(diags) != 1 || diags[0].Summary != "Deployment path is not a file" {
		t.Errorf("Load: %v", diags)
	}
}

func TestMissingFileIsASourceError(t *testing.T) {
	t.Parallel()
	_, err := ReadSource(filepath.Join(t.TempDir(), "nope.hcl"), 0)
	var se *SourceError
	if !errors.As(err, &se) || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("ReadSource = %v, want a *SourceError wrapping fs.ErrNotExist", err)
	}
}

// TestDeeplyNestedParenthesesInADeploymentAreRefusedAtTheirLine: 100k
// nested parentheses in a 200 KB file used to overflow the parser's
// stack and kill the process; now they are one diagnostic.
func TestDeeplyNestedParenthesesInADeploymentAreRefusedAtTheirLine(t *testing.T) {
	t.Parallel()
	src := smallDeployment + "run \"r\" {\n  timeout = " + strings.Repeat("(", 100_000) + "\"1s\"" + strings.Repeat(")", 100_000) + "\n}\n"
	path := filepath.Join(t.TempDir(), "deep.hcl")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	_, diags := Load(path, Options{})
	if len(diags) != 1 || diags[0].Summary != "Nested too deeply" {
		t.Fatalf("Load: %v", diags)
	}
	if got, want := diags[0].Subject.Filename+":"+pos(diags[0].Subject), path+":4:523"; got != want {
		t.Errorf("at %s, want %s (the 511th parenthesis: the run block and timeout = are a level each)", got, want)
	}
}

// TestRandomBytesAreRefusedQuickly: a binary file under the cap used to
// cost the parser about 1 GB per 8 MiB (a diagnostic per bad byte).
func TestRandomBytesAreRefusedQuickly(t *testing.T) {
	t.Parallel()
	b := make([]byte, 8<<20)
	x := uint64(0x9E3779B97F4A7C15)
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = byte(x)
	}
	start := time.Now()
	_, diags := Parse(b, "random.hcl", Options{})
	if len(diags) != 1 || diags[0].Summary != "Not a text file" {
		t.Fatalf("Parse: %d diagnostics, first %v", len(diags), diags[0])
	}
	t.Logf("refused in %v", time.Since(start))
}

// TestLongOperatorChainIsRefused: 4M "1+" in an 8 MB file build an
// expression tree 4M deep, whose evaluation overflowed the stack even
// with no bracket in the file.
func TestLongOperatorChainIsRefused(t *testing.T) {
	t.Parallel()
	src := []byte("deployment \"d\" {\n  seed = " + strings.Repeat("1+", 4_000_000) + "1\n}\n")
	_, diags := Parse(src, "sum.hcl", Options{})
	if len(diags) != 1 || diags[0].Summary != "Nested too deeply" || diags[0].Subject.Start.Line != 2 {
		t.Fatalf("Parse: %v", diags)
	}
}

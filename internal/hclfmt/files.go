package hclfmt

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/internal/atomicfile"
)

// Ext is the extension of the files a directory is searched for.
const Ext = ".hcl"

// Expand returns the files that paths name, each once, in the order
// given (a directory's files in lexical order). A file is taken as it is
// if it ends in .hcl, even through a symbolic link the caller named. A
// directory gives the .hcl regular files in it, and with recursive those
// of its sub-directories too, skipping those whose name begins with a dot
// (.git). Inside a directory, symbolic links — to files or directories —
// are skipped, never followed: a link may lead out of the tree, and
// formatting a directory must not rewrite a file elsewhere.
func Expand(paths []string, recursive bool) ([]string, error) {
	var files []string
	seen := map[string]bool{}
	add := func(p string) {
		if key := filepath.Clean(p); !seen[key] {
			seen[key] = true
			files = append(files, p)
		}
	}
	for _, root := range paths {
		info, err := os.Stat(root)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", root, unwrapPath(err))
		}
		if !info.IsDir() {
			if !strings.HasSuffix(root, Ext) {
				return nil, fmt.Errorf("%s: not a .hcl file; fmt formats HCL deployments and protocols (a .json protocol is the interchange form: format it with a JSON tool)", root)
			}
			add(root)
			continue
		}
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			switch {
			case d.IsDir():
				if p != root && (!recursive || strings.HasPrefix(d.Name(), ".")) {
					return filepath.SkipDir
				}
			case d.Type().IsRegular() && strings.HasSuffix(d.Name(), Ext):
				add(p)
			}
			return nil // a link, a FIFO, a file of another kind: skipped
		})
		if err != nil {
			return nil, err
		}
	}
	return files, nil
}

// unwrapPath drops the operation from an *fs.PathError, whose path the
// caller names already: "stat x: no such file" becomes "no such file".
func unwrapPath(err error) error {
	if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// A Result is what formatting one file found.
type Result struct {
	// Path is the file, as the caller named it.
	Path string
	// Src is the file as read; Out its canonical layout, nil when the
	// file could not be read or formatted.
	Src, Out []byte
	// Diags are the parser's: errors when the file does not parse.
	Diags hcl.Diagnostics
	// Files holds the parsed source by name, for diagnostic snippets
	// (config.WriteDiagnostics).
	Files map[string]*hcl.File
	// Err is why the file could not be read or written.
	Err error
	// Written is set when the file was rewritten.
	Written bool
}

// Changed reports whether the file is formatted and not canonical.
func (r *Result) Changed() bool { return r.Out != nil && !bytes.Equal(r.Src, r.Out) }

// File reads the file at path (at most maxSize bytes; config.ReadSource)
// and formats it. With write set, a file whose layout changes is
// rewritten in place: whole or not at all (atomicfile), keeping its
// permissions, and through a symbolic link to the file it names (the link
// stays). A file that does not parse is never written, nor one whose
// bytes changed between the read and the rewrite (it is an error).
func File(path string, maxSize int64, write bool) *Result {
	r := &Result{Path: path, Files: map[string]*hcl.File{}}
	if r.Src, r.Err = config.ReadSource(path, maxSize); r.Err != nil {
		return r
	}
	r.format()
	if r.Out == nil {
		return r
	}
	if !write || !r.Changed() {
		return r
	}
	if testHookBeforeWrite != nil {
		testHookBeforeWrite(path)
	}
	// An editor may have saved the file since it was read: writing the
	// layout of the old bytes would undo that edit.
	if now, err := config.ReadSource(path, maxSize); err != nil || !bytes.Equal(now, r.Src) {
		r.Err = fmt.Errorf("%s changed while it was being formatted; it is left as it is: run fmt again", path)
		return r
	}
	if r.Err = rewrite(path, r.Out); r.Err == nil {
		r.Written = true
	}
	return r
}

// Stdin is the name Read gives standard input in diagnostics.
const Stdin = "<stdin>"

// Read formats what r holds, naming it name in diagnostics (Stdin for
// standard input): at most maxSize bytes (config.DefaultMaxFileSize when
// maxSize <= 0), read to the end.
func Read(r io.Reader, name string, maxSize int64) *Result {
	if maxSize <= 0 {
		maxSize = config.DefaultMaxFileSize
	}
	res := &Result{Path: name, Files: map[string]*hcl.File{}}
	if res.Src, res.Err = io.ReadAll(io.LimitReader(r, maxSize+1)); res.Err != nil {
		res.Err = fmt.Errorf("read %s: %w", name, res.Err)
		return res
	}
	if int64(len(res.Src)) > maxSize {
		res.Src, res.Err = nil, fmt.Errorf("%s: over the %d-byte limit; pass --max-file-size to raise it if the file is meant to be this large", name, maxSize)
		return res
	}
	res.format()
	return res
}

// format fills in Out, Diags and Files from Src.
func (r *Result) format() {
	var file *hcl.File
	r.Out, file, r.Diags = format(r.Src, r.Path)
	if file == nil {
		// Refused before parsing: the snippet comes from the bytes alone.
		file = &hcl.File{Bytes: r.Src}
	}
	r.Files[r.Path] = file
}

// testHookBeforeWrite, when set by a test, runs between formatting a
// file and rewriting it.
var testHookBeforeWrite func(path string)

// rewrite replaces the file at path, or the file a link at path names,
// with out, keeping its permission bits.
func rewrite(path string, out []byte) error {
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return err
	}
	info, err := os.Stat(target)
	if err != nil {
		return err
	}
	return atomicfile.WritePerm(target, info.Mode().Perm(), func(w io.Writer) error {
		_, err := w.Write(out)
		return err
	})
}

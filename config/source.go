package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// DefaultMaxFileSize is the largest deployment or protocol file
// ReadSource accepts when the caller does not raise it: far above any
// real file (the examples are a few KB), far below what parsing costs
// (the HCL parser allocates about 0.5 KB per byte of input).
const DefaultMaxFileSize = 8 << 20

// ErrFileTooLarge marks a source file over the size limit, whether its
// size said so or it grew past the limit while being read.
var ErrFileTooLarge = errors.New("file too large")

// ErrNotRegularFile marks a source path that names a directory, FIFO,
// socket or device rather than a regular file.
var ErrNotRegularFile = errors.New("not a regular file")

// SourceError is why ReadSource could not read a file. Its message says
// what is wrong and what to do; Err is ErrFileTooLarge,
// ErrNotRegularFile, or the operating system's error (test it with
// errors.Is, e.g. fs.ErrNotExist).
type SourceError struct {
	Path   string
	Reason string
	Err    error
}

func (e *SourceError) Error() string { return e.Path + ": " + e.Reason }

func (e *SourceError) Unwrap() error { return e.Err }

// ReadSource reads a deployment or protocol file at path, refusing at
// once anything but a regular file of at most maxSize bytes
// (DefaultMaxFileSize when maxSize <= 0). A FIFO or device is refused
// without blocking and without reading from it, and a file that grows
// while being read is cut off at the limit and refused. Every error is
// a *SourceError.
func ReadSource(path string, maxSize int64) ([]byte, error) {
	if maxSize <= 0 {
		maxSize = DefaultMaxFileSize
	}
	// Stat first, so a device or FIFO is never opened (opening some
	// devices acts); open non-blocking and check the opened file again, so
	// a path swapped for a FIFO in between cannot block us either.
	info, err := os.Stat(path)
	if err != nil {
		return nil, osError(path, err)
	}
	if err := checkInfo(path, info, maxSize); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, osError(path, err)
	}
	defer f.Close()
	if info, err = f.Stat(); err != nil {
		return nil, osError(path, err)
	}
	if err := checkInfo(path, info, maxSize); err != nil {
		return nil, err
	}
	src, err := io.ReadAll(io.LimitReader(f, maxSize+1))
	if err != nil {
		return nil, osError(path, err)
	}
	if int64(len(src)) > maxSize {
		return nil, &SourceError{Path: path, Err: ErrFileTooLarge,
			Reason: fmt.Sprintf("grew past the %s limit while being read; pass --max-file-size to raise the limit if the file is meant to be this large", sizeString(maxSize))}
	}
	return src, nil
}

func checkInfo(path string, info fs.FileInfo, maxSize int64) error {
	if !info.Mode().IsRegular() {
		return &SourceError{Path: path, Err: ErrNotRegularFile,
			Reason: fmt.Sprintf("is %s, not a regular file; give the path of the file itself", describeMode(info.Mode()))}
	}
	if info.Size() > maxSize {
		return &SourceError{Path: path, Err: ErrFileTooLarge,
			Reason: fmt.Sprintf("is %s, over the %s limit; pass --max-file-size to raise it if the file is meant to be this large", sizeString(info.Size()), sizeString(maxSize))}
	}
	return nil
}

func describeMode(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not a regular file"
}

func osError(path string, err error) error {
	reason := err.Error()
	if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
		reason = pe.Err.Error()
	}
	return &SourceError{Path: path, Err: err, Reason: fmt.Sprintf("cannot be read (%s); check the path and its permissions", reason)}
}

// sizeString writes a byte count the way people read it: 52.4 MB,
// 8 MiB, 900 bytes.
func sizeString(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1_000_000:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	case n >= 1_000:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d bytes", n)
}

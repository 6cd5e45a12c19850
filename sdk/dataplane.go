package sdk

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"runtime"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"
)

// The data plane is the fast path for effect calls (sdk/PROTOCOL.md §5.10):
// one unix-socket connection per plugin process, opened after Configure
// through the OpenDataPlane RPC, carrying the InvokeStream's own frames
// with a 4-byte length prefix. gRPC stays the control plane. This file has
// what both ends share: the capability's name, the authentication bytes,
// and the framing.

// DataPlaneCapability is the capability a plugin lists in Describe when it
// serves OpenDataPlane.
const DataPlaneCapability = "dataplane/v1"

// dataPlaneMagic opens the host's authentication frame (followed by the
// token) and is the plugin's whole answer to it.
const dataPlaneMagic = "AURADP01"

// dataPlaneTokenBytes is the length of the host's token.
const dataPlaneTokenBytes = 32

// dataPlaneSocketName is the socket's file name inside the host's
// directory.
const dataPlaneSocketName = "dataplane.sock"

// dataPlaneWriteStall bounds how long a write may wait for the peer to
// read. A peer that leaves a full socket buffer unread that long is
// stopped or hung: the connection is closed (every call in flight fails
// unavailable, and the host replaces the plugin). Only the writer flushing
// blocks (the others append and return), so this is also the most a
// caller can overrun its deadline by.
const dataPlaneWriteStall = time.Second

// frameHeader is the length prefix of a frame: 4 bytes, big-endian.
const frameHeader = 4

// ErrFrameTooLarge is a frame whose length prefix exceeds MaxMessageBytes:
// a protocol violation that closes the connection.
type ErrFrameTooLarge struct{ Length uint32 }

func (e *ErrFrameTooLarge) Error() string {
	return fmt.Sprintf("data-plane frame of %d bytes exceeds the %d-byte limit (sdk/PROTOCOL.md §5.10); the connection is closed", e.Length, MaxMessageBytes)
}

// frameWriter writes length-prefixed frames from many goroutines with one
// write at a time and no goroutine of its own. A writer encodes its frame,
// appends it to the pending bytes under a short lock and, unless another
// writer is already flushing, flushes: it writes the pending bytes outside
// the lock, and again while others appended more meanwhile. A frame written
// while a flush is under way goes out with the next write of the flusher:
// under load frames batch into large writes; alone, a frame costs one
// write system call.
type frameWriter struct {
	conn *socketIO
	// crowded reports whether other frames are likely on their way (more
	// than one call in flight); only then does a flusher yield to let them
	// join its write. Nil: always.
	crowded  func() bool
	mu       sync.Mutex
	pending  []byte // frames waiting for the flusher
	spare    []byte // the flusher's last written buffer, for reuse
	flushing bool
	corked   bool  // hold frames until uncork (the plugin's reader, running a batch)
	err      error // the first write error: the connection is dead
}

func newFrameWriter(conn net.Conn) *frameWriter { return &frameWriter{conn: newSocketIO(conn)} }

// encodeBuffers recycles the buffers frames are encoded into.
var encodeBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// maxSpare bounds the write buffer a frameWriter keeps between flushes.
const maxSpare = 1 << 20

// frameBuffer is a pooled buffer to encode a frame into, its header's
// room already in it: append the body, send it, then putFrameBuffer.
func frameBuffer() *[]byte {
	bp := encodeBuffers.Get().(*[]byte)
	*bp = append((*bp)[:0], 0, 0, 0, 0)
	return bp
}

// putFrameBuffer returns a buffer to the pool, unless one huge frame grew
// it.
func putFrameBuffer(bp *[]byte) {
	if cap(*bp) <= maxSpare {
		encodeBuffers.Put(bp)
	}
}

// write encodes m as one frame and sends it (see send).
func (f *frameWriter) write(m proto.Message) error {
	bp := frameBuffer()
	defer putFrameBuffer(bp)
	buf, err := proto.MarshalOptions{}.MarshalAppend(*bp, m)
	if err != nil {
		return fmt.Errorf("encode a data-plane frame: %w", err)
	}
	*bp = buf
	return f.send(buf)
}

// send sends frame — the header's room, then the body, as frameBuffer
// makes it — or leaves it to the writer flushing; the caller may reuse
// frame at once. An error means the connection is dead; it is returned to
// the flusher and every later writer.
func (f *frameWriter) send(frame []byte) error {
	if len(frame)-frameHeader > MaxMessageBytes {
		return &ErrFrameTooLarge{Length: uint32(min(len(frame)-frameHeader, 1<<32-1))}
	}
	binary.BigEndian.PutUint32(frame, uint32(len(frame)-frameHeader))
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	f.pending = append(f.pending, frame...)
	if f.flushing || f.corked && len(f.pending) < maxCorked {
		return nil
	}
	f.flushing = true
	if f.crowded == nil || f.crowded() {
		// Let the goroutines that are ready to run append their frames
		// first: under load they are callers woken by the same batch of
		// results, and their frames then share this write. Without the
		// yield 64 callers made fewer calls/s than over InvokeStream, with
		// it more (BENCHMARKS.md, issue 16). A lone call does not yield:
		// Gosched wakes an idle thread of the scheduler, which on a 2-vCPU
		// VM cost a lone call several µs (BENCHMARKS.md, "Data plane
		// without hand-offs").
		f.mu.Unlock()
		runtime.Gosched()
		f.mu.Lock()
	}
	f.flushLocked()
	return f.err
}

// maxCorked bounds the bytes a corked writer holds: past it, a write
// flushes all the same.
const maxCorked = 256 << 10

// cork holds the frames written from now on until uncork: the plugin's
// reader corks the writer while it runs a batch of calls, so that their
// results leave in one write.
func (f *frameWriter) cork() {
	f.mu.Lock()
	f.corked = true
	f.mu.Unlock()
}

// uncork writes what cork held, unless a writer is flushing already (it
// takes the frames along).
func (f *frameWriter) uncork() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.corked = false
	if f.flushing || len(f.pending) == 0 {
		return
	}
	f.flushing = true
	f.flushLocked()
}

// flushLocked writes the pending bytes, and again while others appended
// more meanwhile, with f.mu held except around each write; the caller set
// flushing.
func (f *frameWriter) flushLocked() {
	for len(f.pending) > 0 && f.err == nil {
		out := f.pending
		f.pending = f.spare[:0]
		f.mu.Unlock()
		err := f.conn.Write(out, dataPlaneWriteStall)
		f.mu.Lock()
		if cap(out) <= maxSpare {
			f.spare = out[:0]
		} else {
			f.spare = nil
		}
		if err != nil {
			f.err = err
		}
	}
	f.flushing = false
}

// frameReader reads length-prefixed frames, reusing one buffer. A read
// that fails with a timeout (net.Error; the host interrupts a reading
// caller with a read deadline in the past) keeps what it had read of the
// frame, and the next read resumes it: a timeout is not a broken
// connection. Any other error is.
type frameReader struct {
	r   *bufio.Reader
	buf []byte
	hdr [frameHeader]byte
	got int // bytes of the current frame read so far, header included
}

func newFrameReader(conn net.Conn) *frameReader {
	return &frameReader{r: bufio.NewReaderSize(newSocketIO(conn), 64<<10)}
}

// read decodes the next frame into m (see next).
func (f *frameReader) read(m proto.Message) error {
	body, err := f.next()
	if err != nil {
		return err
	}
	if err := proto.Unmarshal(body, m); err != nil {
		return fmt.Errorf("malformed data-plane frame (%d bytes): %w", len(body), err)
	}
	return nil
}

// next reads the next frame and returns its body, valid until the next
// call. A length over MaxMessageBytes is *ErrFrameTooLarge, read before a
// byte of the body is. The peer closing the connection between frames is
// io.EOF, inside one io.ErrUnexpectedEOF.
func (f *frameReader) next() ([]byte, error) {
	if cap(f.buf) > 1<<20 && f.got == 0 {
		f.buf = nil // one huge frame does not pin its buffer for good
	}
	if err := f.fill(f.hdr[:], 0); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(f.hdr[:])
	if n > MaxMessageBytes {
		return nil, &ErrFrameTooLarge{Length: n}
	}
	if cap(f.buf) < int(n) {
		f.buf = make([]byte, n)
	}
	body := f.buf[:n]
	if err := f.fill(body, frameHeader); err != nil {
		return nil, err
	}
	f.got = 0 // the frame is whole: the next read starts a new one
	return body, nil
}

// buffered reports whether the next frame has arrived whole, so that
// reading it will not wait.
func (f *frameReader) buffered() bool {
	if f.got != 0 || f.r.Buffered() < frameHeader {
		return false
	}
	h, _ := f.r.Peek(frameHeader) // does not wait: the header is buffered
	return f.r.Buffered() >= frameHeader+int(binary.BigEndian.Uint32(h))
}

// fill reads into dst, the part of the frame that starts at byte offset
// of it, until dst is full, resuming from f.got.
func (f *frameReader) fill(dst []byte, offset int) error {
	for f.got < offset+len(dst) {
		k, err := f.r.Read(dst[f.got-offset:])
		f.got += k
		if err == nil {
			continue
		}
		if err == io.EOF && f.got > 0 {
			err = io.ErrUnexpectedEOF // the peer stopped inside a frame
		}
		return err
	}
	return nil
}

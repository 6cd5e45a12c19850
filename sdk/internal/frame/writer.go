package frame

import (
	"encoding/binary"
	"fmt"
	"net"
	"runtime"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"
)

// writeStall bounds how long a write may wait for the peer to read. A
// peer that leaves a full socket buffer unread that long is stopped or
// hung: the connection is closed (every call in flight fails unavailable,
// and the host replaces the plugin). Only the writer flushing blocks (the
// others append and return), so this is also the most a caller can
// overrun its deadline by.
const writeStall = time.Second

// Writer writes length-prefixed frames from many goroutines with one
// write at a time and no goroutine of its own. A writer encodes its frame,
// appends it to the pending bytes under a short lock and, unless another
// writer is already flushing, flushes: it writes the pending bytes outside
// the lock, and again while others appended more meanwhile. A frame written
// while a flush is under way goes out with the next write of the flusher:
// under load frames batch into large writes; alone, a frame costs one
// write system call.
type Writer struct {
	conn *socketIO
	// Crowded reports whether other frames are likely on their way (more
	// than one call in flight); only then does a flusher yield to let them
	// join its write. Nil: always. Set it before the first write.
	Crowded  func() bool
	mu       sync.Mutex
	pending  []byte // frames waiting for the flusher
	spare    []byte // the flusher's last written buffer, for reuse
	flushing bool
	corked   bool  // hold frames until Uncork (the plugin's reader, running a batch)
	err      error // the first write error: the connection is dead
}

// NewWriter is a Writer on conn.
func NewWriter(conn net.Conn) *Writer { return &Writer{conn: newSocketIO(conn)} }

// encodeBuffers recycles the buffers frames are encoded into.
var encodeBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// maxSpare bounds the write buffer a Writer keeps between flushes.
const maxSpare = 1 << 20

// Buffer is a pooled buffer to encode a frame into, its header's room
// already in it: append the body, Send it, then PutBuffer.
func Buffer() *[]byte {
	bp := encodeBuffers.Get().(*[]byte)
	*bp = append((*bp)[:0], 0, 0, 0, 0)
	return bp
}

// PutBuffer returns a buffer to the pool, unless one huge frame grew it.
func PutBuffer(bp *[]byte) {
	if cap(*bp) <= maxSpare {
		encodeBuffers.Put(bp)
	}
}

// WriteMessage encodes m as one frame and sends it (see Send).
func (f *Writer) WriteMessage(m proto.Message) error {
	bp := Buffer()
	defer PutBuffer(bp)
	buf, err := proto.MarshalOptions{}.MarshalAppend(*bp, m)
	if err != nil {
		return fmt.Errorf("encode a data-plane frame: %w", err)
	}
	*bp = buf
	return f.Send(buf)
}

// Send sends frame — the header's room, then the body, as Buffer makes
// it — or leaves it to the writer flushing; the caller may reuse frame at
// once. A body over MaxBytes is *ErrTooLarge, before a byte is sent. An
// error otherwise means the connection is dead; it is returned to the
// flusher and every later writer.
func (f *Writer) Send(frame []byte) error {
	if len(frame)-HeaderBytes > MaxBytes {
		return &ErrTooLarge{Length: uint32(min(len(frame)-HeaderBytes, 1<<32-1))}
	}
	binary.BigEndian.PutUint32(frame, uint32(len(frame)-HeaderBytes))
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
	if f.Crowded == nil || f.Crowded() {
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

// Cork holds the frames written from now on until Uncork: the plugin's
// reader corks the writer while it runs a batch of calls, so that their
// results leave in one write.
func (f *Writer) Cork() {
	f.mu.Lock()
	f.corked = true
	f.mu.Unlock()
}

// Uncork writes what Cork held, unless a writer is flushing already (it
// takes the frames along).
func (f *Writer) Uncork() {
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
func (f *Writer) flushLocked() {
	for len(f.pending) > 0 && f.err == nil {
		out := f.pending
		f.pending = f.spare[:0]
		f.mu.Unlock()
		err := f.conn.Write(out, writeStall)
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

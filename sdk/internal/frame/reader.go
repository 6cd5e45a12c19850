package frame

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net"

	"google.golang.org/protobuf/proto"
)

// Reader reads length-prefixed frames, reusing one buffer. A read that
// fails with a timeout (net.Error; the host interrupts a reading caller
// with a read deadline in the past) keeps what it had read of the frame,
// and the next read resumes it: a timeout is not a broken connection. Any
// other error is.
type Reader struct {
	r   *bufio.Reader
	buf []byte
	hdr [HeaderBytes]byte
	got int // bytes of the current frame read so far, header included
}

// NewReader is a Reader on conn.
func NewReader(conn net.Conn) *Reader {
	return &Reader{r: bufio.NewReaderSize(newSocketIO(conn), 64<<10)}
}

// ReadMessage decodes the next frame into m (see Next).
func (f *Reader) ReadMessage(m proto.Message) error {
	body, err := f.Next()
	if err != nil {
		return err
	}
	if err := proto.Unmarshal(body, m); err != nil {
		return fmt.Errorf("malformed data-plane frame (%d bytes): %w", len(body), err)
	}
	return nil
}

// Next reads the next frame and returns its body, valid until the next
// call. A length over MaxBytes is *ErrTooLarge, read before a byte of the
// body is. The peer closing the connection between frames is io.EOF,
// inside one io.ErrUnexpectedEOF.
func (f *Reader) Next() ([]byte, error) {
	if cap(f.buf) > 1<<20 && f.got == 0 {
		f.buf = nil // one huge frame does not pin its buffer for good
	}
	if err := f.fill(f.hdr[:], 0); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(f.hdr[:])
	if n > MaxBytes {
		return nil, &ErrTooLarge{Length: n}
	}
	if cap(f.buf) < int(n) {
		f.buf = make([]byte, n)
	}
	body := f.buf[:n]
	if err := f.fill(body, HeaderBytes); err != nil {
		return nil, err
	}
	f.got = 0 // the frame is whole: the next read starts a new one
	return body, nil
}

// Buffered reports whether the next frame has arrived whole, so that
// reading it will not wait.
func (f *Reader) Buffered() bool {
	if f.got != 0 || f.r.Buffered() < HeaderBytes {
		return false
	}
	h, _ := f.r.Peek(HeaderBytes) // does not wait: the header is buffered
	return f.r.Buffered() >= HeaderBytes+int(binary.BigEndian.Uint32(h))
}

// fill reads into dst, the part of the frame that starts at byte offset
// of it, until dst is full, resuming from f.got.
func (f *Reader) fill(dst []byte, offset int) error {
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

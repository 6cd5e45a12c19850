// Package frame is the data plane's framing and socket I/O (sdk/PROTOCOL.md
// §5.10): length-prefixed frames written by many goroutines through one
// coalescing Writer, read by a resumable Reader, over a socket read and
// written with raw system calls. It knows nothing of what a frame holds:
// sdk's two ends encode and decode the bodies (sdk/internal/wire), and
// authenticate and admit the connection before they hand it here. It is
// its own package to keep sdk, which plugin authors import, within the
// project's size bound (docs/ARCHITECTURE.md).
package frame

import "fmt"

// MaxBytes bounds a frame's body. It is sdk.MaxMessageBytes, the bound of
// one message between host and plugin on either transport, defined here so
// that the codec checks it without importing sdk.
const MaxBytes = 64 << 20

// HeaderBytes is the length prefix of a frame: 4 bytes, big-endian.
const HeaderBytes = 4

// ErrTooLarge is a frame whose length prefix exceeds MaxBytes: a protocol
// violation that closes the connection. sdk re-exports it as
// ErrFrameTooLarge.
type ErrTooLarge struct{ Length uint32 }

func (e *ErrTooLarge) Error() string {
	return fmt.Sprintf("data-plane frame of %d bytes exceeds the %d-byte limit (sdk/PROTOCOL.md §5.10); the connection is closed", e.Length, MaxBytes)
}

package transport

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
)

// MaxFrame bounds one frame: an envelope with a full payload, generous
// metadata and a receipt fits many times over.
const MaxFrame = 1 << 20

// appendFrame appends v as a frame: length, then canonical encoding.
func appendFrame(dst []byte, v sdk.Value) ([]byte, error) {
	enc := v.Canonical()
	if len(enc) > MaxFrame {
		return dst, fmt.Errorf("frame of %d bytes exceeds the %d allowed", len(enc), MaxFrame)
	}
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(enc)))
	return append(dst, enc...), nil
}

// readFrame reads one frame and decodes its value.
func readFrame(r io.Reader) (sdk.Value, error) {
	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return sdk.Value{}, err
	}
	n := binary.BigEndian.Uint32(head[:])
	if n > MaxFrame {
		return sdk.Value{}, fmt.Errorf("frame of %d bytes exceeds the %d allowed", n, MaxFrame)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return sdk.Value{}, err
	}
	return effects.DecodeCanonical(buf)
}

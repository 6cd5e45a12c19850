package cover

import "fmt"

// Payload sizes. A cover payload is PayloadHeader bytes of ids (path,
// message) followed by random fill, all of it random to an observer.
const (
	PayloadHeader = 32
	// DefaultPayloadBytes is the size of every cover payload: the size of
	// a small application message (a protocol step, a sync root), and 2
	// flow-budget units (1 + 1 per started KiB) like any payload up to
	// 1 KiB.
	DefaultPayloadBytes = 256
	// MaxPayloadBytes is the largest cover payload: 1 KiB keeps the cost
	// at 2 units.
	MaxPayloadBytes = 1024
	// SizeMemory is how many of the application's recent payload sizes per
	// link cover sizes are drawn from.
	SizeMemory = 32
)

// EncodePayload makes a cover payload from random bytes: the path id, the
// message id, then the fill. random must be the whole payload's worth of
// random bytes (its first 16 bytes are replaced by the path id; the next
// 16 are the message id): the payload then carries nothing but random
// bytes and the path id, itself random.
func EncodePayload(path PathID, random []byte) ([]byte, MessageID, error) {
	if len(random) < PayloadHeader {
		return nil, MessageID{}, fmt.Errorf("cover: a payload of %d bytes cannot hold a path and message id (%d bytes): use payload_bytes >= %d",
			len(random), PayloadHeader, PayloadHeader)
	}
	out := append([]byte(nil), random...)
	copy(out, path[:])
	var id MessageID
	copy(id[:], out[16:32])
	return out, id, nil
}

// ParsePayload reads a cover payload's path and message ids. A payload too
// short to hold them is ErrMalformed; the fill is not looked at.
func ParsePayload(b []byte) (PathID, MessageID, error) {
	if len(b) < PayloadHeader {
		return PathID{}, MessageID{}, ErrMalformed
	}
	var p PathID
	var m MessageID
	copy(p[:], b[:16])
	copy(m[:], b[16:32])
	return p, m, nil
}

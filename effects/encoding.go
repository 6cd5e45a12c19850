package effects

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxDepth bounds the nesting of lists and maps: the top-level value is at
// depth 0, each list item or map value one deeper, and nothing may sit
// deeper than MaxDepth. Decoders refuse deeper input (so a hostile one
// cannot exhaust the stack) and the router refuses deeper arguments and
// results.
//
// The number is set by the wire, not by Go: protobuf libraries other than
// Go's (protobufjs, C++, Java, Python's upb) stop decoding at 100 message
// levels below the top-level message. A value costs at most three message
// levels per nesting level (Value, ValueMap, MapEntry), and the deepest
// place a value travels is a result inside a ResultFrame (ResultFrame,
// Result, then the value at depth 0), so a value nested to depth d puts its
// innermost message (an empty list or map at depth d) 3d+3 levels below the
// frame: 93 for d = 30, leaving 7 levels of margin under every mainstream
// library's default. sdk/PROTOCOL.md §4 has the arithmetic.
const MaxDepth = 30

// ErrMalformedValue is returned (wrapped) for any input that is not the
// canonical encoding of exactly one Value.
var ErrMalformedValue = errors.New("malformed value encoding")

// AppendCanonical appends the canonical encoding of v to b.
//
// The encoding is a tag byte (the Kind) followed by the payload: bool as one
// byte 0/1; int as a zig-zag uvarint; uint as a uvarint; string and bytes as
// a uvarint length and the bytes; list as a uvarint count and the items; map
// as a uvarint count and, per field in strictly increasing key order, the
// key (uvarint length and bytes) and the value. Every varint is minimal.
// Two values are Equal exactly when their encodings are equal.
func (v Value) AppendCanonical(b []byte) []byte {
	b = append(b, byte(v.kind))
	switch v.kind {
	case KindBool, KindUint:
		if v.kind == KindBool {
			return append(b, byte(v.num))
		}
		return binary.AppendUvarint(b, v.num)
	case KindInt:
		i := int64(v.num)
		return binary.AppendUvarint(b, uint64(i<<1)^uint64(i>>63))
	case KindString, KindBytes:
		b = binary.AppendUvarint(b, uint64(len(v.str)))
		return append(b, v.str...)
	case KindList:
		b = binary.AppendUvarint(b, uint64(len(v.list)))
		for _, it := range v.list {
			b = it.AppendCanonical(b)
		}
	case KindMap:
		b = binary.AppendUvarint(b, uint64(len(v.m)))
		for _, f := range v.m {
			b = binary.AppendUvarint(b, uint64(len(f.Key)))
			b = append(b, f.Key...)
			b = f.Value.AppendCanonical(b)
		}
	}
	return b
}

// Canonical returns the canonical encoding of v.
func (v Value) Canonical() []byte { return v.AppendCanonical(nil) }

// DecodeCanonical decodes exactly one canonically encoded Value. Anything
// else — a trailing byte, a non-minimal varint, unsorted or duplicate map
// keys, invalid UTF-8 in a string, nesting deeper than MaxDepth — is an
// error wrapping ErrMalformedValue.
func DecodeCanonical(data []byte) (Value, error) {
	d := decoder{data: data}
	v, err := d.value(0)
	if err != nil {
		return Value{}, err
	}
	if d.pos != len(d.data) {
		return Value{}, d.fail("%d trailing bytes", len(d.data)-d.pos)
	}
	return v, nil
}

type decoder struct {
	data []byte
	pos  int
}

func (d *decoder) fail(format string, args ...any) error {
	return fmt.Errorf("%w at byte %d: %s", ErrMalformedValue, d.pos, fmt.Sprintf(format, args...))
}

func (d *decoder) uvarint() (uint64, error) {
	u, n := binary.Uvarint(d.data[d.pos:])
	if n <= 0 {
		return 0, d.fail("bad varint")
	}
	// A longer-than-needed varint ends in a 0x00 group; checking that byte
	// rather than re-encoding keeps this hot path free of allocations.
	if n > 1 && d.data[d.pos+n-1] == 0 {
		return 0, d.fail("non-minimal varint")
	}
	d.pos += n
	return u, nil
}

// maxPrealloc caps the capacity a list or map decoder reserves up front.
// length alone does not bound allocation: every level of a nested input can
// claim a count as large as the bytes left, and reserving it at each of
// MaxDepth levels multiplied a 64 KiB input into 320 MB. Beyond the cap the
// slice grows as items actually decode, so memory stays proportional to the
// input.
const maxPrealloc = 64

// length reads a count or byte length and checks that the input can hold it
// (each element takes at least one byte), so a hostile length cannot claim
// more elements than the input has bytes.
func (d *decoder) length() (int, error) {
	u, err := d.uvarint()
	if err != nil {
		return 0, err
	}
	if u > uint64(len(d.data)-d.pos) {
		return 0, d.fail("length %d exceeds the %d bytes left", u, len(d.data)-d.pos)
	}
	return int(u), nil
}

func (d *decoder) str() (string, error) {
	n, err := d.length()
	if err != nil {
		return "", err
	}
	s := string(d.data[d.pos : d.pos+n])
	d.pos += n
	return s, nil
}

func (d *decoder) value(depth int) (Value, error) {
	if depth > MaxDepth {
		return Value{}, d.fail("nesting deeper than %d", MaxDepth)
	}
	if d.pos >= len(d.data) {
		return Value{}, d.fail("unexpected end of input")
	}
	kind := Kind(d.data[d.pos])
	d.pos++
	switch kind {
	case KindNull:
		return Value{}, nil
	case KindBool:
		if d.pos >= len(d.data) || d.data[d.pos] > 1 {
			return Value{}, d.fail("bool must be 0 or 1")
		}
		d.pos++
		return Bool(d.data[d.pos-1] == 1), nil
	case KindInt:
		u, err := d.uvarint()
		if err != nil {
			return Value{}, err
		}
		return Int(int64(u>>1) ^ -int64(u&1)), nil
	case KindUint:
		u, err := d.uvarint()
		if err != nil {
			return Value{}, err
		}
		return Uint(u), nil
	case KindString, KindBytes:
		s, err := d.str()
		if err != nil {
			return Value{}, err
		}
		if kind == KindString && !utf8.ValidString(s) {
			return Value{}, d.fail("string is not valid UTF-8")
		}
		return Value{kind: kind, str: s}, nil
	case KindList:
		n, err := d.length()
		if err != nil {
			return Value{}, err
		}
		items := make([]Value, 0, min(n, maxPrealloc))
		for range n {
			it, err := d.value(depth + 1)
			if err != nil {
				return Value{}, err
			}
			items = append(items, it)
		}
		return Value{kind: KindList, list: items}, nil
	case KindMap:
		n, err := d.length()
		if err != nil {
			return Value{}, err
		}
		fields := make([]Field, 0, min(n, maxPrealloc))
		for i := range n {
			var f Field
			if f.Key, err = d.str(); err != nil {
				return Value{}, err
			}
			if !utf8.ValidString(f.Key) {
				return Value{}, d.fail("map key is not valid UTF-8")
			}
			if i > 0 && strings.Compare(fields[i-1].Key, f.Key) >= 0 {
				return Value{}, d.fail("map key %q out of order or repeated", f.Key)
			}
			if f.Value, err = d.value(depth + 1); err != nil {
				return Value{}, err
			}
			fields = append(fields, f)
		}
		return Value{kind: KindMap, m: fields}, nil
	}
	return Value{}, d.fail("unknown kind tag %d", kind)
}

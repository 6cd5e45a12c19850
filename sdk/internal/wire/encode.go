// Package wire encodes and decodes the data plane's two hot messages, the
// InvokeFrame and the ResultFrame of plugin.proto (sdk/PROTOCOL.md §5.10),
// straight between effects types and protobuf's wire format, with
// protowire. The generated code builds a tree of structs for every call
// and walks it by reflection, and sdk converted effects values to and from
// that tree: under load, on the data plane, that was about a fifth of
// either process's CPU and most of its allocations (BENCHMARKS.md). The
// bytes are the same: the generated code stays the reference, and the
// tests hold the two to byte-for-byte agreement on what they encode and to
// the same values and errors on what they decode.
//
// Decoding refuses the whole frame for what the generated decoder refuses
// (a broken wire structure, invalid UTF-8 in a string field), and reports
// per call or per result what sdk's conversion checked (map keys sorted and
// unique, MaxDepth, ID lengths, operation names). It is stricter in one
// way: a message field that occurs twice in one message, which the
// generated decoder would merge and no encoder emits, refuses the frame.
// And it stops at the first error inside a value, so a value that is both
// too deep and, further on, broken is answered as malformed rather than
// refused with its frame.
package wire

import (
	"github.com/aurahost/aura-host/effects"
	"google.golang.org/protobuf/encoding/protowire"
)

// Field numbers of plugin.proto.
const (
	// InvokeFrame
	frameCalls  protowire.Number = 1
	frameCancel protowire.Number = 2
	// ResultFrame
	frameResults protowire.Number = 1
	// Call
	callID          protowire.Number = 1
	callOp          protowire.Number = 2
	callArgs        protowire.Number = 3
	callAuthority   protowire.Number = 4
	callContext     protowire.Number = 5
	callSession     protowire.Number = 6
	callTimeout     protowire.Number = 7
	callTraceparent protowire.Number = 8
	callTracestate  protowire.Number = 9
	// Result
	resultID    protowire.Number = 1
	resultValue protowire.Number = 2
	resultError protowire.Number = 3
	// Error
	errorCode      protowire.Number = 1
	errorMessage   protowire.Number = 2
	errorRetryable protowire.Number = 3
	// Value (a oneof)
	valueNull   protowire.Number = 1
	valueBool   protowire.Number = 2
	valueInt    protowire.Number = 3
	valueUint   protowire.Number = 4
	valueString protowire.Number = 5
	valueBytes  protowire.Number = 6
	valueList   protowire.Number = 7
	valueMap    protowire.Number = 8
	// ValueList, ValueMap
	listItems  protowire.Number = 1
	mapEntries protowire.Number = 1
	// MapEntry
	entryKey   protowire.Number = 1
	entryValue protowire.Number = 2
)

// Call is one call as it travels on the data plane.
type Call struct {
	ID           uint64
	Call         *effects.Call
	TimeoutNanos int64 // 0: no deadline
	Traceparent  string
	Tracestate   string
	// Err, when decoding, says why the call is malformed (its arguments,
	// its IDs, its operation's name): the plugin answers it invalid_args.
	// Call.Op then holds the operation's name as sent.
	Err error
}

// AppendCallFrame appends the encoding of an InvokeFrame that carries the
// one call c.
func AppendCallFrame(b []byte, c *Call) []byte {
	var e encoder
	e.sizes = e.room[:0]
	args := c.Call.Args.Fields()
	argsBody := e.sizeMap(args)
	body := varintField(c.ID) + bytesField(len(c.Call.Op)) + 1 + protowire.SizeBytes(argsBody) +
		idField(effects.ID(c.Call.Authority)) + idField(effects.ID(c.Call.Context)) + idField(effects.ID(c.Call.Session)) +
		varintField(uint64(c.TimeoutNanos)) + bytesField(len(c.Traceparent)) + bytesField(len(c.Tracestate))
	b = protowire.AppendTag(b, frameCalls, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(body))
	b = appendVarintField(b, callID, c.ID)
	b = appendStringField(b, callOp, string(c.Call.Op))
	b = protowire.AppendTag(b, callArgs, protowire.BytesType) // always present, as the generated code sends it
	b = e.appendMap(b, args)
	b = appendIDField(b, callAuthority, effects.ID(c.Call.Authority))
	b = appendIDField(b, callContext, effects.ID(c.Call.Context))
	b = appendIDField(b, callSession, effects.ID(c.Call.Session))
	b = appendVarintField(b, callTimeout, uint64(c.TimeoutNanos))
	b = appendStringField(b, callTraceparent, c.Traceparent)
	return appendStringField(b, callTracestate, c.Tracestate)
}

// AppendValueResult appends the encoding of a ResultFrame that carries the
// one result: call id answered with v.
func AppendValueResult(b []byte, id uint64, v effects.Value) []byte {
	var e encoder
	e.sizes = e.room[:0]
	valueBody := e.sizeValue(v)
	body := varintField(id) + 1 + protowire.SizeBytes(valueBody)
	b = protowire.AppendTag(b, frameResults, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(body))
	b = appendVarintField(b, resultID, id)
	b = protowire.AppendTag(b, resultValue, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(valueBody))
	return e.appendValue(b, v)
}

// AppendErrorResult appends the encoding of a ResultFrame that carries the
// one result: call id answered with an error.
func AppendErrorResult(b []byte, id uint64, code, message string, retryable bool) []byte {
	errBody := bytesField(len(code)) + bytesField(len(message))
	if retryable {
		errBody += 2
	}
	body := varintField(id) + 1 + protowire.SizeBytes(errBody)
	b = protowire.AppendTag(b, frameResults, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(body))
	b = appendVarintField(b, resultID, id)
	b = protowire.AppendTag(b, resultError, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(errBody))
	b = appendStringField(b, errorCode, code)
	b = appendStringField(b, errorMessage, message)
	if retryable {
		b = appendVarintField(b, errorRetryable, 1)
	}
	return b
}

// encoder writes a value in two passes: sizeValue records, in pre-order,
// the body size of every list, map and map entry (a length-delimited
// message needs its length before its bytes), and appendValue consumes
// them in the same order, so that a deep value is sized once, not once
// per level.
type encoder struct {
	sizes []int
	next  int
	room  [16]int // sizes' first backing array: small values allocate nothing
}

// reserve takes the next slot for a message's body size.
func (e *encoder) reserve() int {
	e.sizes = append(e.sizes, 0)
	return len(e.sizes) - 1
}

// take returns the next recorded body size.
func (e *encoder) take() int {
	n := e.sizes[e.next]
	e.next++
	return n
}

// sizeValue returns the size of v's Value message body, recording the
// sizes of the messages inside it.
func (e *encoder) sizeValue(v effects.Value) int {
	switch v.Kind() {
	case effects.KindNull, effects.KindBool:
		return 2 // tag, and 0 or 1
	case effects.KindInt:
		i, _ := v.AsInt()
		return 1 + protowire.SizeVarint(protowire.EncodeZigZag(i))
	case effects.KindUint:
		u, _ := v.AsUint()
		return 1 + protowire.SizeVarint(u)
	case effects.KindString:
		s, _ := v.AsString()
		return 1 + protowire.SizeBytes(len(s))
	case effects.KindBytes:
		return 1 + protowire.SizeBytes(len(v.BytesString()))
	case effects.KindList:
		slot := e.reserve()
		n := 0
		for _, it := range v.Items() {
			n += 1 + protowire.SizeBytes(e.sizeValue(it))
		}
		e.sizes[slot] = n
		return 1 + protowire.SizeBytes(n)
	case effects.KindMap:
		return 1 + protowire.SizeBytes(e.sizeMap(v.Fields()))
	}
	panic("wire: value of unknown kind " + v.Kind().String())
}

// sizeMap returns the size of a ValueMap body holding fields.
func (e *encoder) sizeMap(fields []effects.Field) int {
	slot := e.reserve()
	n := 0
	for _, f := range fields {
		entry := e.reserve()
		m := bytesField(len(f.Key)) + 1 + protowire.SizeBytes(e.sizeValue(f.Value))
		e.sizes[entry] = m
		n += 1 + protowire.SizeBytes(m)
	}
	e.sizes[slot] = n
	return n
}

// bodySize is the size of v's Value message body once sized: for a list
// or map, from the slot appendValue is about to take.
func (e *encoder) bodySize(v effects.Value) int {
	switch v.Kind() {
	case effects.KindList, effects.KindMap:
		return 1 + protowire.SizeBytes(e.sizes[e.next])
	}
	return e.sizeValue(v) // a scalar: no slot
}

// appendValue appends v's Value message body.
func (e *encoder) appendValue(b []byte, v effects.Value) []byte {
	switch v.Kind() {
	case effects.KindNull:
		return protowire.AppendVarint(protowire.AppendTag(b, valueNull, protowire.VarintType), 0)
	case effects.KindBool:
		t, _ := v.AsBool()
		return protowire.AppendVarint(protowire.AppendTag(b, valueBool, protowire.VarintType), protowire.EncodeBool(t))
	case effects.KindInt:
		i, _ := v.AsInt()
		return protowire.AppendVarint(protowire.AppendTag(b, valueInt, protowire.VarintType), protowire.EncodeZigZag(i))
	case effects.KindUint:
		u, _ := v.AsUint()
		return protowire.AppendVarint(protowire.AppendTag(b, valueUint, protowire.VarintType), u)
	case effects.KindString:
		s, _ := v.AsString()
		return protowire.AppendString(protowire.AppendTag(b, valueString, protowire.BytesType), s)
	case effects.KindBytes:
		return protowire.AppendString(protowire.AppendTag(b, valueBytes, protowire.BytesType), v.BytesString())
	case effects.KindList:
		b = protowire.AppendTag(b, valueList, protowire.BytesType)
		b = protowire.AppendVarint(b, uint64(e.take()))
		for _, it := range v.Items() {
			b = protowire.AppendTag(b, listItems, protowire.BytesType)
			b = protowire.AppendVarint(b, uint64(e.bodySize(it)))
			b = e.appendValue(b, it)
		}
		return b
	case effects.KindMap:
		b = protowire.AppendTag(b, valueMap, protowire.BytesType)
		return e.appendMap(b, v.Fields())
	}
	panic("wire: value of unknown kind " + v.Kind().String())
}

// appendMap appends a ValueMap message: its length, then its body.
func (e *encoder) appendMap(b []byte, fields []effects.Field) []byte {
	b = protowire.AppendVarint(b, uint64(e.take()))
	for _, f := range fields {
		b = protowire.AppendTag(b, mapEntries, protowire.BytesType)
		b = protowire.AppendVarint(b, uint64(e.take()))
		b = appendStringField(b, entryKey, f.Key)
		b = protowire.AppendTag(b, entryValue, protowire.BytesType)
		b = protowire.AppendVarint(b, uint64(e.bodySize(f.Value)))
		b = e.appendValue(b, f.Value)
	}
	return b
}

// The sizes of proto3 fields with implicit presence: absent when zero.

func varintField(x uint64) int {
	if x == 0 {
		return 0
	}
	return 1 + protowire.SizeVarint(x)
}

func bytesField(n int) int {
	if n == 0 {
		return 0
	}
	return 1 + protowire.SizeBytes(n)
}

func idField(id effects.ID) int {
	if id == (effects.ID{}) {
		return 0
	}
	return bytesField(len(id))
}

func appendVarintField(b []byte, num protowire.Number, x uint64) []byte {
	if x == 0 {
		return b
	}
	return protowire.AppendVarint(protowire.AppendTag(b, num, protowire.VarintType), x)
}

func appendStringField(b []byte, num protowire.Number, s string) []byte {
	if s == "" {
		return b
	}
	return protowire.AppendString(protowire.AppendTag(b, num, protowire.BytesType), s)
}

func appendIDField(b []byte, num protowire.Number, id effects.ID) []byte {
	if id == (effects.ID{}) {
		return b
	}
	return protowire.AppendBytes(protowire.AppendTag(b, num, protowire.BytesType), id[:])
}

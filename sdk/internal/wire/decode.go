package wire

import (
	"fmt"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/aurahost/aura-host/effects"
	pb "github.com/aurahost/aura-host/sdk/internal/proto/aura/plugin/v1"
)

// FrameError is a frame whose wire structure is broken: the connection
// that carried it cannot be trusted to frame anything after it.
type FrameError struct{ Reason string }

func (e *FrameError) Error() string { return "malformed frame: " + e.Reason }

func frameErr(format string, args ...any) error {
	return &FrameError{Reason: fmt.Sprintf(format, args...)}
}

// wireErr is the FrameError of a protowire consume function's negative n.
func wireErr(what string, n int) error {
	return &FrameError{Reason: what + ": " + protowire.ParseError(n).Error()}
}

// isFrameError reports whether err refuses the frame rather than one call
// or result. (A type assertion, not errors.As, whose target would escape:
// an allocation per call.)
func isFrameError(err error) bool {
	_, ok := err.(*FrameError) // never wrapped: see decodeMap
	return ok
}

// field is one field of a message: its number and type, and its value,
// a varint's or a length-delimited field's bytes.
type field struct {
	num   protowire.Number
	typ   protowire.Type
	x     uint64
	bytes []byte
}

// next consumes the next field of b. A field of a type other than varint
// or length-delimited is skipped by the caller as unknown, as the
// generated decoder skips every field it does not know or that has an
// unexpected type.
func next(b []byte, what string) (field, int, error) {
	num, typ, n := protowire.ConsumeTag(b)
	if n < 0 {
		return field{}, 0, wireErr(what, n)
	}
	if num > protowire.MaxValidNumber { // ConsumeTag lets them through; the generated decoder does not
		return field{}, 0, frameErr("%s: field number %d is out of range", what, num)
	}
	f := field{num: num, typ: typ}
	var m int
	switch typ {
	case protowire.VarintType:
		f.x, m = protowire.ConsumeVarint(b[n:])
	case protowire.BytesType:
		f.bytes, m = protowire.ConsumeBytes(b[n:])
	default:
		m = protowire.ConsumeFieldValue(num, typ, b[n:])
	}
	if m < 0 {
		return field{}, 0, wireErr(what, m)
	}
	return f, n + m, nil
}

// text is a string field's value, checked for UTF-8 as the generated
// decoder checks proto3 strings.
func text(b []byte, what string) (string, error) {
	if !utf8.Valid(b) {
		return "", frameErr("%s is not valid UTF-8", what)
	}
	return string(b), nil
}

// DecodeInvokeFrame decodes an InvokeFrame, appending its calls to calls
// and its cancel entries to cancels. An error is a *FrameError.
func DecodeInvokeFrame(b []byte, calls []Call, cancels []uint64) ([]Call, []uint64, error) {
	for len(b) > 0 {
		f, n, err := next(b, "InvokeFrame")
		if err != nil {
			return calls, cancels, err
		}
		b = b[n:]
		switch {
		case f.num == frameCalls && f.typ == protowire.BytesType:
			c, err := decodeCall(f.bytes)
			if err != nil {
				return calls, cancels, err
			}
			calls = append(calls, c)
		case f.num == frameCancel && f.typ == protowire.VarintType:
			cancels = append(cancels, f.x)
		case f.num == frameCancel && f.typ == protowire.BytesType: // packed, as proto3 sends it
			for p := f.bytes; len(p) > 0; {
				x, m := protowire.ConsumeVarint(p)
				if m < 0 {
					return calls, cancels, wireErr("InvokeFrame.cancel", m)
				}
				cancels = append(cancels, x)
				p = p[m:]
			}
		}
	}
	return calls, cancels, nil
}

// decodeCall decodes a Call message. What is wrong with its content
// (rather than its structure) goes into its Err.
func decodeCall(b []byte) (Call, error) {
	var c Call
	var op string
	args, argsErr := effects.Value{}, error(nil)
	var haveArgs bool
	var ids [3][]byte // authority, context, session
	for len(b) > 0 {
		f, n, err := next(b, "Call")
		if err != nil {
			return c, err
		}
		b = b[n:]
		switch {
		case f.typ == protowire.VarintType && f.num == callID:
			c.ID = f.x
		case f.typ == protowire.VarintType && f.num == callTimeout:
			c.TimeoutNanos = int64(f.x)
		case f.typ != protowire.BytesType:
		case f.num == callOp:
			if op, err = text(f.bytes, "Call.op"); err != nil {
				return c, err
			}
		case f.num == callArgs:
			if haveArgs {
				return c, frameErr("Call.args occurs twice")
			}
			haveArgs = true
			if args, argsErr = checked(f.bytes, decodeMap, newValueMap); isFrameError(argsErr) {
				return c, argsErr
			}
		case f.num >= callAuthority && f.num <= callSession:
			ids[f.num-callAuthority] = f.bytes
		case f.num == callTraceparent:
			if c.Traceparent, err = text(f.bytes, "Call.traceparent"); err != nil {
				return c, err
			}
		case f.num == callTracestate:
			if c.Tracestate, err = text(f.bytes, "Call.tracestate"); err != nil {
				return c, err
			}
		}
	}
	c.Call = &effects.Call{Op: effects.OpID(op)}
	if _, err := effects.ParseOpID(op); err != nil {
		c.Err = err
		return c, nil
	}
	if !haveArgs { // absent: an empty map, as the generated code reads it
		args, argsErr = decodeMap(nil, 0)
	}
	if argsErr != nil {
		c.Err = fmt.Errorf("arguments: %w", argsErr)
		return c, nil
	}
	c.Call.Args = args
	for i, what := range [3]string{"authority", "context", "session"} {
		id, err := IDFromBytes(ids[i], what)
		if err != nil {
			c.Err = err
			return c, nil
		}
		switch i {
		case 0:
			c.Call.Authority = effects.AuthorityID(id)
		case 1:
			c.Call.Context = effects.ContextID(id)
		case 2:
			c.Call.Session = effects.SessionID(id)
		}
	}
	return c, nil
}

// IDFromBytes reads an ID field of plugin.proto (an authority, context or
// session): empty is the zero ID, else it must be exactly an ID's length.
func IDFromBytes(b []byte, what string) (effects.ID, error) {
	var id effects.ID
	switch len(b) {
	case 0:
		return id, nil
	case len(id):
		copy(id[:], b)
		return id, nil
	}
	return id, fmt.Errorf("%s must be %d bytes, got %d", what, len(id), len(b))
}

// Outcome says what a result carries.
type Outcome uint8

const (
	// Neither a value nor an error: a protocol violation.
	Neither Outcome = iota
	// Returned a value.
	Returned
	// Failed with an error.
	Failed
)

// Result is one result as decoded.
type Result struct {
	ID      uint64
	Outcome Outcome
	// Value is the value returned, unless ValueErr says why it is
	// malformed.
	Value    effects.Value
	ValueErr error
	// Code, Message and Retryable are the error's, exactly as sent.
	Code      string
	Message   string
	Retryable bool
}

// DecodeResultFrame decodes a ResultFrame, appending its results. An
// error is a *FrameError.
func DecodeResultFrame(b []byte, results []Result) ([]Result, error) {
	for len(b) > 0 {
		f, n, err := next(b, "ResultFrame")
		if err != nil {
			return results, err
		}
		b = b[n:]
		if f.num == frameResults && f.typ == protowire.BytesType {
			r, err := decodeResult(f.bytes)
			if err != nil {
				return results, err
			}
			results = append(results, r)
		}
	}
	return results, nil
}

// decodeResult decodes a Result message. A oneof's later member replaces
// an earlier one, as in the generated decoder.
func decodeResult(b []byte) (Result, error) {
	var r Result
	for len(b) > 0 {
		f, n, err := next(b, "Result")
		if err != nil {
			return r, err
		}
		b = b[n:]
		switch {
		case f.num == resultID && f.typ == protowire.VarintType:
			r.ID = f.x
		case f.typ != protowire.BytesType:
		case f.num == resultValue || f.num == resultError:
			outcome := Returned
			if f.num == resultError {
				outcome = Failed
			}
			if r.Outcome == outcome {
				return r, frameErr("Result field %d occurs twice", f.num)
			}
			// Each member is decoded as it comes, as the generated decoder
			// does: a member replaced later must be well-formed too.
			id := r.ID
			r = Result{ID: id, Outcome: outcome}
			if outcome == Failed {
				if err := decodeError(f.bytes, &r); err != nil {
					return r, err
				}
			} else if r.Value, r.ValueErr = checked(f.bytes, decodeValue, newValue); isFrameError(r.ValueErr) {
				return r, r.ValueErr
			}
		}
	}
	return r, nil
}

// decodeError decodes an Error message into r.
func decodeError(b []byte, r *Result) error {
	for len(b) > 0 {
		f, n, err := next(b, "Error")
		if err != nil {
			return err
		}
		b = b[n:]
		switch {
		case f.num == errorRetryable && f.typ == protowire.VarintType:
			r.Retryable = f.x != 0
		case f.typ != protowire.BytesType:
		case f.num == errorCode:
			if r.Code, err = text(f.bytes, "Error.code"); err != nil {
				return err
			}
		case f.num == errorMessage:
			if r.Message, err = text(f.bytes, "Error.message"); err != nil {
				return err
			}
		}
	}
	return nil
}

// checked decodes b, a message at depth 0, with decode. Where decode stops
// at an error in the content it has not looked at the rest of b, whose
// structure the generated decoder would have checked: then the generated
// decoder checks it, into a message of newMsg's (a rare path: a malformed
// call or result; newMsg is a function so that the common path allocates
// no message).
func checked(b []byte, decode func([]byte, int) (effects.Value, error), newMsg func() proto.Message) (effects.Value, error) {
	v, err := decode(b, 0)
	if err != nil && !isFrameError(err) {
		if perr := proto.Unmarshal(b, newMsg()); perr != nil {
			return v, frameErr("%v", perr)
		}
	}
	return v, err
}

func newValueMap() proto.Message { return &pb.ValueMap{} }
func newValue() proto.Message    { return &pb.Value{} }

// decodeValue decodes a Value message body at depth (the outermost value
// is at 0). A member of the oneof replaces an earlier one; a list or map
// after one of the same kind, which the generated decoder would merge,
// refuses the frame.
func decodeValue(b []byte, depth int) (effects.Value, error) {
	if depth > effects.MaxDepth {
		return effects.Value{}, fmt.Errorf("value nested deeper than %d", effects.MaxDepth)
	}
	v := effects.Null()
	for len(b) > 0 {
		f, n, err := next(b, "Value")
		if err != nil {
			return effects.Value{}, err
		}
		b = b[n:]
		if f.typ == protowire.VarintType {
			switch f.num {
			case valueNull:
				v = effects.Null()
			case valueBool:
				v = effects.Bool(f.x != 0)
			case valueInt:
				v = effects.Int(protowire.DecodeZigZag(f.x))
			case valueUint:
				v = effects.Uint(f.x)
			}
			continue
		}
		if f.typ != protowire.BytesType {
			continue
		}
		switch f.num {
		case valueString:
			s, err := text(f.bytes, "a string value")
			if err != nil {
				return effects.Value{}, err
			}
			v = effects.String(s)
		case valueBytes:
			v = effects.Bytes(f.bytes)
		case valueList:
			if v.Kind() == effects.KindList {
				return effects.Value{}, frameErr("Value.list occurs twice")
			}
			if v, err = decodeList(f.bytes, depth); err != nil {
				return effects.Value{}, err
			}
		case valueMap:
			if v.Kind() == effects.KindMap {
				return effects.Value{}, frameErr("Value.map occurs twice")
			}
			if v, err = decodeMap(f.bytes, depth); err != nil {
				return effects.Value{}, err
			}
		}
	}
	return v, nil
}

// count returns how many fields numbered num b holds, so that a list or
// map is allocated once.
func count(b []byte, num protowire.Number, what string) (int, error) {
	k := 0
	for len(b) > 0 {
		f, n, err := next(b, what)
		if err != nil {
			return 0, err
		}
		if f.num == num && f.typ == protowire.BytesType {
			k++
		}
		b = b[n:]
	}
	return k, nil
}

// decodeList decodes a ValueList body whose Value is at depth.
func decodeList(b []byte, depth int) (effects.Value, error) {
	k, err := count(b, listItems, "ValueList")
	if err != nil {
		return effects.Value{}, err
	}
	items := make([]effects.Value, 0, k)
	for len(b) > 0 {
		f, n, _ := next(b, "ValueList") // counted above: no error
		b = b[n:]
		if f.num != listItems || f.typ != protowire.BytesType {
			continue
		}
		it, err := decodeValue(f.bytes, depth+1)
		if err != nil {
			return effects.Value{}, err
		}
		items = append(items, it)
	}
	return effects.ListOf(items), nil
}

// decodeMap decodes a ValueMap body whose Value is at depth, insisting on
// the contract's sorted, unique keys.
func decodeMap(b []byte, depth int) (effects.Value, error) {
	k, err := count(b, mapEntries, "ValueMap")
	if err != nil {
		return effects.Value{}, err
	}
	fields := make([]effects.Field, 0, k)
	for len(b) > 0 {
		f, n, _ := next(b, "ValueMap") // counted above: no error
		b = b[n:]
		if f.num != mapEntries || f.typ != protowire.BytesType {
			continue
		}
		key, raw, err := decodeEntry(f.bytes)
		if err != nil {
			return effects.Value{}, err
		}
		if len(fields) > 0 && fields[len(fields)-1].Key >= key {
			return effects.Value{}, fmt.Errorf("map key %q is out of order or repeated (keys must be sorted and unique)", key)
		}
		value, err := decodeValue(raw, depth+1)
		if err != nil {
			if isFrameError(err) {
				return effects.Value{}, err
			}
			return effects.Value{}, fmt.Errorf("map key %q: %w", key, err)
		}
		fields = append(fields, effects.Field{Key: key, Value: value})
	}
	return effects.SortedMap(fields)
}

// decodeEntry decodes a MapEntry: its key, and its value's bytes (nil if
// it has none: null).
func decodeEntry(b []byte) (key string, value []byte, err error) {
	var haveValue bool
	for len(b) > 0 {
		f, n, err := next(b, "MapEntry")
		if err != nil {
			return "", nil, err
		}
		b = b[n:]
		if f.typ != protowire.BytesType {
			continue
		}
		switch f.num {
		case entryKey:
			if key, err = text(f.bytes, "a map key"); err != nil {
				return "", nil, err
			}
		case entryValue:
			if haveValue {
				return "", nil, frameErr("MapEntry.value occurs twice")
			}
			value, haveValue = f.bytes, true
		}
	}
	return key, value, nil
}

package facade

import (
	"fmt"
	"strconv"

	"github.com/aurahost/aura-host/effects"
)

// This file decodes results. Every decoder checks what it reads and
// reports the first problem as a ShapeError naming the operation and the
// field; fields the facade does not know are ignored, so that a plugin may
// add to a result without breaking callers.

// decoding is the state shared by the readers of one result.
type decoding struct {
	op  effects.OpID
	err *effects.Error // the first problem met
}

func (d *decoding) fail(field, want, got string) {
	if d.err == nil {
		d.err = shapeError(d.op, field, want, got)
	}
}

// result returns the first problem as an error, or nil (never a typed nil).
func (d *decoding) result() error {
	if d.err == nil {
		return nil
	}
	return d.err
}

// reader reads the fields of one map within a result.
type reader struct {
	d    *decoding
	path string // of this map within the result; "" for the result itself
	v    effects.Value
}

// newDecoding starts decoding a result of op.
func newDecoding(op *operation) *decoding { return &decoding{op: op.id} }

// record returns a reader of v, which must be a map.
func (d *decoding) record(path string, v effects.Value) reader {
	if v.Kind() != effects.KindMap {
		d.fail(path, "a map", describe(v))
	}
	return reader{d: d, path: path, v: v}
}

// describe names what a value is, for a ShapeError's Got.
func describe(v effects.Value) string {
	switch v.Kind() {
	case effects.KindBytes:
		return strconv.Itoa(v.Len()) + " bytes"
	case effects.KindNull:
		return "null"
	}
	return v.Kind().String()
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// field returns the named field; a missing one is a problem unless optional.
func (r reader) field(name string, want string, optional bool) (effects.Value, bool) {
	v, ok := r.v.Get(name)
	switch {
	case !ok && !optional:
		r.d.fail(join(r.path, name), want, "no such field")
	case ok && v.IsNull() && !optional:
		r.d.fail(join(r.path, name), want, "null")
	}
	return v, ok && !v.IsNull()
}

func (r reader) str(name string) string           { return r.strField(name, false) }
func (r reader) optStr(name string) string        { return r.strField(name, true) }
func (r reader) int(name string) int64            { return r.intField(name, false) }
func (r reader) optInt(name string) int64         { return r.intField(name, true) }
func (r reader) bytes(name string) []byte         { return r.bytesField(name, -1, false) }
func (r reader) optBytes(name string) []byte      { return r.bytesField(name, -1, true) }
func (r reader) bytesN(name string, n int) []byte { return r.bytesField(name, n, false) }

func (r reader) strField(name string, optional bool) string {
	v, ok := r.field(name, "string", optional)
	if !ok {
		return ""
	}
	s, isString := v.AsString()
	if !isString {
		r.d.fail(join(r.path, name), "string", describe(v))
	}
	return s
}

func (r reader) intField(name string, optional bool) int64 {
	v, ok := r.field(name, "int", optional)
	if !ok {
		return 0
	}
	i, isInt := v.AsInt()
	if !isInt {
		r.d.fail(join(r.path, name), "int", describe(v))
	}
	return i
}

func (r reader) uint(name string) uint64 {
	v, ok := r.field(name, "uint", false)
	if !ok {
		return 0
	}
	u, isUint := v.AsUint()
	if !isUint {
		r.d.fail(join(r.path, name), "uint", describe(v))
	}
	return u
}

func (r reader) bool(name string) bool {
	v, ok := r.field(name, "bool", false)
	if !ok {
		return false
	}
	b, isBool := v.AsBool()
	if !isBool {
		r.d.fail(join(r.path, name), "bool", describe(v))
	}
	return b
}

// bytesField reads bytes; n >= 0 requires exactly n of them.
func (r reader) bytesField(name string, n int, optional bool) []byte {
	want := wantBytes(n)
	v, ok := r.field(name, want, optional)
	if !ok {
		return nil
	}
	b, isBytes := v.AsBytes()
	if !isBytes || (n >= 0 && len(b) != n) {
		r.d.fail(join(r.path, name), want, describe(v))
		return nil
	}
	return b
}

func wantBytes(n int) string {
	if n < 0 {
		return "bytes"
	}
	return strconv.Itoa(n) + " bytes"
}

// value reads a field of any kind but null.
func (r reader) value(name string) effects.Value {
	v, _ := r.field(name, "a value", false)
	return v
}

// optValue reads a field of any kind; absent is null.
func (r reader) optValue(name string) effects.Value {
	v, _ := r.v.Get(name)
	return v
}

// mapValue reads a map field.
func (r reader) mapValue(name string) effects.Value {
	v, ok := r.field(name, "a map", false)
	if ok && v.Kind() != effects.KindMap {
		r.d.fail(join(r.path, name), "a map", describe(v))
	}
	return v
}

// record reads a map field.
func (r reader) record(name string) reader {
	v, _ := r.field(name, "a map", false)
	return r.d.record(join(r.path, name), v)
}

// list reads a list field's items.
func (r reader) list(name string) ([]effects.Value, string) {
	path := join(r.path, name)
	v, ok := r.field(name, "a list", false)
	if !ok {
		return nil, path
	}
	if v.Kind() != effects.KindList {
		r.d.fail(path, "a list", describe(v))
		return nil, path
	}
	return v.Items(), path
}

// strings reads a list of strings.
func (r reader) strings(name string) []string {
	items, path := r.list(name)
	return stringItems(r.d, path, items)
}

// bytesList reads a list of bytes, each n long if n >= 0.
func (r reader) bytesList(name string, n int) [][]byte {
	items, path := r.list(name)
	out := make([][]byte, len(items))
	for i, it := range items {
		b, ok := it.AsBytes()
		if !ok || (n >= 0 && len(b) != n) {
			r.d.fail(index(path, i), wantBytes(n), describe(it))
		}
		out[i] = b
	}
	return out
}

func stringItems(d *decoding, path string, items []effects.Value) []string {
	out := make([]string, len(items))
	for i, it := range items {
		s, ok := it.AsString()
		if !ok {
			d.fail(index(path, i), "string", describe(it))
		}
		out[i] = s
	}
	return out
}

// records decodes a list field whose items are maps, with fn.
func records[T any](r reader, name string, fn func(reader) T) []T {
	items, path := r.list(name)
	return mapItems(r.d, path, items, fn)
}

func mapItems[T any](d *decoding, path string, items []effects.Value, fn func(reader) T) []T {
	out := make([]T, len(items))
	for i, it := range items {
		out[i] = fn(d.record(index(path, i), it))
	}
	return out
}

// decodeRecord decodes a map result with fn.
func decodeRecord[T any](op *operation, v effects.Value, fn func(reader) T) (T, error) {
	d := newDecoding(op)
	out := fn(d.record("", v))
	if err := d.result(); err != nil {
		var zero T
		return zero, err
	}
	return out, nil
}

// decodeList decodes a list result whose items are maps with fn.
func decodeList[T any](op *operation, v effects.Value, fn func(reader) T) ([]T, error) {
	d := newDecoding(op)
	if v.Kind() != effects.KindList {
		d.fail("", "a list", describe(v))
		return nil, d.result()
	}
	out := mapItems(d, "", v.Items(), fn)
	if err := d.result(); err != nil {
		return nil, err
	}
	return out, nil
}

// The decoders of scalar results.

func decodeBytes(op *operation, v effects.Value, n int) ([]byte, error) {
	b, ok := v.AsBytes()
	if !ok || (n >= 0 && len(b) != n) {
		return nil, shapeError(op.id, "", wantBytes(n), describe(v))
	}
	return b, nil
}

func decodeBool(op *operation, v effects.Value) (bool, error) {
	b, ok := v.AsBool()
	if !ok {
		return false, shapeError(op.id, "", "bool", describe(v))
	}
	return b, nil
}

func decodeInt(op *operation, v effects.Value) (int64, error) {
	i, ok := v.AsInt()
	if !ok {
		return 0, shapeError(op.id, "", "int", describe(v))
	}
	return i, nil
}

// decodeCount decodes a non-negative int result: how many of something.
func decodeCount(op *operation, v effects.Value) (int, error) {
	i, ok := v.AsInt()
	if !ok || i < 0 {
		return 0, shapeError(op.id, "", "a count (int, 0 or more)", valueOrKind(v))
	}
	return int(i), nil
}

func decodeUint(op *operation, v effects.Value) (uint64, error) {
	u, ok := v.AsUint()
	if !ok {
		return 0, shapeError(op.id, "", "uint", describe(v))
	}
	return u, nil
}

func decodeString(op *operation, v effects.Value) (string, error) {
	s, ok := v.AsString()
	if !ok {
		return "", shapeError(op.id, "", "string", describe(v))
	}
	return s, nil
}

func decodeNull(op *operation, v effects.Value) error {
	if !v.IsNull() {
		return shapeError(op.id, "", "null", describe(v))
	}
	return nil
}

func decodeStrings(op *operation, v effects.Value) ([]string, error) {
	d := newDecoding(op)
	if v.Kind() != effects.KindList {
		d.fail("", "a list", describe(v))
		return nil, d.result()
	}
	out := stringItems(d, "", v.Items())
	if err := d.result(); err != nil {
		return nil, err
	}
	return out, nil
}

func decodeMap(op *operation, v effects.Value) (effects.Value, error) {
	if v.Kind() != effects.KindMap {
		return effects.Value{}, shapeError(op.id, "", "a map", describe(v))
	}
	return v, nil
}

// valueOrKind shows small scalars themselves and other values by kind.
func valueOrKind(v effects.Value) string {
	switch v.Kind() {
	case effects.KindInt, effects.KindUint, effects.KindBool:
		return fmt.Sprintf("%s %v", v.Kind(), v)
	}
	return describe(v)
}

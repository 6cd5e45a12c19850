package service

import (
	"fmt"

	"github.com/aurahost/aura-host/sdk"
)

// Fields reads typed fields of a map Value — a fact body or a call's
// arguments — remembering the first problem, so a decoder reads every field
// and checks Err once.
type Fields struct {
	v    sdk.Value
	what string // names the map in errors, e.g. "invitation.created fact"
	err  error
}

// Read starts reading the fields of v; what names v in errors.
func Read(v sdk.Value, what string) *Fields { return &Fields{v: v, what: what} }

// Err returns the first problem met, or nil.
func (r *Fields) Err() error { return r.err }

func (r *Fields) get(name string, kind sdk.Kind) (sdk.Value, bool) {
	if r.err != nil {
		return sdk.Value{}, false
	}
	v, ok := r.v.Get(name)
	if !ok {
		r.err = fmt.Errorf("%s has no field %q", r.what, name)
		return v, false
	}
	if v.Kind() != kind {
		r.err = fmt.Errorf("%s: field %q is %s, want %s", r.what, name, v.Kind(), kind)
		return v, false
	}
	return v, true
}

// Has reports whether the field is present and not null.
func (r *Fields) Has(name string) bool {
	v, ok := r.v.Get(name)
	return ok && !v.IsNull()
}

// String reads a string field.
func (r *Fields) String(name string) string {
	v, _ := r.get(name, sdk.KindString)
	s, _ := v.AsString()
	return s
}

// Int reads an integer field (int, or a uint that fits).
func (r *Fields) Int(name string) int64 {
	if r.err != nil {
		return 0
	}
	v, ok := r.v.Get(name)
	i, isInt := v.AsInt()
	if !ok || !isInt {
		r.err = fmt.Errorf("%s: field %q is missing or not an integer", r.what, name)
	}
	return i
}

// Bytes reads a bytes field.
func (r *Fields) Bytes(name string) []byte {
	v, _ := r.get(name, sdk.KindBytes)
	b, _ := v.AsBytes()
	return b
}

// Map reads a map field.
func (r *Fields) Map(name string) sdk.Value {
	v, _ := r.get(name, sdk.KindMap)
	return v
}

// List reads a list field.
func (r *Fields) List(name string) []sdk.Value {
	v, _ := r.get(name, sdk.KindList)
	return v.Items()
}

// Strings reads a list of strings.
func (r *Fields) Strings(name string) []string {
	items := r.List(name)
	out := make([]string, 0, len(items))
	for i, it := range items {
		s, ok := it.AsString()
		if !ok && r.err == nil {
			r.err = fmt.Errorf("%s: %s[%d] is %s, want string", r.what, name, i, it.Kind())
		}
		out = append(out, s)
	}
	return out
}

// Strings returns a list Value of strings.
func Strings(ss []string) sdk.Value {
	items := make([]sdk.Value, len(ss))
	for i, s := range ss {
		items[i] = sdk.String(s)
	}
	return sdk.List(items...)
}

// Invalid returns an invalid_args error.
func Invalid(format string, args ...any) error {
	return sdk.Errorf(sdk.CodeInvalidArgs, format, args...)
}

package facade

import (
	"fmt"

	"github.com/aurahost/aura-host/effects"
)

// ShapeError says that an operation answered with a result the facade
// cannot decode: a field missing or of the wrong kind, or a value of the
// wrong size. A facade returns it as the cause of an *effects.Error with
// code internal (the caller cannot fix it: the plugin and the facade
// disagree), so errors.Is(err, effects.ErrInternal) matches it and
// errors.As(err, &shape) takes it apart.
type ShapeError struct {
	Op effects.OpID // the operation that answered
	// Field is the path of the offending value in the result: "" for the
	// result itself, then e.g. "public", "state.collected",
	// "shares[1].secret" or "[0].id" (an item of a list result).
	Field string
	Want  string // what the facade expected, e.g. "bytes" or "32 bytes"
	Got   string // what it found, e.g. "string" or "16 bytes" or "no such field"
}

// Error says which field of which result is wrong, and how.
func (e *ShapeError) Error() string {
	where := "result"
	if e.Field != "" {
		where = "result field " + e.Field
	}
	return fmt.Sprintf("unexpected result shape: %s: want %s, got %s", where, e.Want, e.Got)
}

// shapeError returns the internal *effects.Error a facade method returns
// for a result it cannot decode.
func shapeError(op effects.OpID, field, want, got string) *effects.Error {
	return &effects.Error{Code: effects.CodeInternal, Op: op, Err: &ShapeError{Op: op, Field: field, Want: want, Got: got}}
}

// argError returns the invalid_args *effects.Error of a call a facade
// method refuses to make because its Go arguments cannot be encoded.
func argError(op effects.OpID, format string, args ...any) *effects.Error {
	return &effects.Error{Code: effects.CodeInvalidArgs, Op: op, Message: fmt.Sprintf(format, args...)}
}

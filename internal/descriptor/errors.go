package descriptor

import "errors"

// ErrMalformed is matched by every descriptor that is not the wire form:
// a missing or unknown field, a wrong kind or length, too many or too
// long addresses, a validity out of bounds.
var ErrMalformed = errors.New("malformed descriptor")

// ErrBadSignature is matched by a descriptor whose signature does not
// verify under its own device key over its fields.
var ErrBadSignature = errors.New("descriptor signature does not verify")

// ErrExpired is matched by a descriptor whose expires_ms has passed.
var ErrExpired = errors.New("descriptor expired")

// ErrNotYetValid is matched by a descriptor issued further in the future
// than the clock skew allows.
var ErrNotYetValid = errors.New("descriptor issued in the future")

// ErrWrongKey is matched when the private key given to Sign is not the
// descriptor's device key.
var ErrWrongKey = errors.New("signing key is not the descriptor's device key")

// Error is why a descriptor was refused: which field, the reason in
// words, and the sentinel it matches (errors.Is).
type Error struct {
	// Field is the wire field at fault ("addresses[2]", "signature"), or
	// empty for the descriptor as a whole.
	Field string
	// Reason says what is wrong, for a person.
	Reason string
	// Err is one of the sentinels of this package.
	Err error
}

func (e *Error) Error() string {
	msg := e.Err.Error()
	if e.Field != "" {
		msg += ": " + e.Field
	}
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

package cover

import "github.com/aurahost/aura-host/effects"

// Error is an error of this package: a message saying what to do, and the
// effects sentinel whose code it carries (errors.Is(err, effects.ErrConflict)).
type Error struct {
	msg  string
	code *effects.Error
}

func (e *Error) Error() string { return e.msg }

// Unwrap returns the effects sentinel of the error's code.
func (e *Error) Unwrap() error { return e.code }

// Code is the effects error code the error carries.
func (e *Error) Code() effects.Code { return e.code.Code }

// The errors of the path state machine and of the service. Each wraps an
// effects sentinel, so a caller across the plugin boundary sees its code.
var (
	// ErrReplay: a path message whose id was already seen on the path
	// within the replay window. The message is dropped.
	ErrReplay = &Error{"cover: message id already seen on this path (a replay): dropped", effects.ErrConflict}
	// ErrPathNotEstablished: a message on a path still building. Establish
	// the path first (its first confirmed send does it).
	ErrPathNotEstablished = &Error{"cover: the path is still building: establish it before using it", effects.ErrConflict}
	// ErrPathExpired: the path outlived its TTL. Build a new path.
	ErrPathExpired = &Error{"cover: the path has expired: build a new one", effects.ErrConflict}
	// ErrPathTornDown: the path was torn down. Build a new path.
	ErrPathTornDown = &Error{"cover: the path was torn down: build a new one", effects.ErrConflict}
	// ErrWindowFull: the path's replay window holds as many ids as it may;
	// the message is dropped rather than remembered in unbounded memory.
	// The sender is sending faster than the window allows: build a new
	// path (or raise MaxWindow).
	ErrWindowFull = &Error{"cover: the path's replay window is full: message dropped; the sender must build a new path", effects.ErrExhausted}
	// ErrTooManyPaths: a peer has as many live inbound paths as it may;
	// the message on a new one is dropped until one expires.
	ErrTooManyPaths = &Error{"cover: the peer has too many live inbound paths: message dropped until one expires", effects.ErrExhausted}
	// ErrMalformed: a cover payload shorter than a path id and a message
	// id. It is dropped.
	ErrMalformed = &Error{"cover: malformed cover payload: want at least 32 bytes (path id, message id)", effects.ErrInvalidArgs}
)

package effects

import (
	"context"
	"errors"
	"fmt"
)

// Code classifies an effect failure. Codes cross the wire as these strings;
// PROTOCOL.md lists them for plugin authors.
type Code string

// The error codes.
const (
	// CodeUnknownOp: no handler serves the operation.
	CodeUnknownOp Code = "unknown_op"
	// CodeInvalidArgs: arguments missing, unexpected or of the wrong kind.
	CodeInvalidArgs Code = "invalid_args"
	// CodeDenied: the caller may not do this (authority, capability, guard).
	CodeDenied Code = "denied"
	// CodeUnavailable: the handler is not reachable now (plugin down,
	// restarting or failed). Retryable.
	CodeUnavailable Code = "unavailable"
	// CodeTimeout: the call's deadline passed.
	CodeTimeout Code = "timeout"
	// CodeCancelled: the caller cancelled the call.
	CodeCancelled Code = "cancelled"
	// CodeNotFound: the operation ran and the thing it looked for is absent.
	CodeNotFound Code = "not_found"
	// CodeConflict: the operation contradicts current state (a duplicate, a
	// transition from a terminal state).
	CodeConflict Code = "conflict"
	// CodeExhausted: a budget or quota is spent.
	CodeExhausted Code = "exhausted"
	// CodeInvalidConfig: Configure was given a config the plugin rejects.
	CodeInvalidConfig Code = "invalid_config"
	// CodeInternal: the handler failed in a way the caller cannot fix.
	CodeInternal Code = "internal"
	// CodeInvalidSignature: a signature does not verify over what it
	// claims to sign (an altered or re-encoded invitation, a forged
	// approval). The message says what was checked.
	CodeInvalidSignature Code = "invalid_signature"
	// CodeUnknownDevice: a key is not a device key of the authority it
	// claims to speak for (not in its journaled device set, or not the key
	// the deployment knows for that authority).
	CodeUnknownDevice Code = "unknown_device"
)

// Error is the typed error of an effect call. Callers match it by code with
// errors.Is against the sentinels below (errors.Is(err, ErrUnavailable)), or
// take it apart with errors.As.
type Error struct {
	Code      Code
	Op        OpID   // the operation, when known
	Plugin    string // the plugin that answered or should have, when known
	Message   string
	Retryable bool
	Err       error // the underlying cause, if any
}

func (e *Error) Error() string {
	msg := e.Message
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	prefix := string(e.Code)
	switch {
	case e.Op != "" && e.Plugin != "":
		prefix = fmt.Sprintf("%s (plugin %s): %s", e.Op, e.Plugin, e.Code)
	case e.Op != "":
		prefix = fmt.Sprintf("%s: %s", e.Op, e.Code)
	case e.Plugin != "":
		prefix = fmt.Sprintf("plugin %s: %s", e.Plugin, e.Code)
	}
	if msg == "" {
		return prefix
	}
	return prefix + ": " + msg
}

func (e *Error) Unwrap() error { return e.Err }

// Is matches the code sentinels: errors.Is(err, ErrDenied) is true for any
// *Error with code denied.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.sentinel() && t.Code == e.Code
}

func (e *Error) sentinel() bool {
	return e.Op == "" && e.Plugin == "" && e.Message == "" && e.Err == nil
}

// Sentinels, one per code, for errors.Is.
var (
	ErrUnknownOp     = &Error{Code: CodeUnknownOp}
	ErrInvalidArgs   = &Error{Code: CodeInvalidArgs}
	ErrDenied        = &Error{Code: CodeDenied}
	ErrUnavailable   = &Error{Code: CodeUnavailable, Retryable: true}
	ErrTimeout       = &Error{Code: CodeTimeout}
	ErrCancelled     = &Error{Code: CodeCancelled}
	ErrNotFound      = &Error{Code: CodeNotFound}
	ErrConflict      = &Error{Code: CodeConflict}
	ErrExhausted     = &Error{Code: CodeExhausted}
	ErrInvalidConfig = &Error{Code: CodeInvalidConfig}
	ErrInternal      = &Error{Code: CodeInternal}
	// ErrInvalidSignature matches invalid_signature errors.
	ErrInvalidSignature = &Error{Code: CodeInvalidSignature}
	// ErrUnknownDevice matches unknown_device errors.
	ErrUnknownDevice = &Error{Code: CodeUnknownDevice}
)

// ErrResultMismatch is wrapped by the internal error of a handler whose
// result does not match its operation's declaration: another kind than the
// declared result, or nested deeper than MaxDepth (OpSpec.CheckResult).
var ErrResultMismatch = errors.New("result does not match the operation's declaration")

// Errorf returns an *Error with the given code and a formatted message.
// Unavailable errors are marked retryable.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Retryable: code == CodeUnavailable}
}

// AsError turns any error into an *Error: an *Error in the chain is
// returned as is; context cancellation and deadlines become cancelled and
// timeout; everything else is internal, wrapping the original.
func AsError(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return &Error{Code: CodeTimeout, Err: err}
	case errors.Is(err, context.Canceled):
		return &Error{Code: CodeCancelled, Err: err}
	}
	return &Error{Code: CodeInternal, Err: err}
}

// ConflictError reports a second handler claiming an operation that
// another already serves. It names both.
type ConflictError struct {
	Op       OpID
	Existing string // provider already registered
	Claimant string // provider that tried to register
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("operation %s is served by both %q and %q: remove it from one of them", e.Op, e.Existing, e.Claimant)
}

// SendMayHaveHappened reports whether a send that failed with err may
// still have delivered its envelope — anything but a refusal before
// sending (denied, exhausted, invalid_args) — so that the sender treats
// its receipt chain to the peer as uncertain and restarts it.
func SendMayHaveHappened(err error) bool {
	e := AsError(err)
	if e == nil {
		return true
	}
	switch e.Code {
	case CodeDenied, CodeExhausted, CodeInvalidArgs:
		return false
	}
	return true
}

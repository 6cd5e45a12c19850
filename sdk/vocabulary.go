package sdk

import "github.com/aurahost/aura-host/effects"

// The effect vocabulary, re-exported so that a plugin imports only sdk.
// Each alias is the very type of package effects, not a copy.
type (
	// Value is the tagged union of arguments, results and config values.
	Value = effects.Value
	// Field is one entry of a map Value.
	Field = effects.Field
	// Kind is the kind of a Value or of a schema slot.
	Kind = effects.Kind
	// Call is one effect invocation as a handler receives it.
	Call = effects.Call
	// OpID names an operation as "family.operation".
	OpID = effects.OpID
	// OpSpec declares an operation's schema and properties.
	OpSpec = effects.OpSpec
	// Param declares one argument of an operation.
	Param = effects.Param
	// Determinism classifies what an operation depends on and changes.
	Determinism = effects.Determinism
	// ConfigField declares one attribute of the plugin's config {} block.
	ConfigField = effects.ConfigField
	// Error is the typed error a handler returns.
	Error = effects.Error
	// Code classifies an Error.
	Code = effects.Code
	// Mode is the execution mode (production, testing, simulation).
	Mode = effects.Mode
	// AuthorityID identifies the authority a plugin instance acts for.
	AuthorityID = effects.AuthorityID
)

// Kinds of values.
const (
	KindNull   = effects.KindNull
	KindBool   = effects.KindBool
	KindInt    = effects.KindInt
	KindUint   = effects.KindUint
	KindString = effects.KindString
	KindBytes  = effects.KindBytes
	KindList   = effects.KindList
	KindMap    = effects.KindMap
	KindAny    = effects.KindAny
)

// Determinism classes.
const (
	Pure        = effects.Pure
	ReadsWorld  = effects.ReadsWorld
	WritesWorld = effects.WritesWorld
)

// Error codes.
const (
	CodeUnknownOp        = effects.CodeUnknownOp
	CodeInvalidArgs      = effects.CodeInvalidArgs
	CodeDenied           = effects.CodeDenied
	CodeUnavailable      = effects.CodeUnavailable
	CodeTimeout          = effects.CodeTimeout
	CodeCancelled        = effects.CodeCancelled
	CodeNotFound         = effects.CodeNotFound
	CodeConflict         = effects.CodeConflict
	CodeExhausted        = effects.CodeExhausted
	CodeInvalidConfig    = effects.CodeInvalidConfig
	CodeInternal         = effects.CodeInternal
	CodeInvalidSignature = effects.CodeInvalidSignature
	CodeUnknownDevice    = effects.CodeUnknownDevice
)

// Execution modes.
const (
	Production = effects.Production
	Testing    = effects.Testing
	Simulation = effects.Simulation
)

// Null returns the null Value.
func Null() Value { return effects.Null() }

// Bool returns a bool Value.
func Bool(b bool) Value { return effects.Bool(b) }

// Int returns a signed integer Value.
func Int(i int64) Value { return effects.Int(i) }

// Uint returns an unsigned integer Value.
func Uint(u uint64) Value { return effects.Uint(u) }

// String returns a string Value.
func String(s string) Value { return effects.String(s) }

// Bytes returns a bytes Value holding a copy of b.
func Bytes(b []byte) Value { return effects.Bytes(b) }

// List returns a list Value.
func List(items ...Value) Value { return effects.List(items...) }

// Map returns a map Value with sorted keys.
func Map(m map[string]Value) Value { return effects.Map(m) }

// Errorf returns a typed error with a code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return effects.Errorf(code, format, args...)
}

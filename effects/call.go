package effects

import "context"

// Call is one effect invocation: the operation, its arguments, and the
// scope it runs in. Deadline and cancellation travel in the context.Context
// that accompanies it.
type Call struct {
	Op        OpID
	Args      Value // a map Value, or null for no arguments
	Authority AuthorityID
	Context   ContextID
	Session   SessionID
}

// Arg returns the named argument, or null if it is absent.
func (c *Call) Arg(name string) Value {
	v, _ := c.Args.Get(name)
	return v
}

// Result is the outcome of a call, as recorded in traces and carried on
// streams: a value, or a typed error.
type Result struct {
	Value Value
	Err   *Error
}

// Handler answers effect calls. In-process handlers and plugin clients
// implement the same interface, so callers cannot tell them apart.
//
// Invoke must honour ctx: return promptly once it is cancelled or its
// deadline passes. Errors should be *Error; others are treated as internal.
type Handler interface {
	Invoke(ctx context.Context, call *Call) (Value, error)
}

// HandlerFunc adapts a function to the Handler interface.
type HandlerFunc func(ctx context.Context, call *Call) (Value, error)

// Invoke calls f.
func (f HandlerFunc) Invoke(ctx context.Context, call *Call) (Value, error) { return f(ctx, call) }

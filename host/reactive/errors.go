package reactive

import (
	"errors"
	"fmt"

	"github.com/aurahost/aura-host/effects"
)

// Every error the pipeline returns to a caller is an *effects.Error, so
// that an operation answers it as is and errors.Is(err, effects.ErrNotFound)
// works on it:
//
//   - invalid_args: a definition that is malformed (its message names the
//     field and says what to write), a cycle of derived signals, an
//     emitted value over MaxValueBytes;
//   - not_found: a signal, or a definition's input, that is not registered;
//   - conflict: another definition under a taken name, without replace;
//   - denied: an emit to a signal that is not an application signal;
//   - exhausted: more than MaxSignals signals or MaxSubscribers
//     subscriptions;
//   - unavailable: the pipeline has not started or has stopped.

// ErrStopped is the cause of the unavailable errors of a pipeline that has
// stopped.
var ErrStopped = errors.New("the reactive pipeline has stopped")

// ErrNotStarted is the cause of the unavailable errors of a pipeline that
// has not started yet.
var ErrNotStarted = errors.New("the reactive pipeline has not started yet")

func invalid(op effects.OpID, format string, args ...any) *effects.Error {
	return &effects.Error{Code: effects.CodeInvalidArgs, Op: op, Message: fmt.Sprintf(format, args...)}
}

func notFound(op effects.OpID, name string) *effects.Error {
	return &effects.Error{Code: effects.CodeNotFound, Op: op,
		Message: fmt.Sprintf("no signal %q is registered: register it first (reactive.list shows those that are)", name)}
}

func unavailable(op effects.OpID, cause error) *effects.Error {
	return &effects.Error{Code: effects.CodeUnavailable, Op: op, Message: cause.Error(), Err: cause, Retryable: true}
}

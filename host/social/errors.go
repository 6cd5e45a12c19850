package social

import (
	"errors"
	"fmt"

	"github.com/aurahost/aura-host/effects"
)

// ErrNotStarted: an operation reached a service that has not started, or
// has stopped.
var ErrNotStarted = errors.New("social: the service is not running")

// DiversityError refuses a privacy path: fewer distinct homes than the
// floor have a usable relay for the destination.
type DiversityError struct {
	Destination effects.AuthorityID
	Homes       int // distinct homes among the usable candidates
	Floor       int // the homes a privacy path needs
	Candidates  int // relay candidates in the neighbourhood
	Unhealthy   int // of which excluded for their health
}

func (e *DiversityError) Error() string {
	return fmt.Sprintf("social: no privacy path to %s: it needs relays from at least %d distinct homes and only %d are usable "+
		"(%d candidates in the neighbourhood, %d excluded for their health); accept invitations from peers in other homes, "+
		"wait for the unhealthy relays to recover, or turn privacy mode off",
		e.Destination, e.Floor, e.Homes, e.Candidates, e.Unhealthy)
}

// Effect turns the refusal into the typed error an operation returns.
func (e *DiversityError) Effect(op effects.OpID) *effects.Error {
	return &effects.Error{Code: effects.CodeUnavailable, Op: op, Message: e.Error(), Err: e}
}

// opError is how an operation reports a Go error: a typed effects error
// is kept, anything else becomes internal.
func opError(op effects.OpID, err error) error {
	var de *DiversityError
	if errors.As(err, &de) {
		return de.Effect(op)
	}
	var ee *effects.Error
	if errors.As(err, &ee) {
		return err
	}
	if errors.Is(err, ErrNotStarted) {
		return &effects.Error{Code: effects.CodeUnavailable, Op: op, Message: err.Error(), Err: err}
	}
	return &effects.Error{Code: effects.CodeInternal, Op: op, Message: err.Error(), Err: err}
}

func invalid(op effects.OpID, format string, args ...any) error {
	return &effects.Error{Code: effects.CodeInvalidArgs, Op: op, Message: fmt.Sprintf(format, args...)}
}

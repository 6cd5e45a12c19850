package supervise

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aurahost/aura-host/host/owned"
	"github.com/hashicorp/hcl/v2"
)

// ErrUnpinned marks the refusal to run, in production, a command plugin
// with no sha256 whose block does not set allow_unpinned = true.
var ErrUnpinned = errors.New("command plugin has no sha256 pin")

// LaunchError reports a plugin that could not be started. It names the
// plugin, says what went wrong, and what the operator can do about it.
type LaunchError struct {
	Plugin string
	// Reason is what went wrong, in a few words.
	Reason string
	// Hint is what to do about it.
	Hint string
	Err  error
}

func (e *LaunchError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "plugin %q: %s", e.Plugin, e.Reason)
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	if e.Hint != "" {
		fmt.Fprintf(&b, "\n  hint: %s", e.Hint)
	}
	return b.String()
}

func (e *LaunchError) Unwrap() error { return e.Err }

// ChecksumError reports a plugin binary whose SHA-256 differs from the one
// pinned in the deployment. The binary is not executed.
type ChecksumError struct {
	Path     string
	Expected []byte
	Actual   []byte
}

func (e *ChecksumError) Error() string {
	return fmt.Sprintf("%s has sha256 %x, but the deployment pins %x", e.Path, e.Actual, e.Expected)
}

// DiagnosticsError carries configuration mistakes found while starting a
// deployment (a plugin's config block, two plugins claiming an operation),
// each placed at its line of the user's file. Print it with
// config.WriteDiagnostics.
type DiagnosticsError struct {
	Diagnostics hcl.Diagnostics
	// Cause, when set, is the error the diagnostics describe (an
	// *UnsafePathError for a state directory), for errors.As.
	Cause error
}

func (e *DiagnosticsError) Error() string {
	return e.Diagnostics.Error()
}

func (e *DiagnosticsError) Unwrap() error { return e.Cause }

// SplitDiagnostics separates the configuration mistakes a start-up error
// carries (every *DiagnosticsError in its tree of joined errors, in order)
// from the rest: ok is false when it carries none; rest joins the other
// errors (nil when there are none), to be printed after the diagnostics.
func SplitDiagnostics(err error) (diags hcl.Diagnostics, rest error, ok bool) {
	var others []error
	var walk func(error)
	walk = func(e error) {
		if joined, isJoin := e.(interface{ Unwrap() []error }); isJoin {
			for _, inner := range joined.Unwrap() {
				walk(inner)
			}
			return
		}
		var de *DiagnosticsError
		if errors.As(e, &de) {
			diags = append(diags, de.Diagnostics...)
			ok = true
			return
		}
		others = append(others, e)
	}
	if err != nil {
		walk(err)
	}
	if !ok {
		return nil, nil, false
	}
	return diags, errors.Join(others...), true
}

// UnsafePathError is owned.UnsafePathError: a state or socket path another
// user could have written, which the host refuses to use.
type UnsafePathError = owned.UnsafePathError

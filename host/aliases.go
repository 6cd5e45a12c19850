package host

import (
	"errors"

	"github.com/aurahost/aura-host/host/admin"
	"github.com/aurahost/aura-host/host/owned"
	"github.com/aurahost/aura-host/host/supervise"
)

// The names below are defined by the packages that own them; host repeats
// them as aliases so that a program embedding a host needs one import.

// ErrShutdown is returned by calls made after the host began shutting down.
var ErrShutdown = errors.New("host is shutting down")

// ErrNotYourMail is in the chain of the denial of a receive whose
// destination is not the calling authority.
var ErrNotYourMail = errors.New("receive for another authority")

// ErrNotRestartable marks a plugin that cannot be restarted in process
// (Host.RestartPluginInProcess): it runs as a process, or is shared.
var ErrNotRestartable = supervise.ErrNotRestartable

type (
	// LaunchError reports a plugin that could not be started.
	LaunchError = supervise.LaunchError
	// ChecksumError reports a plugin binary that differs from its pin.
	ChecksumError = supervise.ChecksumError
	// UnsafePathError reports a state directory, socket directory, admin
	// address file or admin socket another user could have replaced.
	UnsafePathError = owned.UnsafePathError
	// DiagnosticsError carries configuration mistakes placed in the
	// user's file.
	DiagnosticsError = supervise.DiagnosticsError
	// PluginStatus is a snapshot of one plugin.
	PluginStatus = supervise.PluginStatus
	// Event is a plugin's state transition.
	Event = supervise.Event
	// State is where a plugin is in its life.
	State = supervise.State
	// AdminStatus is what the admin endpoint's status returns.
	AdminStatus = admin.Status
)

// The states of a plugin (supervise's).
const (
	StateIdle       = supervise.StateIdle
	StateStarting   = supervise.StateStarting
	StateReady      = supervise.StateReady
	StateDegraded   = supervise.StateDegraded
	StateRestarting = supervise.StateRestarting
	StateFailed     = supervise.StateFailed
	StateStopping   = supervise.StateStopping
	StateStopped    = supervise.StateStopped
)

// SplitDiagnostics separates the configuration mistakes of a start-up
// error (a *DiagnosticsError) from the other errors joined with them.
var SplitDiagnostics = supervise.SplitDiagnostics

// Policy is how one plugin is supervised (Config.Policies); its parts are
// the deployment's config.Health, config.Restart and config.Call.
type Policy = supervise.Policy

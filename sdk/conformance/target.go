package conformance

import (
	"context"

	"github.com/aurahost/aura-host/sdk"
)

// A Target is a plugin the suite can start. The suite starts it more than
// once: a process may be configured only once, and one instance is given a
// bad config on purpose.
type Target interface {
	// Launch starts one instance of the plugin and connects to it: for a
	// process, go-plugin's handshake. An error is a failed handshake and
	// should say what the plugin did.
	Launch(ctx context.Context) (*Instance, error)
}

// Instance is one started plugin.
type Instance struct {
	// Client is the host's side of the connection.
	Client *sdk.Client
	// Shutdown asks the plugin to exit as the host does at shutdown
	// (go-plugin's GRPCController.Shutdown) and reports what happened: nil
	// if it exited in time and left nothing running. Nil for a target
	// that has no process of its own (the shutdown check is skipped).
	Shutdown func(ctx context.Context) error
	// InProcess is true for a plugin served in this process: there is no
	// handshake to check.
	InProcess bool
	// Close releases the instance whatever state it is in (a process's
	// group is killed); it is idempotent.
	Close func()
}

// A CookieTarget can also be started the way a person would start it by
// hand, without the magic cookie; the cookie check runs only on such a
// target.
type CookieTarget interface {
	Target
	// StartWithoutCookie runs the plugin without the magic cookie in its
	// environment and reports what it did: nil if it printed no handshake
	// line and exited non-zero in time.
	StartWithoutCookie(ctx context.Context) error
}

package syncer

import "errors"

var (
	// ErrClosed is returned by SyncAll once Run has ended (or before it
	// started).
	ErrClosed = errors.New("syncer: not running")
	// ErrUnknownPeer is returned by Sync for an authority that is not a
	// configured peer.
	ErrUnknownPeer = errors.New("syncer: not a configured peer")
	// ErrBusy is a round the peer declined because it was in a round with
	// another peer until the round's deadline.
	ErrBusy = errors.New("syncer: peer busy")
	// ErrRoundTimeout is a round that did not finish within
	// Config.RoundTimeout.
	ErrRoundTimeout = errors.New("syncer: round timed out")
)

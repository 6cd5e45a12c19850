package transport

import (
	"errors"
	"strings"

	"github.com/aurahost/aura-host/plugins/internal/transportops"
)

// ErrInvalidConfig marks every mistake in a Config or a RelayConfig: a
// *ConfigError wraps it, so errors.Is(err, ErrInvalidConfig) tells a
// configuration mistake from a failure to listen.
var ErrInvalidConfig = errors.New("invalid transport configuration")

// ErrRekey is matched (errors.Is) when a descriptor names a peer that is
// already configured, or learnt, with another key: a descriptor never
// re-keys a peer. A device whose key changed is configured again by its
// operator. It is the family's (transportops), which sim-network refuses
// with too.
var ErrRekey = transportops.ErrRekey

// ErrStaleDescriptor is matched when a descriptor is older (a lower seq)
// than the one the node already learnt for the peer: a replayed old
// descriptor must not move a peer back to addresses it left.
var ErrStaleDescriptor = transportops.ErrStaleDescriptor

// ConfigError is one mistake in a Config or RelayConfig: where it is, in
// the plugin's config attributes (["relays", "0", "public_key"]), what is
// wrong and what to do about it. The plugin places it on that attribute of
// the user's config block.
type ConfigError struct {
	// Path is the config attribute, then the keys and list indices inside
	// it, as the plugin's config names them.
	Path []string
	// Problem says what is wrong.
	Problem string
	// Fix says what to do.
	Fix string
}

func (e *ConfigError) Error() string {
	msg := e.Problem
	if len(e.Path) > 0 {
		msg = strings.Join(e.Path, ".") + ": " + msg
	}
	if e.Fix != "" {
		msg += " (" + e.Fix + ")"
	}
	return msg
}

// Unwrap makes every ConfigError an ErrInvalidConfig.
func (e *ConfigError) Unwrap() error { return ErrInvalidConfig }

func configErr(path []string, fix, problem string) *ConfigError {
	return &ConfigError{Path: path, Problem: problem, Fix: fix}
}

package effects

import (
	"fmt"
	"strings"
)

// OpID names an operation as "family.operation", e.g. "crypto.ed25519_sign".
// Both parts are lower-case identifiers: a letter, then letters, digits and
// underscores. Construct OpIDs with ParseOpID (or MustOpID for constants).
type OpID string

// MaxOpIDBytes bounds an operation ID. IDs arrive from plugins' Describe,
// peers' calls and the admin socket; the longest the project declares is
// 38 bytes, and a bound keeps a hostile one from filling the registry and
// every error message and log line that names it.
const MaxOpIDBytes = 128

// ParseOpID validates s and returns it as an OpID.
func ParseOpID(s string) (OpID, error) {
	if len(s) > MaxOpIDBytes {
		return "", fmt.Errorf("operation %q… is %d bytes; an operation ID may have at most %d", s[:32], len(s), MaxOpIDBytes)
	}
	family, op, ok := strings.Cut(s, ".")
	if !ok {
		return "", fmt.Errorf("operation %q: want family.operation, e.g. crypto.hash", s)
	}
	if err := checkIdent(family); err != nil {
		return "", fmt.Errorf("operation %q: family %w", s, err)
	}
	if err := checkIdent(op); err != nil {
		return "", fmt.Errorf("operation %q: operation name %w", s, err)
	}
	return OpID(s), nil
}

// MustOpID is ParseOpID for identifiers known at compile time; it panics on
// an invalid ID, which is a programmer error.
func MustOpID(s string) OpID {
	id, err := ParseOpID(s)
	if err != nil {
		panic(err)
	}
	return id
}

func checkIdent(s string) error {
	if s == "" {
		return fmt.Errorf("is empty")
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z':
		case i > 0 && (r >= '0' && r <= '9' || r == '_'):
		default:
			return fmt.Errorf("%q must be a lower-case letter followed by lower-case letters, digits or '_'", s)
		}
	}
	return nil
}

// Family returns the part before the dot ("crypto").
func (id OpID) Family() string {
	f, _, _ := strings.Cut(string(id), ".")
	return f
}

// Operation returns the part after the dot ("ed25519_sign").
func (id OpID) Operation() string {
	_, op, _ := strings.Cut(string(id), ".")
	return op
}

func (id OpID) String() string { return string(id) }

// MatchOp reports whether op matches a capability pattern: an exact ID, a
// whole family ("invitation.*"), or everything ("*").
func MatchOp(pattern string, op OpID) bool {
	if pattern == "*" {
		return true
	}
	if fam, ok := strings.CutSuffix(pattern, ".*"); ok {
		return op.Family() == fam
	}
	return pattern == string(op)
}

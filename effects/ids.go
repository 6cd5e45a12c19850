package effects

import (
	"encoding/hex"
	"fmt"
	"strings"

	"lukechampine.com/blake3"
)

// ID is a 16-byte platform identifier. The typed identifiers below share its
// representation and differ in the prefix they print with.
type ID [16]byte

// AuthorityID identifies an authority (an account held by its devices).
type AuthorityID ID

// ContextID identifies a relational context between authorities.
type ContextID ID

// SessionID identifies a protocol or coordination session.
type SessionID ID

// DeviceID identifies a device of an authority.
type DeviceID ID

// GuardianID identifies a guardian of an authority.
type GuardianID ID

// Prefixes of the printed identifiers.
const (
	authorityPrefix = "authority-"
	contextPrefix   = "context-"
	sessionPrefix   = "session-"
	devicePrefix    = "device-"
	guardianPrefix  = "guardian-"
)

// DeriveID derives an identifier deterministically from a domain, a label
// and a seed: the first 16 bytes of BLAKE3("aura-id/v1" | domain | label |
// seed). Deterministic modes use it instead of randomness.
func DeriveID(domain, label string, seed uint64) ID {
	h := blake3.New(32, nil)
	h.Write([]byte("aura-id/v1\x00" + domain + "\x00" + label + "\x00"))
	var s [8]byte
	for i := range s {
		s[i] = byte(seed >> (8 * (7 - i)))
	}
	h.Write(s[:])
	var id ID
	copy(id[:], h.Sum(nil))
	return id
}

// DeriveAuthorityID derives an authority ID from a label and a seed.
func DeriveAuthorityID(label string, seed uint64) AuthorityID {
	return AuthorityID(DeriveID("authority", label, seed))
}

// DeriveContextID derives a context ID from a label and a seed.
func DeriveContextID(label string, seed uint64) ContextID {
	return ContextID(DeriveID("context", label, seed))
}

// DeriveSessionID derives a session ID from a label and a seed.
func DeriveSessionID(label string, seed uint64) SessionID {
	return SessionID(DeriveID("session", label, seed))
}

func (id AuthorityID) String() string { return authorityPrefix + hex.EncodeToString(id[:]) }
func (id ContextID) String() string   { return contextPrefix + hex.EncodeToString(id[:]) }
func (id SessionID) String() string   { return sessionPrefix + hex.EncodeToString(id[:]) }
func (id DeviceID) String() string    { return devicePrefix + hex.EncodeToString(id[:]) }
func (id GuardianID) String() string  { return guardianPrefix + hex.EncodeToString(id[:]) }

// IsZero reports whether the authority is unset.
func (id AuthorityID) IsZero() bool { return id == AuthorityID{} }

// IsZero reports whether the context is unset.
func (id ContextID) IsZero() bool { return id == ContextID{} }

// IsZero reports whether the session is unset.
func (id SessionID) IsZero() bool { return id == SessionID{} }

// ParseAuthorityID parses "authority-<32 hex digits>".
func ParseAuthorityID(s string) (AuthorityID, error) {
	id, err := parseID(s, authorityPrefix)
	return AuthorityID(id), err
}

// ParseContextID parses "context-<32 hex digits>".
func ParseContextID(s string) (ContextID, error) {
	id, err := parseID(s, contextPrefix)
	return ContextID(id), err
}

// ParseSessionID parses "session-<32 hex digits>".
func ParseSessionID(s string) (SessionID, error) {
	id, err := parseID(s, sessionPrefix)
	return SessionID(id), err
}

func parseID(s, prefix string) (ID, error) {
	var id ID
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok {
		return id, fmt.Errorf("identifier %q: want %s followed by 32 hex digits", s, prefix)
	}
	b, err := hex.DecodeString(rest)
	if err != nil || len(b) != len(id) {
		return id, fmt.Errorf("identifier %q: want %s followed by 32 hex digits", s, prefix)
	}
	copy(id[:], b)
	return id, nil
}

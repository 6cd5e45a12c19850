package config

import (
	"strings"
	"unicode"
)

// MaxNameLength bounds a name (deployment, plugin, service, agent, peer,
// run): a name becomes a directory under the state directory, so a longer
// one would fail only when `run` creates it (a path component is at most
// 255 bytes), or fill logs.
const MaxNameLength = 64

// validName reports whether s is a lower-case identifier of at most
// MaxNameLength bytes: a letter a-z, then letters a-z, digits or '_'.
// Plugin and deployment names follow it because they end up in operation
// logs, socket directories and paths.
func validName(s string) bool {
	if s == "" || len(s) > MaxNameLength {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z':
		case i > 0 && (r >= '0' && r <= '9' || r == '_'):
		default:
			return false
		}
	}
	return true
}

// nameRule is the sentence that explains validName to a user.
const nameRule = `a lower-case letter followed by lower-case letters, digits or "_"`

// fixName proposes a valid name close to s ("Echo-Plugin" → "echo_plugin"),
// or "" when nothing sensible is left.
func fixName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '_' || r == '-' || r == '.' || unicode.IsSpace(r):
			b.WriteByte('_')
		}
	}
	out := strings.TrimLeft(b.String(), "_0123456789")
	if !validName(out) {
		return ""
	}
	return out
}

// validBuiltinName reports whether s could name a built-in plugin: lower-case
// letters, digits, '-' and '_', starting with a letter ("sim-clock").
func validBuiltinName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z':
		case i > 0 && (r >= '0' && r <= '9' || r == '_' || r == '-'):
		default:
			return false
		}
	}
	return true
}

// upperFirst capitalises the first letter of a sentence.
func upperFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

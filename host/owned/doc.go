// Package owned decides whether the host may trust a path: a state
// directory, socket directory, admin socket or address file is used only
// if the running user owns it, group and others cannot write it, and every
// directory above it is the user's or root's and not writable by others
// unless sticky — the rule ssh applies to its files. A path that fails is
// an *UnsafePathError naming the chmod or chown that fixes it, and nothing
// is read from, written to or connected through it.
//
// It imports nothing of the project: host, host/supervise and host/admin
// all check their paths through it, on the one rule.
package owned

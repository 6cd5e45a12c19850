// Package servicetest is the test bench of the built-in service plugins: a
// fake host (Host) that serves, in memory, the journal, clock, random and
// crypto operations a service calls — with a virtual clock that moves only
// when the test says so — and Start, which serves a service plugin over
// real gRPC with sdktest, wired to such a host, and starts it. The helpers
// that build arguments and check what operations answer are plugintest's,
// shared with the other plugins' tests.
//
// The fake journal is content-addressed like the real one (appending the
// same fact twice stores it once and returns the same id), and lists facts
// in the order of their ids rather than of their insertion, so a service
// that relied on insertion order would fail its tests.
//
// It is imported only by tests.
package servicetest

// Package plugins is the catalogue of aura-host's first-party plugins: the
// effect handlers (crypto, storage, clock, random, console) and the
// services of AURA-SPEC §5 (session, auth, invitation, recovery,
// rendezvous) that a deployment names with builtin = "NAME", and that
// aura-host serves by re-executing itself as `aura-host plugin serve NAME`.
//
// Each plugin lives in its own package under plugins/ and exposes
// New() *sdk.Plugin; this package only maps names to those constructors.
// To add a built-in, write its package and add one line to the catalogue
// in builtins.go; a test checks that every entry's declaration is valid and
// carries the name it is listed under.
//
// A plugin imports only sdk, effects, internal/vclock and the plugins'
// shared internals under plugins/internal from the project, never another
// plugin (internal/archtest enforces it, test files included): a built-in
// is written as a third-party plugin would be, a plugin loaded alone drags
// no other in, and only this catalogue imports them all.
//
// A simulation plugin stands in for a real one: it serves the very
// operations the real one does, declared once for both in a package per
// family — plugins/internal/clockops (clock and sim-clock: the operations
// and the logical clock), networkops (transport and sim-network: the
// operations and the envelope), randomops (random and sim-random: the
// operations, their stream and its key) and storageops (storage and
// sim-storage: the operations and their argument readers) — and describes
// them in its own words with plugins/internal/standin, so that swapping one
// for the other breaks no caller. This package's tests check that the
// pairs still agree (standin_test.go): TestSimulationPluginsStandIn
// compares their operations, and others their config and behaviour.
//
// The service plugins also share plugins/internal/service — the lifecycle
// of a service whose state is rebuilt from journal facts, and the effects
// it calls through the host — and test against
// plugins/internal/servicetest's fake host. Every plugin's tests share
// plugins/internal/plugintest's helpers.
package plugins

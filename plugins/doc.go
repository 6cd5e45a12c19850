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
// Packages under plugins/ import only sdk and effects from the project
// (and each other: this catalogue imports them all, and a simulation
// plugin the plugin it stands in for): a built-in is written exactly as a
// third-party plugin would be. A simulation plugin serves the operations
// the package of the plugin it stands in for declares (storage.Operations,
// random.Operations, clock.Operations, transport.Operations), describing
// them in its own words with plugins/internal/standin, so that swapping one
// for the other breaks no caller; TestSimulationPluginsStandIn checks it.
// The service plugins also share plugins/internal/service — the lifecycle
// of a service whose state is rebuilt from journal facts, and the effects
// it calls through the host — and test against
// plugins/internal/servicetest's fake host. Every plugin's tests share
// plugins/internal/plugintest's helpers.
package plugins

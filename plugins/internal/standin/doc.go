// Package standin is what a simulation plugin uses to stand in for another
// plugin: it serves the operations that both plugins build from their
// family's shared package (plugins/internal/clockops, networkops,
// randomops, storageops) — so their IDs, parameters, result kinds,
// idempotence and determinism are declared once, and a swap by HCL breaks
// no caller — with its own handlers, and describes them in its own words
// (Describe).
//
// Invariants a newcomer must not break:
//
//   - Describe changes only Doc strings, never what makes an operation's
//     signature; TestSimulationPluginsStandIn in plugins checks the result.
//   - A doc for an operation or parameter that is not there is a
//     programmer error and panics, so that a renamed operation cannot leave
//     a stale description behind unnoticed.
//
// The package imports only sdk from the project.
package standin

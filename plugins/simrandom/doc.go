// Package simrandom is the built-in simulation random plugin,
// "sim-random": the operations of the "random" family — the same ones as
// the random plugin, so a deployment swaps it in by HCL — drawn in every
// mode, production included, from seeded streams.
//
// Each authority has its own stream: ChaCha8 keyed by BLAKE3's key
// derivation over (seed, authority) — randomops.StreamKey, the derivation
// of the random plugin's testing and simulation modes too — and consumed
// by the operations both plugins build from plugins/internal/randomops
// (randomops.Operations, drawing from this package's per-authority
// Source). Swapping sim-random in for random in a
// seeded mode therefore changes no value, and one sim-random instance
// serving several agents gives each the stream it would have had alone.
//
// An instance of one authority (each agent's, as a host configures it)
// keys that authority's stream by a draw epoch it claims from its state
// directory at each configuration (randomops.ClaimStream,
// plugins/internal/drawepoch): the first configuration of a run draws in
// epoch 0, the stream above; a restarted instance goes on with a new
// epoch's stream rather than giving its first draws again.
//
// Invariants a newcomer must not break:
//
//   - The same seed, authority and sequence of calls give the same values,
//     whatever other authorities draw in between. The derivation, the
//     stream and the way each operation consumes it are part of the
//     plugin's contract; a test pins them.
//   - random_range is unbiased (rejection sampling), never a plain modulo.
//
// This plugin is for tests and simulations: its values are predictable to
// anyone who knows the seed. Production deployments use the random plugin.
//
// The package imports only sdk and effects from the project, and
// plugins/internal/randomops (and, through it, drawepoch) and
// plugins/internal/standin for the
// operations it shares with the random plugin; never plugins/random
// itself. The test that it gives the random plugin's seeded values lives in
// package plugins (standin_test.go).
package simrandom

// Package random is the built-in random plugin: random bytes, integers,
// unbiased ranges and version-4 UUIDs. Its operations form the "random"
// family; New returns the plugin declaration, served by aura-host as
// `aura-host plugin serve random`.
//
// Invariants a newcomer must not break:
//
//   - In production every value comes from the operating system's CSPRNG
//     (crypto/rand).
//   - In the testing and simulation modes every value comes from one
//     ChaCha8 stream keyed by BLAKE3(seed, authority): the same seed and
//     authority give the same values for the same sequence of calls, which
//     is what makes a recorded trace replay. The derivation, the stream and
//     the way each operation consumes it are therefore part of the
//     plugin's contract; a test pins them.
//   - A restart never repeats a draw: each configuration in those modes
//     claims a draw epoch from the state directory
//     (plugins/internal/drawepoch, recorded durably before any draw) and
//     keys its stream by (seed, authority, epoch); the first
//     configuration of a host run is epoch 0, the stream above, and a
//     restarted plugin goes on with a new epoch's stream. A configuration
//     with no state directory is refused rather than risk a repeat.
//   - random_range is unbiased (rejection sampling), never a plain modulo.
//
// The operations (declarations and handlers, drawing from a Source) and the
// stream key derivation live in plugins/internal/randomops, shared with
// sim-random, which serves the same operations from a stream per
// authority: one declaration, one way of consuming a stream, and so the
// same values for the same seed.
//
// The package imports only sdk and plugins/internal/randomops from the
// project.
package random

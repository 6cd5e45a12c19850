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

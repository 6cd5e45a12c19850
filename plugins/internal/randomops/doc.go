// Package randomops is what the random plugin and sim-random, its
// seeded stand-in, share: the declarations and handlers of the "random"
// family's operations (Operations, drawing from the Source each plugin
// passes), the Stream they draw from, the derivation of a seeded stream's
// key (StreamKey) and the bound on random_bytes (MaxBytes). Because both
// plugins consume their streams through the same handlers, swapping
// sim-random in for random in a seeded mode changes no value.
//
// Invariants a newcomer must not break:
//
//   - StreamKey's derivation (BLAKE3 over seed and authority, with its
//     context string), the ChaCha8 stream it keys, and the way each
//     operation consumes a stream — what it reads, in which order — are
//     the contract of every seeded value: recorded traces replay only while
//     they hold. The plugins' tests pin the first values of one stream.
//   - random_range is unbiased: below samples by rejection, never a plain
//     modulo, and is written out rather than taken from math/rand/v2 so the
//     values stay the same across Go releases.
//   - The package holds no stream: a Source decides where each call draws.
//
// The package imports only sdk and effects from the project, never a
// plugin: it is imported by plugins/random and plugins/simrandom.
package randomops

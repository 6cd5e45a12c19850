// Package journal is the built-in journal plugin: a durable, content-
// addressed set of facts backed by one bbolt database file, with in-memory
// indexes by type, predicate, authority and time (rebuilt from the facts
// when the file is opened), a Bloom filter for might_contain, an
// RFC 6962 Merkle tree over the sorted fact IDs for roots and inclusion
// proofs, a registry of reducers that turn the facts of a type into views,
// and the flow budgets of AURA-SPEC §6. Its operations form the "journal"
// family; New returns the plugin declaration, served by aura-host as
// `aura-host plugin serve journal`.
//
// A fact is a map Value with at least type (string), authority (bytes or
// string), time (int, milliseconds), predicate (string) and body (any). Its
// ID is BLAKE3-256 of its canonical encoding (effects.Value.Canonical), so
// the same fact always has the same ID, wherever and whenever it was made.
//
// Invariants a newcomer must not break:
//
//   - The journal is a set, merged by union: appending a fact twice, or
//     merging the same facts in any order or split into any batches, gives
//     the same state — the same get_journal, merkle_root and views. Nothing
//     that is observable may depend on insertion order; every list is
//     ordered by fact ID (or by time, then ID), and reducers see facts
//     sorted by ID.
//   - The facts bucket is the only source of truth. A write's facts are
//     committed and fsynced in one bbolt transaction before the call
//     returns, so an acknowledged fact survives a crash. Everything else
//     — the indexes, the Bloom filter, the Merkle tree — is derived: built
//     from the facts (the indexes and the filter on open, the tree when it
//     is first asked for), and changed only after a transaction has
//     committed (a failed one changes nothing), under the lock readers
//     hold for their whole call, so an index never names a fact that is
//     not stored. Nothing derived is written to the file.
//   - The Merkle tree's leaves are the fact IDs in byte order, so a root is
//     reproducible from the set alone, and a proof is a real RFC 6962
//     inclusion proof, never a set lookup.
//   - A flow budget never grants headroom it was not given: a missing budget
//     is exhausted, and a new epoch is the only thing that resets spent.
//
// The package imports only sdk and effects from the project.
package journal

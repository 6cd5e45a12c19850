// Package journal is the built-in journal plugin: a durable, content-
// addressed set of facts backed by one bbolt database file, with indexes by
// type, predicate, authority and time, a Bloom filter for might_contain, an
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
//   - A fact and all its index entries are written in one bbolt
//     transaction, committed and fsynced before the call returns: an index
//     never names a fact that is not stored, and an acknowledged fact
//     survives a crash.
//   - The Merkle tree's leaves are the fact IDs in byte order, so a root is
//     reproducible from the set alone, and a proof is a real RFC 6962
//     inclusion proof, never a set lookup.
//   - A flow budget never grants headroom it was not given: a missing budget
//     is exhausted, and a new epoch is the only thing that resets spent.
//
// The package imports only sdk and effects from the project.
package journal

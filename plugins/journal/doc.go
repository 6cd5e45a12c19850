// Package journal is the built-in journal plugin: a durable, content-
// addressed set of facts backed by one bbolt database file, with in-memory
// indexes by type, predicate, authority and time (rebuilt from the facts
// when the file is opened), a Bloom filter for might_contain, a binary
// Merkle (Patricia) trie of the fact IDs for roots and inclusion proofs,
// a second trie of the signed facts for anti-entropy sync, a registry of
// reducers that turn the facts of a type into views, and the flow budgets
// of AURA-SPEC §6. Its operations form the "journal" family; New returns
// the plugin declaration, served by aura-host as
// `aura-host plugin serve journal`.
//
// A fact is a map Value with at least type (string), authority (bytes or
// string), time (int, milliseconds), predicate (string) and body (any). Its
// ID is BLAKE3-256 of its canonical encoding (effects.Value.Canonical), so
// the same fact always has the same ID, wherever and whenever it was made.
//
// # The root
//
// merkle_root is the root of a binary Patricia trie keyed by the 256-bit
// fact IDs, bit 0 being the most significant bit of the first byte (so the
// trie's left-to-right order is byte order). With H = SHA-256:
//
//	leaf(id)                 = H(0x00 || id)                     32 + 1 bytes in
//	inner(bit, left, right)  = H(0x01 || bit || left || right)   bit: one byte, 0–255
//	root of the empty set    = H(0x02)
//	root(S), |S| = 1         = leaf(the ID)
//	root(S), |S| > 1         = inner(b, root(S0), root(S1)), where b is the first bit at
//	                           which the IDs of S differ, and Sc the IDs whose bit b is c
//
// The shape of the trie is a function of the set, so the root is too:
// it does not depend on arrival order, batches or restarts. Every kind of
// node has its own tag and an inner node commits to its split bit, so a
// leaf never passes for an inner node and two different sets never share
// a root (short of a SHA-256 collision). IDs are uniformly random, so the
// trie's depth is about log2 n, and adding a fact rehashes only its path:
// about 20 hashes at 1M facts (BENCHMARKS.md).
//
// A trie proof (inclusion_proof) is the path from the fact's leaf up: for
// each inner node on it, its split bit and its other child's hash. The
// verifier (VerifyTrieInclusion, or verify_fact_inclusion) rehashes from
// leaf(id) up, putting the running hash on the side the ID's own bit at
// the split says, and requires the bits to strictly decrease (as they do
// on a real path), so a proof has one form only.
//
// The RFC 6962 tree over the sorted IDs is still offered (merkle_root and
// inclusion_proof with rfc6962: true, proofs checked by VerifyInclusion)
// for clients that want a standard log proof. It is not incremental:
// inserting an ID in sorted order moves every leaf after it, so the tree
// is rebuilt, in linear time, by the first such request after a write,
// and is never what merkle_root returns by default.
//
// # Signed facts
//
// A signed fact has two more top-level fields: signer (bytes, a 32-byte
// Ed25519 public key) and signature (bytes, 64). The signature is
// Ed25519(signer's private key, "aura-fact/v1\x00" || canonical encoding
// of the fact map without its signature field) — the signer field is
// inside what is signed (FactSigningBytes, SignFact, VerifyFactSignature).
// The fact's ID covers the signature too; Ed25519 signatures are
// deterministic, so one key signing one fact always makes the same ID.
// Whether a signer may speak for the fact's authority is not the journal's
// knowledge: merge_signed takes the keys per authority from its caller.
//
// The signed facts are what anti-entropy sync exchanges: sync_root (a
// second trie, over the signed facts' IDs), sync_digest (a salted Bloom
// filter of them), sync_missing (those a peer's filter lacks) and
// merge_signed (which takes only facts signed by a key given for their
// authority). See sync.go.
//
// Invariants a newcomer must not break:
//
//   - The journal is a set, merged by union: appending a fact twice, or
//     merging the same facts in any order or split into any batches, gives
//     the same state — the same get_journal, merkle_root, sync_root and
//     views. Nothing that is observable may depend on insertion order;
//     every list is ordered by fact ID (or by time, then ID), and reducers
//     see facts sorted by ID.
//   - The facts bucket is the only source of truth. A write's facts are
//     committed and fsynced in one bbolt transaction before the call
//     returns, so an acknowledged fact survives a crash. (In simulation
//     mode the commit is written to the file but not fsynced: a simulated
//     crash stops an agent inside the host process, which loses nothing
//     the kernel holds, so a restarted agent still reads every
//     acknowledged fact; the sync was most of a simulated seed's wall
//     time.) Everything else
//     — the indexes, the Bloom filter, the tries, the RFC 6962 tree — is
//     derived: built from the facts (the indexes, the filter and the tries
//     on open, the RFC 6962 tree when it is first asked for), and changed
//     only after a transaction has committed (a failed one changes
//     nothing), under the lock readers hold for their whole call, so an
//     index or a trie never names a fact that is not stored. The tries'
//     new hashes are computed by the writer before it takes that lock
//     (plan only reads the trie), and copied in under it (commit). Nothing
//     derived is written to the file.
//   - A fact with a signer or signature field is admitted (append_fact,
//     merge_facts, merge_signed) only if its signature verifies, so the
//     signed trie holds verified facts. The signature is not checked again
//     when a file is opened (1M Ed25519 verifications would take about a
//     minute): a fact stored by a build before signed facts existed, with
//     well-formed signer and signature fields that do not verify, would be
//     in the signed set. A peer's merge_signed checks every signature, so
//     such a fact never spreads.
//   - The root is a function of the set of IDs, never a set lookup: a
//     proof is a real path in the trie (or a real RFC 6962 audit path).
//   - A peer's digest is hostile input: sync_missing reads its header and
//     checks it against the bytes sent before allocating anything.
//   - A flow budget never grants headroom it was not given: a missing budget
//     is exhausted, and a new epoch is the only thing that resets spent.
//
// The package imports only sdk and effects from the project.
package journal

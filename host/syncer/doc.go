// Package syncer is the anti-entropy sync service of AURA-SPEC: it makes
// the journals of an authority's devices and of its guardians converge, over
// the network family (the transport in production), without shipping what
// the other side already holds.
//
// What is synced is the journal's set of signed facts: fact maps that carry
// a signer (a 32-byte Ed25519 public key) and a signature over
// "aura-fact/v1" 0x00 and the canonical encoding of the fact without its
// signature (SignFact, VerifyFactSignature). Facts without a signature —
// the guard chain's operation facts, for example — stay where they were
// written.
//
// A round between two syncers, A (who starts it) and B:
//
//	A → B  root     A's journal.sync_root
//	B → A  same     (the roots agree: the round ends)
//	B → A  digest   a Bloom filter of B's fact IDs, salted for this round (journal.sync_digest)
//	A → B  digest   A's own salted filter
//	A → B  facts…   the signed facts of A not in B's filter (journal.sync_missing), in pages
//	B → A  facts…   the signed facts of B not in A's filter, while A's arrive
//
// A page is as many facts as fit in one envelope DEFLATE-compressed (facts
// of one writer repeat their field names, authority, signer and type:
// about a third of their canonical bytes travel). Facts cross the plugin
// boundary as bytes, not maps: journal.sync_missing is asked for each
// fact's canonical encoding (encoded), which goes into a page as is, and a
// page received — decoded here, to check it — goes to journal.merge_signed
// as the canonical encoding of its list (pages), which the journal decodes
// and checks again. Encoding facts as maps for the plugin protocol, twice
// per hop, was most of the host's CPU.
//
// Each side merges what it receives with journal.merge_signed, which checks
// every fact's signature and that its signer is a key the configuration
// allows for the fact's authority; a refused fact is logged with the peer
// and the reason, and counted. Pages are merged together (up to MergeBatch
// facts, one journal transaction) while more keep arriving. A fresh salt
// per round means a Bloom false positive hides a fact for one round at
// most: a round that moved facts is followed at once by another, until the
// roots agree (or MaxRepeatRounds).
//
// Messages travel as envelopes in one context (Context, "aura-sync/v1")
// through the agent's Invoke, so every send passes the agent's guard chain
// (capability, flow budget, receipt) and every receive the receipt check.
// Each peer has one goroutine, the only reader of that peer's envelopes in
// the sync context: it answers the peer's rounds and runs its own, polling
// the non-blocking inbox with a backoff that resets on traffic. A syncer
// takes part in at most Config.ConcurrentRounds rounds at a time (default
// 2), each with another peer: a peer that asks while it is busy is told so
// and tries again shortly. Two rounds at once let the device between two
// others take both in (three devices healing converge about 1.5 s sooner
// on two shared cores, BENCHMARKS.md) at the price of a few facts shipped
// twice (0–10 % of the facts' bytes measured; 1 ships none twice).
//
// The guard chain's receipts assume lossless, in-order delivery per
// (context, sender, receiver): after one envelope is lost the receiver
// refuses every later one. A send fails during a partition, and frames die
// with a connection, so the syncer restarts its receipt chain to a peer
// (Config.RestartChain: the agent rotates that flow budget's epoch) before
// its next send after a failed send, after a failed round, and when the
// peer says it refused an envelope of ours ("restart").
//
// Rounds run when SyncAll is called — the agent calls it periodically under
// its task supervisor — and as soon as a peer reappears in
// network.connected_peers.
//
// Invariants a newcomer must not break:
//
//   - Nothing is merged unverified: received facts go to the journal only
//     through journal.merge_signed with the configured keys, never through
//     merge_facts or append_fact.
//   - Nothing a peer sends is trusted to be well formed: a malformed
//     message is logged, counted and dropped, and no message makes the
//     syncer allocate beyond the envelope limit per part (a digest has at
//     most MaxDigestParts parts).
//   - Every envelope goes through the invoker (the agent's router), never
//     straight to a plugin.
//   - Only a peer's own loop reads its envelopes and touches its round
//     state; what loops share (the rounds in progress, the counters) is
//     behind the Syncer's lock or atomic.
//
// Limits: a fact that does not fit one envelope compressed (64 KiB) is not
// synced (logged); a digest of more than MaxDigestParts parts is not sent.
//
// The package imports only effects from the project, like host/threshold:
// it sees the journal and the network through operations.
package syncer

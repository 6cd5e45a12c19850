package effects

// Operations of the journal family, served by journal.
const (
	// JournalAppendFact adds a fact to the journal in one durable transaction.
	JournalAppendFact OpID = "journal.append_fact"
	// JournalMergeFacts merges a list of facts into the journal by set union.
	JournalMergeFacts OpID = "journal.merge_facts"
	// JournalGetJournal returns the journal's facts as a list of maps ordered by fact ID.
	JournalGetJournal OpID = "journal.get_journal"
	// JournalGetFact returns the fact.
	JournalGetFact OpID = "journal.get_fact"
	// JournalFactsByType returns the facts whose type is the given one (index by type).
	JournalFactsByType OpID = "journal.facts_by_type"
	// JournalFactsByPredicate returns the facts with the given predicate (index by predicate).
	JournalFactsByPredicate OpID = "journal.facts_by_predicate"
	// JournalFactsByAuthority returns the facts of the given authority.
	JournalFactsByAuthority OpID = "journal.facts_by_authority"
	// JournalFactsInRange returns the facts whose time t satisfies t0 <= t < t1.
	JournalFactsInRange OpID = "journal.facts_in_range"
	// JournalMightContain asks the Bloom filter whether the journal might hold a fact ID.
	JournalMightContain OpID = "journal.might_contain"
	// JournalMerkleRoot returns the 32-byte root of the trie of the fact IDs (or of the RFC 6962 tree).
	JournalMerkleRoot OpID = "journal.merkle_root"
	// JournalInclusionProof returns the proof that a fact is in the set merkle_root commits to.
	JournalInclusionProof OpID = "journal.inclusion_proof"
	// JournalVerifyFactInclusion checks an inclusion proof.
	JournalVerifyFactInclusion OpID = "journal.verify_fact_inclusion"
	// JournalView reduces the facts of a type to a view with the reducer registered for that type.
	JournalView OpID = "journal.view"
	// JournalGetFlowBudget returns the flow budget of (context, peer).
	JournalGetFlowBudget OpID = "journal.get_flow_budget"
	// JournalChargeFlowBudget spends cost from the flow budget of (context, peer).
	JournalChargeFlowBudget OpID = "journal.charge_flow_budget"
	// JournalSetFlowBudget sets the limit of the flow budget of (context, peer).
	JournalSetFlowBudget OpID = "journal.set_flow_budget"
	// JournalRotateEpoch starts the next epoch of the flow budget of (context, peer).
	JournalRotateEpoch OpID = "journal.rotate_epoch"
	// JournalMergeFlowBudget joins another replica's flow budget of (context, peer) into this one's.
	JournalMergeFlowBudget OpID = "journal.merge_flow_budget"
	// JournalStats describes the journal.
	JournalStats OpID = "journal.stats"
	// JournalSyncRoot returns the root and count of the journal's signed facts.
	JournalSyncRoot OpID = "journal.sync_root"
	// JournalSyncDigest returns a salted Bloom digest of the signed facts' IDs.
	JournalSyncDigest OpID = "journal.sync_digest"
	// JournalSyncMissing returns the signed facts a peer's digest does not hold.
	JournalSyncMissing OpID = "journal.sync_missing"
	// JournalMergeSigned merges facts signed by keys given for their authorities.
	JournalMergeSigned OpID = "journal.merge_signed"
)

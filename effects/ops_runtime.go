package effects

// Operations of the runtime's own services (AURA-SPEC §5's catalogue:
// the flow budget manager, the receipt manager, threshold signing, the
// sync service). No plugin serves them: the agent runtime hosts each
// service in process (host/agent), when the deployment declares it
// (`service "NAME" { builtin = "KIND" }`), because each reads state no
// plugin may hold — the guard chain's budgets and receipts, the sync
// service's counters. They only read: nothing here can raise a budget,
// rewind a chain or change a key.
const (
	// FlowBudgetGet reads the flow budget of (context, peer).
	FlowBudgetGet OpID = "flow_budget.get"
	// ReceiptChain lists the retained receipts of the chain of (context,
	// peer), issued or accepted.
	ReceiptChain OpID = "receipt.chain"
	// ThresholdState describes the agent's threshold signing state for a
	// group: t of n, its signer index, the epoch, the group key.
	ThresholdState OpID = "threshold.state"
	// SyncStatus reports the sync service: its peers and counters.
	SyncStatus OpID = "sync.status"
)

func contextPeerParams(what string) []Param {
	return []Param{
		{Name: "context", Kind: KindString, Doc: "the context (\"context-\" and 32 hex digits) of the " + what},
		{Name: "peer", Kind: KindString, Doc: "the peer authority (\"authority-…\")"},
	}
}

// RuntimeServiceOps are the specs of the operations above, by service
// kind ("flow_budget_manager", "receipt_manager", "threshold_signing",
// "sync_service").
func RuntimeServiceOps() map[string][]OpSpec {
	return map[string][]OpSpec{
		"flow_budget_manager": {{
			ID: FlowBudgetGet,
			Doc: "Reads the flow budget the guard chain keeps for sends in context to peer: map {limit, spent, epoch, " +
				"headroom: uint, pressure: int (spent as a percentage of limit, 0-100), charged: bool}. A budget never " +
				"charged reads as zeros with charged = false.",
			Params: contextPeerParams("budget"), Result: KindMap, Idempotent: true, Determinism: ReadsWorld,
		}},
		"receipt_manager": {{
			ID: ReceiptChain,
			Doc: "Lists the receipts the guard chain retains on the chain of sends in context between this agent and " +
				"peer: list of map {nonce, epoch, cost: uint, prev, hash: bytes (32)}, oldest first. direction \"issued\" " +
				"(default) is this agent's sends to peer, \"accepted\" the peer's sends it accepted.",
			Params: append(contextPeerParams("chain"),
				Param{Name: "direction", Kind: KindString, Optional: true, Doc: `"issued" (default) or "accepted"`}),
			Result: KindList, Idempotent: true, Determinism: ReadsWorld,
		}},
		"threshold_signing": {{
			ID: ThresholdState,
			Doc: "The agent's threshold signing state for a group it holds a share of: map {key (its handle), state, " +
				"threshold, participants, identifier (this device's signer index), epoch, group_public, scheme " +
				"(\"ed25519\" when threshold is 1: one device signs alone, else \"frost-ed25519\")}, or null when it " +
				"holds none. Without group_public: its one active key (conflict when it holds several groups').",
			Params:      []Param{{Name: "group_public", Kind: KindBytes, Optional: true, Doc: "the group key (32 bytes)"}},
			Result:      KindAny,
			Idempotent:  true,
			Determinism: ReadsWorld,
		}},
		"sync_service": {{
			ID: SyncStatus,
			Doc: "The sync service: map {peers: list of authority strings, rounds, rounds_failed, facts_sent, " +
				"facts_received, merged, refused, malformed: int}. An agent without a sync block has no peers and " +
				"zero counters.",
			Result: KindMap, Idempotent: true, Determinism: ReadsWorld,
		}},
	}
}

package effects

// Operations of the hold family: shared custody of sealed envelopes for
// peers that are offline (host/holds). No plugin serves them: the agent
// runtime hosts the service in process (a `service "NAME" { builtin =
// "holds" }` block), because it signs with the device key and sends
// through the agent's guard chain.
const (
	// HoldDeposit seals a payload for a recipient (signed by the device,
	// bound to depositor and recipient) and deposits it with holders.
	HoldDeposit OpID = "hold.deposit"
	// HoldStatus returns one of the caller's deposits: its state and which
	// holders acknowledged it.
	HoldStatus OpID = "hold.status"
	// HoldList returns the caller's deposits, oldest first.
	HoldList OpID = "hold.list"
	// HoldHeld summarises what this agent holds for others (no payloads).
	HoldHeld OpID = "hold.held"
	// HoldRetrieve asks the holders for what they hold for this agent now,
	// and returns the envelopes received and verified so far.
	HoldRetrieve OpID = "hold.retrieve"
	// HoldReceived returns the envelopes received and verified so far.
	HoldReceived OpID = "hold.received"
	// HoldWitness submits a recipient's signed witness of a holder's
	// delivery (or failure); only a verified witness changes a score.
	HoldWitness OpID = "hold.witness"
	// HoldHealth returns the holders' success scores, from verified
	// witnesses only.
	HoldHealth OpID = "hold.health"
)

// The signing purposes of the hold service (DeviceSign).
const (
	// PurposeHoldEnvelope signs a sealed envelope: its id, depositor,
	// recipient, times and payload.
	PurposeHoldEnvelope = "hold-envelope"
	// PurposeHoldCapability signs a retrieval capability a holder issues
	// to a recipient.
	PurposeHoldCapability = "hold-capability"
	// PurposeHoldWitness signs a recipient's witness of a holder's
	// delivery or failure.
	PurposeHoldWitness = "hold-witness"
)

// HoldOps are the declarations of the hold family, which the agent
// runtime registers for a holds service.
func HoldOps() []OpSpec {
	deposit := "a deposit: {id, recipient, holders, acked, state, created_ms, expires_ms}"
	return []OpSpec{
		{
			ID: HoldDeposit,
			Doc: "Seals payload for recipient (signed with the device key under " + PurposeHoldEnvelope + ") and sends it " +
				"to holders (default: the healthiest peers, not the recipient), each keeping it until retention. " +
				"Returns " + deposit + "; state is pending until a holder acknowledges.",
			Params: []Param{
				{Name: "recipient", Kind: KindString, Doc: "the recipient's authority id (\"authority-…\")"},
				{Name: "payload", Kind: KindBytes, Doc: "the bytes to deliver (opaque to the holders), at most 16 KiB"},
				{Name: "holders", Kind: KindList, Optional: true, Doc: "authority ids of the holders; default the service's choice"},
			},
			Result:      KindMap,
			Determinism: WritesWorld,
		},
		{
			ID:          HoldStatus,
			Doc:         "Returns " + deposit + " for a deposit of the caller; an unknown id is not_found.",
			Params:      []Param{{Name: "id", Kind: KindBytes, Doc: "the deposit's 16-byte id"}},
			Result:      KindMap,
			Idempotent:  true,
			Determinism: ReadsWorld,
		},
		{
			ID:          HoldList,
			Doc:         "Returns the caller's deposits, oldest first, each " + deposit + ".",
			Result:      KindList,
			Idempotent:  true,
			Determinism: ReadsWorld,
		},
		{
			ID:          HoldHeld,
			Doc:         "Returns what this agent holds for others: [{id, depositor, recipient, bytes, expires_ms, retrieved}], no payloads.",
			Result:      KindList,
			Idempotent:  true,
			Determinism: ReadsWorld,
		},
		{
			ID: HoldRetrieve,
			Doc: "Asks every peer (or the holders given) for a fresh capability and what it holds for this agent, then " +
				"returns {asked, received: [{id, depositor, payload, created_ms, holders}], refusals: [{holder, deposit, reason}]}. " +
				"Answers arrive asynchronously: call hold.received later.",
			Params:      []Param{{Name: "holders", Kind: KindList, Optional: true, Doc: "authority ids to ask; default every peer"}},
			Result:      KindMap,
			Determinism: WritesWorld,
		},
		{
			ID:          HoldReceived,
			Doc:         "Returns {received, refusals} as hold.retrieve does, without asking anyone.",
			Result:      KindMap,
			Idempotent:  true,
			Determinism: ReadsWorld,
		},
		{
			ID: HoldWitness,
			Doc: "Submits a witness (its canonical signed bytes): verified against the recipient's device key, for a deposit " +
				"of the caller with that holder, once; then the holder's score moves. Returns {holder, delivered, failed}.",
			Params:      []Param{{Name: "witness", Kind: KindBytes, Doc: "the witness's canonical encoding, signature included"}},
			Result:      KindMap,
			Determinism: WritesWorld,
		},
		{
			ID:          HoldHealth,
			Doc:         "Returns each holder's score from verified witnesses: [{holder, delivered, failed}].",
			Result:      KindList,
			Idempotent:  true,
			Determinism: ReadsWorld,
		},
	}
}

package syncer

import "sync/atomic"

// Stats counts what a syncer did since it was made.
type Stats struct {
	Rounds       int64 // rounds finished, in either role
	RoundsFailed int64 // rounds abandoned (busy peer, timeout, failed effect)

	MessagesSent, MessagesReceived int64
	// PayloadBytesSent and PayloadBytesReceived count envelope payloads:
	// everything the protocol ships (roots, digests, fact pages).
	PayloadBytesSent, PayloadBytesReceived int64
	// EnvelopeBytesReceived counts whole received envelopes in canonical
	// encoding: payloads plus addresses, context and receipt.
	EnvelopeBytesReceived int64

	// FactsSent, FactsReceived and their bytes (canonical encodings)
	// count the facts in fact pages, whether or not the receiver lacked
	// them.
	FactsSent, FactsReceived         int64
	FactBytesSent, FactBytesReceived int64

	// Merged, Known and Refused are merge_signed's verdicts on the facts
	// received.
	Merged, Known, Refused int64

	// Malformed counts messages dropped as malformed or unsolicited, and
	// envelopes the guard chain refused.
	Malformed int64
	// Restarts counts the receipt chains restarted (Config.RestartChain).
	Restarts int64
}

type counters struct {
	rounds, roundsFailed                      atomic.Int64
	msgsSent, msgsReceived                    atomic.Int64
	payloadSent, payloadReceived, envReceived atomic.Int64
	factsSent, factsReceived                  atomic.Int64
	factBytesSent, factBytesReceived          atomic.Int64
	merged, known, refused, malformed         atomic.Int64
	restarts                                  atomic.Int64
}

// Stats returns the syncer's counters.
func (s *Syncer) Stats() Stats {
	c := &s.stats
	return Stats{
		Rounds: c.rounds.Load(), RoundsFailed: c.roundsFailed.Load(),
		MessagesSent: c.msgsSent.Load(), MessagesReceived: c.msgsReceived.Load(),
		PayloadBytesSent: c.payloadSent.Load(), PayloadBytesReceived: c.payloadReceived.Load(),
		EnvelopeBytesReceived: c.envReceived.Load(),
		FactsSent:             c.factsSent.Load(), FactsReceived: c.factsReceived.Load(),
		FactBytesSent: c.factBytesSent.Load(), FactBytesReceived: c.factBytesReceived.Load(),
		Merged: c.merged.Load(), Known: c.known.Load(), Refused: c.refused.Load(), Malformed: c.malformed.Load(),
		Restarts: c.restarts.Load(),
	}
}

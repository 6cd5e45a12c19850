// Package holds is the hold service of AURA-SPEC's catalogue
// (hold_manager): shared custody of sealed envelopes for peers that are
// offline, bounded per-peer movement queues with a replay window, and
// holder health from verified witnesses.
//
// One Service per agent plays three parts:
//
//   - Depositor: hold.deposit seals a payload for a recipient and queues it
//     for Config.Holders holders (3; given, or the peers with the best
//     witnessed scores, never the recipient). Its record moves
//     pending → held (a holder acknowledged) → delivered (a verified
//     witness of delivery) and → expired after Retention (120 s); every
//     holder refusing makes it refused.
//   - Holder: keeps an envelope it is given if the envelope's depositor is
//     the peer that sent it (the guard chain authenticated the envelope's
//     source), the depositor's signature verifies, it is unexpired, and the
//     bounds allow (MaxPerDepositor, MaxHeld); it answers a hello with a
//     capability and the list of what it holds for the asker, and a
//     retrieve with the envelope — or a typed refusal.
//   - Recipient: asks every peer (hello) when it has no capability from it
//     or its capability is half-way to expiry (Refresh, every TTL/4),
//     retrieves what is offered, verifies each envelope against its
//     depositor's key, keeps it, and sends the depositor a signed witness
//     of each holder's delivery (or failure).
//
// Sealing. A Sealed envelope's id is a hash of its body; the depositor's
// device signs (device.sign, purpose "hold-envelope") the id, depositor,
// recipient, times and payload. A holder cannot alter it or re-address
// it, and the recipient checks the signature against the key the
// deployment knows for the depositor (device.public_key), never a key the
// envelope or a holder supplies. The payload is not encrypted: holders
// never interpret it, but could read it — the device family has no key
// agreement yet, so deposit only what a holder may see (a signed request,
// a reference), or encrypt it to the recipient above this service.
//
// Capabilities. The holder issues them, to the authenticated source of a
// hello, signed by its device (purpose "hold-capability"): {holder,
// recipient, epoch, issued, expires = issued + CapabilityTTL (30 s)}. A
// retrieve is checked in this order: the envelope's source must be the
// capability's recipient (not_recipient, code denied) — so a stolen
// capability is useless to anyone else; the capability must be one this
// holder issued (bad_capability, invalid_signature); its epoch must be the
// newest issued to that recipient (capability_superseded, conflict) — each
// hello rotates it; it must not be expired (capability_expired, conflict);
// and the deposit must be held and addressed to the asker (unknown_deposit,
// not_recipient). The recipient rotates at half the TTL, so a capability
// in use is always fresh; an expired or superseded one, refused, is
// dropped and asked for again.
//
// Witnesses. A Witness is signed by the recipient (purpose
// "hold-witness"): {deposit, depositor, holder, recipient, outcome, at}.
// The depositor moves a holder's Score only for a witness whose signature
// verifies against the recipient's key, for one of its own deposits with
// that recipient and holder, once per (deposit, holder); anything else is
// refused and changes nothing.
//
// Movement. Every message travels as an envelope of Context
// ("aura-hold/v1") through the agent's Invoke — so every send passes the
// guard chain (capability, flow budget, receipt) and every receive the
// receipt check — and is received per (source, context) with
// network.receive_envelope_from, as host/syncer does. Outbound messages
// wait in a per-peer Queue (QueueLimit, refusing when full with
// ErrQueueFull, code exhausted) until a send succeeds: a peer that is away
// gets them when it is back; after a failed send the receipt chain to the
// peer is restarted (Config.RestartChain) before the next. Inbound, a
// ReplayWindow per peer drops a message id seen within ReplayWindow, and
// any message sent longer ago than that (or further ahead): peers' clocks
// must agree within the window (120 s), and capability expiry is always
// the holder's own clock.
//
// Storage. What a holder keeps (and what a recipient received) is in the
// agent's storage effect (keys "holds/custody/…", "holds/received/…"), so
// it survives a restart; not in the journal, whose facts are append-only
// and synced to peers: a deposit must be removable after retention and
// must not be replicated beyond its holders. GC (every GCInterval, on the
// agent's clock) removes what passed its retention. The depositor's own
// records, capabilities, scores and queues are in memory.
//
// Time is the agent's clock effect (clock.physical_time), virtual in
// simulation; the service never sleeps or starts timers: the agent runs
// Pump, Refresh and GC periodically under its task supervisor.
//
// It imports effects and host/lifecycle from the project, nothing else: it
// sees the network, storage, clock and device only through operations over
// its Invoker.
//
// Invariants a newcomer must not break:
//
//   - Who a message is from is the envelope's authenticated source, never
//     a field of the message.
//   - Nothing is trusted unverified: a sealed envelope before it is kept or
//     accepted, a capability before it is used or honoured, a witness
//     before it moves a score.
//   - Every bound holds: queues, replay windows, custody, received
//     envelopes and offers never grow past their limits.
package holds

// Package social is the agent's social topology and path selection
// (AURA-SPEC §5 SocialManager, SelectionManager), two host-owned services
// over an agent's invoker:
//
//   - Topology: homes and neighbourhoods derived from the relationships
//     the agent's journal records — invitations (guardian, contact,
//     channel, device) that were accepted. A channel invitation's sender
//     and the receivers that accepted it (one channel: same sender, same
//     message) form a home; so do a device invitation's sender and its
//     enrolled devices; a peer in no home is a home of its own. The
//     neighbourhood is every home the agent or a peer it is directly
//     related to belongs to. SelectRelays ranks its members as relay
//     candidates, deterministically and spread across homes.
//   - Selector: per destination, a Profile fusing the destination's
//     rendezvous descriptor, the health of the destination and of each
//     relay (an input function), and the agent's permit to send to it (its
//     flow-budget headroom) — passthrough (direct) unless privacy mode is
//     on, when it is a path of relays from at least DiversityFloor (2)
//     distinct homes, or a *DiversityError saying why there is none. A
//     profile lives PathTTL (30 s) and a destination's path changes at most
//     once per MinPathChange (1 s), on the agent's clock.
//
// Manager and SelectionService are the two as lifecycle.Service values
// that serve their operations (Ops, SelectionOps) as effects.Handlers; the
// agent runtime (host/agent/social.go) declares them as the builtin
// services "social_manager" and "selection".
//
// It imports effects and host/lifecycle only: the journal, the device key
// anchor, rendezvous and the clock are reached through the Invoker (the
// agent's Invoke, so through its Router and guard chain), and health and
// permits are functions the caller supplies.
//
// Invariants a newcomer must not break:
//   - A relationship counts only if both its facts verify: the invitation
//     signed by its sender's device (purpose "invitation") and the answer
//     by its receiver's (purpose "invitation-answer"), each key being the
//     device key the deployment knows for that party (device.public_key).
//     A fact merged into the journal by anyone else — a sync peer forging
//     relationships to pull relay selection towards itself — is skipped.
//   - Everything derived is a function of the verified facts and the
//     agent's authority: the same journal gives the same homes and the same
//     relay order on every run and every replica.
//   - Privacy mode never falls back to a direct path: a destination without
//     a diverse enough path is refused, not sent to in the clear.
package social

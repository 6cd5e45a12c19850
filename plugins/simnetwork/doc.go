// Package simnetwork is the built-in simulation network plugin,
// "sim-network": an in-memory network between agents, with faults drawn
// from the deployment's seed and delivery scheduled on virtual time. It
// serves the "network" family (the operations and envelope it shares with
// the transport plugin, networkops.Operations and networkops.Envelope, so a
// deployment swaps it in by HCL), the transport's "transport" family of
// discovery from signed descriptors (transport.learn_peer and
// transport.local_descriptor, declared once in transportops, so a swapped
// deployment loses none of the transport's operations), the
// "network_faults" family that sets
// faults (drop, delay, duplication, reordering, partitions) and
// retransmission, and the "network_control" family through which a
// simulator moves the network's virtual time and reads what it did
// (stats; link: what crossed one link, source to destination, whatever
// the context — what an observer of that link counts, as the cover-traffic
// test does). Only the network's owner may call those two families
// (plugins/internal/simcontrol): the authority the instance was configured
// for, and on a network shared between instances only a call with no
// authority — an agent on the network may not change it.
//
// Network is the simulated network itself, usable in process: a host that
// runs several agents in one process gives them one Network (Send,
// Receive, Advance) and drives its time directly.
//
// By default the network is a datagram network: what the drop rate or a
// partition loses is gone, and a protocol must cope. With retransmission
// on (set_retransmit, Faults.RetransmitMS) it is a reliable transport, as
// TCP is over a lossy link: a lost transmission is sent again rto
// milliseconds of virtual time later, and again, until one gets through,
// so every envelope is delivered once a partition heals. Until then each
// envelope across it is tried again every rto, so next_delivery is never
// null while one waits: a simulator that runs until the network is idle
// must heal the partition, or turn retransmission off, to get there.
//
// Discovery on the simulated network (Network.LearnPeer,
// LocalDescriptor): learn_peer verifies a descriptor as the transport does
// (internal/descriptor: signature, expiry, clock skew) but at the
// network's virtual time — the time its simulator moves, which host/sim
// keeps equal to sim-clock's, so a descriptor issued at the simulated
// clock's now verifies, and a run never reads the wall clock. It refuses
// with the transport's codes (invalid_args, invalid_signature; conflict
// for a re-keying or an older seq, ErrRekey and ErrStaleDescriptor), for
// which the network keeps, per learning node, the key and seq of each
// peer it learnt; it returns the transport's result, the peer ID being the
// libp2p one of the descriptor's key. Learning changes no routing: the
// simulated network reaches every endpoint already. local_descriptor
// gives the caller's name (its authority's hex), one address, "/sim/"
// then the name (a valid descriptor address no real transport dials), and
// an empty device_key and peer_id: the simulated network holds no
// transport key, so the agent's signer fills in its device key
// (descriptor.SignWith) and the host's path local_descriptor → SignDescriptor
// → rendezvous.publish works as in production.
//
// Invariants a newcomer must not break:
//
//   - A receive takes only the caller's mail: a call acting for an
//     authority (every call an agent's router makes) may name no
//     destination but its own address, or it is refused (denied). Only a
//     call without an authority — the network's owner, a simulator driving
//     it — names any endpoint.
//   - All randomness comes from one stream seeded by the seed (and the
//     hold-backs of set_reorder_rate from a second one, drawn once per
//     send only while its rate is above 0, so that turning it on moves no
//     other draw), and every
//     transmission attempt — a send, or a retransmission — draws the same
//     number of values whatever the fault settings and whatever becomes of
//     it, so the same seed and the same sequence of calls give identical
//     deliveries: same envelopes, same order, same times. Retransmissions
//     draw when their virtual time comes, in event order (time, then the
//     order events were scheduled), so how finely a simulator ticks does
//     not change the outcome.
//   - An envelope sent at virtual time t with delay d arrives at t+d, and
//     only when the network's time (Advance, tick) reaches it; real time
//     plays no part. Arrivals due together are made in order of time, then
//     (without reordering) send order.
//   - A link (source, destination) is FIFO unless reordering is on: an
//     envelope sent without reordering is delivered after every earlier
//     one sent without reordering on its link (that is delivered at all),
//     and both copies of a duplicated one come before the next.
//     With retransmission on this is head-of-line blocking: a later
//     envelope that arrives while an earlier one is being retransmitted is
//     held and delivered right after it. An envelope held back by
//     set_reorder_rate is outside this order: nothing waits for it, so
//     what is sent after it on its link may overtake it (stats counts the
//     copies delivered after a later-sent one to the same destination,
//     reordered, and those of them that were held back, held_overtaken).
//   - A partition drops what it separates, both at send and at delivery: an
//     envelope in flight when a partition forms is lost, as on a real
//     network — for good without retransmission, until the partition heals
//     with it.
//   - Descriptors are verified at the network's virtual time, never the
//     wall clock, and a learnt key is only ever replaced by the operator
//     (a new Network): as in the transport, no descriptor re-keys a peer.
//
// The package imports only sdk, effects and internal/descriptor from the
// project, and plugins/internal/networkops, plugins/internal/transportops
// and plugins/internal/standin for what it shares with the transport;
// never plugins/transport itself.
package simnetwork

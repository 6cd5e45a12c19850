package effects

// Operations of the network family, served by transport and sim-network.
const (
	// NetworkSendEnvelope sends an envelope to its destination.
	NetworkSendEnvelope OpID = "network.send_envelope"
	// NetworkReceiveEnvelope takes the oldest envelope delivered to destination.
	NetworkReceiveEnvelope OpID = "network.receive_envelope"
	// NetworkReceiveEnvelopeFrom takes the oldest envelope delivered to destination from source in context.
	NetworkReceiveEnvelopeFrom OpID = "network.receive_envelope_from"
	// NetworkConnectedPeers returns the endpoints known to the network.
	NetworkConnectedPeers OpID = "network.connected_peers"
	// NetworkIsChannelEstablished reports whether self and peer have exchanged an envelope in context.
	NetworkIsChannelEstablished OpID = "network.is_channel_established"
)

// Operations of the network_faults family, served by sim-network, for a simulator to inject
// network faults.
const (
	// NetworkFaultsSetDropRate sets the chance that a transmission is lost.
	NetworkFaultsSetDropRate OpID = "network_faults.set_drop_rate"
	// NetworkFaultsSetDelay sets the range each envelope's delay is drawn from.
	NetworkFaultsSetDelay OpID = "network_faults.set_delay"
	// NetworkFaultsSetDuplicateRate sets the chance that a transmission that is not lost is delivered twice.
	NetworkFaultsSetDuplicateRate OpID = "network_faults.set_duplicate_rate"
	// NetworkFaultsSetReorder lets envelopes overtake earlier ones on the same link.
	NetworkFaultsSetReorder OpID = "network_faults.set_reorder"
	// NetworkFaultsSetReorderRate sets the chance that an envelope is held back so that later ones on its link overtake it.
	NetworkFaultsSetReorderRate OpID = "network_faults.set_reorder_rate"
	// NetworkFaultsSetRetransmit makes the simulated network reliable (rto_ms > 0) or lossy again (0).
	NetworkFaultsSetRetransmit OpID = "network_faults.set_retransmit"
	// NetworkFaultsPartition separates every endpoint of a from every endpoint of b.
	NetworkFaultsPartition OpID = "network_faults.partition"
	// NetworkFaultsHeal removes every partition.
	NetworkFaultsHeal OpID = "network_faults.heal"
	// NetworkFaultsClear removes every fault and partition: no loss, duplication, delay or reordering.
	NetworkFaultsClear OpID = "network_faults.clear"
)

// Operations of the network_control family, served by sim-network, for a simulator to deliver
// messages step by step.
const (
	// NetworkControlTick moves the network's virtual time to now_ms.
	NetworkControlTick OpID = "network_control.tick"
	// NetworkControlNextDelivery returns the earliest virtual time at which the network will do something, or null.
	NetworkControlNextDelivery OpID = "network_control.next_delivery"
	// NetworkControlStats describes the network.
	NetworkControlStats OpID = "network_control.stats"
	// NetworkControlLink describes what has crossed one link (source to destination), whatever the context.
	NetworkControlLink OpID = "network_control.link"
)

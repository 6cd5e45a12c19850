package simnetwork

import (
	"context"
	"slices"
	"sync"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/networkops"
	"github.com/aurahost/aura-host/plugins/internal/simcontrol"
	"github.com/aurahost/aura-host/plugins/internal/standin"
	"github.com/aurahost/aura-host/plugins/internal/transportops"
	"github.com/aurahost/aura-host/sdk"
)

// Name is the plugin's name, as a deployment writes it in builtin = "...".
const Name = "sim-network"

// Version is the plugin's semantic version.
const Version = "0.1.0"

// The families of the plugin's operations.
const (
	FamilyNetwork        = "network"
	FamilyNetworkFaults  = "network_faults"
	FamilyNetworkControl = "network_control"
	// FamilyTransport is the transport's discovery family, served on the
	// simulated network (transportops).
	FamilyTransport = transportops.Family
)

// New returns the simulation network plugin with a network of its own,
// seeded by the configuration's seed, ready to Serve.
func New() *sdk.Plugin {
	return (&plugin{owned: true, net: NewNetwork(0), control: simcontrol.NewOwner(true)}).plugin()
}

// NewWithNetwork returns the plugin serving an existing network, so that
// several plugin instances (one per agent) share it. Configure does not
// reseed a shared network.
func NewWithNetwork(n *Network) *sdk.Plugin {
	return (&plugin{net: n, control: simcontrol.NewOwner(false)}).plugin()
}

type plugin struct {
	owned bool // the network is this plugin's: Configure seeds it
	// control is who may call the fault and control operations: the
	// network's owner, not an agent on it (simcontrol).
	control *simcontrol.Owner

	mu        sync.RWMutex
	net       *Network
	authority sdk.AuthorityID
}

func (p *plugin) plugin() *sdk.Plugin {
	return &sdk.Plugin{
		Name:      Name,
		Version:   Version,
		Configure: p.configure,
		Operations: slices.Concat(p.networkOperations(), p.discoveryOperations(),
			p.control.Guard(slices.Concat(p.faultOperations(), p.controlOperations()))),
	}
}

func (p *plugin) configure(_ context.Context, c *sdk.Configuration) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.owned {
		p.net = NewNetwork(c.Seed)
	}
	p.authority = c.Authority
	p.control.Configured(c.Authority)
	if !c.Authority.IsZero() {
		return p.net.Register(authorityAddress(c.Authority))
	}
	return nil
}

func (p *plugin) network() *Network {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.net
}

func invalid(format string, args ...any) error {
	return sdk.Errorf(sdk.CodeInvalidArgs, format, args...)
}

// endpointArg returns the argument name, or the calling authority's
// address when it is absent.
func endpointArg(c *sdk.Call, name string) (sdk.Value, error) {
	v := c.Arg(name)
	if v.IsNull() {
		if c.Authority.IsZero() {
			return v, invalid("%s is required: this call has no authority to default to", name)
		}
		return authorityAddress(c.Authority), nil
	}
	if !networkops.IsAddress(v, false) {
		return v, invalid("%s must be non-empty bytes or a non-empty string, got %v", name, v)
	}
	return v, nil
}

// receiver is whose mail a receive takes. A call acting for an authority
// takes only that authority's: a destination naming any other endpoint is
// refused (denied), so one agent on a shared network never reads
// another's envelopes. A call without an authority — the network's owner,
// a simulator or a test driving it directly — may name any endpoint.
func receiver(c *sdk.Call) (sdk.Value, error) {
	dst, err := endpointArg(c, "destination")
	if err != nil || c.Authority.IsZero() {
		return dst, err
	}
	if own := authorityAddress(c.Authority); networkops.AddressKey(dst) != networkops.AddressKey(own) {
		return sdk.Value{}, sdk.Errorf(sdk.CodeDenied, "a receive takes only the caller's own mail: destination %v is not %s", dst, c.Authority)
	}
	return dst, nil
}

func contextArg(c *sdk.Call) (sdk.Value, error) {
	v := c.Arg("context")
	if !networkops.IsAddress(v, true) {
		return v, invalid("context must be bytes or a string, got %v", v)
	}
	return v, nil
}

const (
	endpointDoc = "an endpoint address: non-empty bytes (e.g. an authority's 16 bytes) or a non-empty string (e.g. an agent's name)"
	selfDoc     = "the endpoint asking; default: the calling authority's 16 bytes"
)

// networkOperations are the transport plugin's operations, served by the
// simulated network and described as such.
func (p *plugin) networkOperations() []sdk.Operation {
	ops := networkops.Operations(networkops.Handlers{
		SendEnvelope: p.sendEnvelope, ReceiveEnvelope: p.receiveEnvelope, ReceiveEnvelopeFrom: p.receiveEnvelopeFrom,
		ConnectedPeers: p.connectedPeers, IsChannelEstablished: p.isChannelEstablished,
	})
	return standin.Describe(ops, map[sdk.OpID]standin.Doc{
		effects.NetworkSendEnvelope: {
			Op: "Puts an envelope on the simulated network at its current virtual time. It becomes " +
				"receivable at that time plus a delay drawn from the configured range, unless the drop rate " +
				"or a partition loses it (with retransmission on, it is then sent again until it gets through); " +
				"it may be duplicated. Returns a map {seq: uint (the send's number), copies: int (0 if the first " +
				"transmission was lost, 2 if duplicated), dropped: bool, deliver_at: int or null (when the " +
				"first copy arrives)}.",
			Params: map[string]string{
				"envelope": "the envelope: a map {destination, source (" + endpointDoc + "), context (bytes or string), " +
					"payload (bytes, at most 65536), metadata (map, optional), receipt (bytes, optional)}",
			},
		},
		effects.NetworkReceiveEnvelope: {
			Op: "Takes the oldest envelope delivered to destination and returns it (the map as sent), or " +
				"null if none has arrived. Never waits.",
			Params: map[string]string{"destination": "whose envelope to take: " + endpointDoc + "; default, and the only one allowed to a call acting for an authority: the calling authority's 16 bytes"},
		},
		effects.NetworkReceiveEnvelopeFrom: {
			Op: "Takes the oldest envelope delivered to destination from source in context and returns it, " +
				"or null if there is none; other envelopes stay queued. Never waits.",
			Params: map[string]string{
				"source":      "the sender: " + endpointDoc,
				"destination": "whose envelope to take; default, and the only one allowed to a call acting for an authority: the calling authority's 16 bytes",
			},
		},
		effects.NetworkConnectedPeers: {
			Op: "Returns the endpoints known to the network (registered, or seen in an envelope), other than " +
				"self, that no partition separates from self: a list ordered by canonical encoding.",
			Params: map[string]string{"self": selfDoc},
		},
		effects.NetworkIsChannelEstablished: {
			Op: "Reports whether self and peer have exchanged an envelope in context (delivered either way) " +
				"and no partition separates them now.",
			Params: map[string]string{"peer": "the other endpoint: " + endpointDoc, "self": selfDoc},
		},
	})
}

func (p *plugin) sendEnvelope(_ context.Context, c *sdk.Call) (sdk.Value, error) {
	e, err := networkops.ParseEnvelope(c.Arg("envelope"))
	if err != nil {
		return sdk.Value{}, invalid("envelope: %v", err)
	}
	res, err := p.network().Send(e)
	if err != nil {
		return sdk.Value{}, err
	}
	return res.Value(), nil
}

func received(e Envelope, ok bool) (sdk.Value, error) {
	if !ok {
		return sdk.Null(), nil
	}
	return e.Value(), nil
}

func (p *plugin) receiveEnvelope(_ context.Context, c *sdk.Call) (sdk.Value, error) {
	dst, err := receiver(c)
	if err != nil {
		return sdk.Value{}, err
	}
	return received(p.network().Receive(dst))
}

func (p *plugin) receiveEnvelopeFrom(_ context.Context, c *sdk.Call) (sdk.Value, error) {
	dst, err := receiver(c)
	if err != nil {
		return sdk.Value{}, err
	}
	src := c.Arg("source")
	if !networkops.IsAddress(src, false) {
		return sdk.Value{}, invalid("source must be non-empty bytes or a non-empty string, got %v", src)
	}
	ctx, err := contextArg(c)
	if err != nil {
		return sdk.Value{}, err
	}
	return received(p.network().ReceiveFrom(dst, src, ctx))
}

func (p *plugin) connectedPeers(_ context.Context, c *sdk.Call) (sdk.Value, error) {
	self, err := endpointArg(c, "self")
	if err != nil {
		return sdk.Value{}, err
	}
	return sdk.List(p.network().ConnectedPeers(self)...), nil
}

func (p *plugin) isChannelEstablished(_ context.Context, c *sdk.Call) (sdk.Value, error) {
	self, err := endpointArg(c, "self")
	if err != nil {
		return sdk.Value{}, err
	}
	peer := c.Arg("peer")
	if !networkops.IsAddress(peer, false) {
		return sdk.Value{}, invalid("peer must be non-empty bytes or a non-empty string, got %v", peer)
	}
	ctx, err := contextArg(c)
	if err != nil {
		return sdk.Value{}, err
	}
	return sdk.Bool(p.network().ChannelEstablished(self, ctx, peer)), nil
}

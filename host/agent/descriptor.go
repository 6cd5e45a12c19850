package agent

import (
	"context"
	"fmt"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/internal/descriptor"
)

// SignDescriptor signs the agent's own rendezvous descriptor with its
// device key: d gives where it is reached (Addresses, Relays — its
// transport's transport.local_descriptor), IssuedMS, ExpiresMS and Seq;
// the agent's authority and device key are filled in, and a descriptor
// naming another authority or key is refused. In production the device
// key is also the transport's identity, so a peer that learns the
// descriptor (transport.learn_peer) dials this agent and authenticates it
// by the key the descriptor carries. The result is what rendezvous.publish
// takes (Signed.Value).
func (a *Agent) SignDescriptor(ctx context.Context, d descriptor.Descriptor) (descriptor.Signed, error) {
	return signDescriptor(ctx, a.AuthorityID(), a.signer, d)
}

// SignDescriptor is Agent.SignDescriptor for an agent not running: it
// signs with the device key the agent of authority uses over dep (whose
// StateDir is the agent's), creating the key file in production if it
// does not exist yet, as DevicePublicKey does.
func SignDescriptor(ctx context.Context, dep *config.Deployment, authority effects.AuthorityID, d descriptor.Descriptor) (descriptor.Signed, error) {
	k, err := agentKey(dep, authority)
	if err != nil {
		return descriptor.Signed{}, fmt.Errorf("device key of %s: %w", authority, err)
	}
	return signDescriptor(ctx, authority, k, d)
}

func signDescriptor(ctx context.Context, authority effects.AuthorityID, s descriptor.Signer, d descriptor.Descriptor) (descriptor.Signed, error) {
	if d.Authority.IsZero() {
		d.Authority = authority
	}
	if d.Authority != authority {
		return descriptor.Signed{}, fmt.Errorf("a descriptor for %s cannot be signed by the device of %s", d.Authority, authority)
	}
	return descriptor.SignWith(ctx, s, d)
}

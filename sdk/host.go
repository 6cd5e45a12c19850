package sdk

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/go-plugin"

	"github.com/aurahost/aura-host/effects"
	pb "github.com/aurahost/aura-host/sdk/internal/proto/aura/plugin/v1"
)

// Host is a plugin's handle on the host: it invokes effects through the
// host's router — the same guard chain and registry as every other caller —
// scoped to the authority the plugin was configured for.
type Host struct {
	authority effects.AuthorityID
	// call reaches the host's router: over the broker for a plugin
	// process, directly for a plugin run in process (Local).
	call func(ctx context.Context, call *effects.Call) (effects.Value, error)
}

func dialHost(broker *plugin.GRPCBroker, id uint32, authority effects.AuthorityID) (*Host, error) {
	if broker == nil {
		return nil, fmt.Errorf("host offered callback stream %d but this harness has no broker", id)
	}
	conn, err := broker.Dial(id)
	if err != nil {
		return nil, fmt.Errorf("dial host callback stream %d: %w", id, err)
	}
	client := pb.NewHostClient(conn)
	return &Host{authority: authority, call: func(ctx context.Context, call *effects.Call) (effects.Value, error) {
		var timeout time.Duration
		if dl, ok := ctx.Deadline(); ok {
			timeout = time.Until(dl)
		}
		res, err := client.Invoke(ctx, callToProto(call, 0, timeout))
		if err != nil {
			return effects.Value{}, transportError(ctx, err, call.Op, "host")
		}
		return resultFromProto(res, call.Op, "host")
	}}, nil
}

// Invoke calls op with args (a map Value, or null) through the host.
// Deadline and cancellation of ctx reach the host and the handler.
func (h *Host) Invoke(ctx context.Context, op OpID, args Value) (Value, error) {
	return h.call(ctx, &effects.Call{Op: op, Args: args, Authority: h.authority})
}

// Authority returns the authority the host scopes this plugin's calls to.
func (h *Host) Authority() AuthorityID { return h.authority }

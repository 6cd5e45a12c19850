package sdk

import (
	"context"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	pb "github.com/aurahost/aura-host/sdk/internal/proto/aura/plugin/v1"
)

// grpcPlugin adapts the contract to go-plugin: on the plugin side it
// registers the services of impl; on the host side it returns a *Client.
type grpcPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	impl      *Plugin // nil on the host side
	logger    hclog.Logger
	dataPlane bool // offer DataPlaneCapability
}

func (g *grpcPlugin) GRPCServer(broker *plugin.GRPCBroker, s *grpc.Server) error {
	srv := newServer(g.impl, broker, g.logger, g.dataPlane)
	pb.RegisterPluginServer(s, srv)
	if g.impl.Service != nil {
		pb.RegisterLifecycleServer(s, srv)
	}
	return nil
}

func (g *grpcPlugin) GRPCClient(_ context.Context, broker *plugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	return newClient(conn, broker), nil
}

// ClientPlugins is the VersionedPlugins a host passes to go-plugin's
// ClientConfig: the contract versions this SDK can speak.
func ClientPlugins() map[int]plugin.PluginSet {
	return map[int]plugin.PluginSet{ProtocolVersion: {pluginSetName: &grpcPlugin{}}}
}

// ServerPlugins is the VersionedPlugins that serve p, offering the data
// plane. Serve uses it; test harnesses that run a plugin in process
// (sdktest) use it too.
func ServerPlugins(p *Plugin, logger hclog.Logger) map[int]plugin.PluginSet {
	return serverPlugins(p, logger, true)
}

func serverPlugins(p *Plugin, logger hclog.Logger, dataPlane bool) map[int]plugin.PluginSet {
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	return map[int]plugin.PluginSet{ProtocolVersion: {pluginSetName: &grpcPlugin{impl: p, logger: logger, dataPlane: dataPlane}}}
}

// PluginSetName is the name the contract is dispensed under in a plugin set.
const PluginSetName = pluginSetName

package sdktest

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"

	"github.com/aurahost/aura-host/sdk"
)

// serveStartTimeout bounds how long serving a plugin in process may take
// to listen: only a broken machine takes more than a moment.
const serveStartTimeout = 10 * time.Second

// serveInProcess serves p in this process with the server a plugin
// process runs (sdk.NewGRPCServer: the contract's 64 MiB message limit,
// not gRPC's default 4 MiB) over a real socket, and connects to it as the
// host does (sdk.DialOptions), through go-plugin's test mode. stop shuts
// the client and the server down and waits for the server to end.
func serveInProcess(p *sdk.Plugin, logger hclog.Logger) (rpc plugin.ClientProtocol, stop func(), err error) {
	ctx, cancel := context.WithCancel(context.Background())
	reattach := make(chan *plugin.ReattachConfig, 1)
	closed := make(chan struct{})
	go plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig:  sdk.Handshake,
		VersionedPlugins: sdk.ServerPlugins(p, logger),
		GRPCServer:       sdk.NewGRPCServer,
		Logger:           hclog.NewNullLogger(),
		Test:             &plugin.ServeTestConfig{Context: ctx, ReattachConfigCh: reattach, CloseCh: closed},
	})
	var rc *plugin.ReattachConfig
	select {
	case rc = <-reattach:
	case <-closed:
		cancel()
		return nil, nil, fmt.Errorf("serve %s in process: the server ended before it listened", p.Name)
	case <-time.After(serveStartTimeout):
		cancel()
		return nil, nil, fmt.Errorf("serve %s in process: not listening after %v", p.Name, serveStartTimeout)
	}
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  sdk.Handshake,
		Plugins:          sdk.ClientPlugins()[sdk.ProtocolVersion], // a reattaching client negotiates nothing
		Reattach:         rc,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		GRPCDialOptions:  sdk.DialOptions(),
		Logger:           hclog.NewNullLogger(),
	})
	stop = func() {
		client.Kill()
		cancel()
		<-closed
	}
	if rpc, err = client.Client(); err != nil {
		stop()
		return nil, nil, fmt.Errorf("connect to %s served in process: %w", p.Name, err)
	}
	return rpc, stop, nil
}

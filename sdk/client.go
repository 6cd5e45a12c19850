package sdk

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/aurahost/aura-host/effects"
	pb "github.com/aurahost/aura-host/sdk/internal/proto/aura/plugin/v1"
)

// Client is the host's side of one plugin connection. It speaks the wire
// contract and nothing else: supervision, routing and authority policy
// belong to the host.
type Client struct {
	name      string
	conn      *grpc.ClientConn
	broker    *plugin.GRPCBroker
	plugin    pb.PluginClient
	lifecycle pb.LifecycleClient
	health    healthpb.HealthClient
	logger    hclog.Logger // for what the plugin does wrong on its streams; nil: none
	// capabilities are what the plugin listed in its last Describe.
	capabilities []string
}

func newClient(conn *grpc.ClientConn, broker *plugin.GRPCBroker) *Client {
	return &Client{conn: conn, broker: broker, plugin: pb.NewPluginClient(conn),
		lifecycle: pb.NewLifecycleClient(conn), health: healthpb.NewHealthClient(conn)}
}

// Dispense returns the Client of a started go-plugin connection, naming it
// for errors. rpc comes from (*plugin.Client).Client().
func Dispense(rpc plugin.ClientProtocol, name string) (*Client, error) {
	raw, err := rpc.Dispense(pluginSetName)
	if err != nil {
		return nil, err
	}
	c, ok := raw.(*Client)
	if !ok {
		return nil, fmt.Errorf("plugin dispensed %T, not an Aura plugin client", raw)
	}
	c.name = name
	return c, nil
}

// SetLogger sets the logger the client's streams write protocol
// violations to (a result for a call_id not in flight), at warn level with
// the plugin's name. Set it before OpenStream; without it they are not
// logged.
func (c *Client) SetLogger(l hclog.Logger) { c.logger = l }

// Name is the plugin name used in errors.
func (c *Client) Name() string { return c.name }

// Describe asks the plugin what it is and serves; the answer is validated.
func (c *Client) Describe(ctx context.Context) (effects.Descriptor, error) {
	res, err := c.plugin.Describe(ctx, &pb.DescribeRequest{})
	if err != nil {
		return effects.Descriptor{}, transportError(ctx, err, "", c.name)
	}
	c.capabilities = res.GetCapabilities()
	d, err := descriptorFromProto(res)
	if err != nil {
		return d, fmt.Errorf("plugin %s described itself incorrectly: %w", c.name, err)
	}
	return d, nil
}

// ConfigureRequest is what the host sends in Configure.
type ConfigureRequest struct {
	Config       effects.Value // map of the decoded config block
	Mode         effects.Mode
	Seed         uint64
	Authority    effects.AuthorityID
	StateDir     string
	HostBrokerID uint32 // 0: no host callbacks
}

// Diagnostic is a configuration problem a plugin reported, placed by
// attribute path.
type Diagnostic struct {
	Error   bool // false: a warning
	Summary string
	Detail  string
	Path    []string
}

// Configure sends the plugin its configuration and returns its diagnostics.
func (c *Client) Configure(ctx context.Context, req ConfigureRequest) ([]Diagnostic, error) {
	mode, ok := modeToProto[req.Mode]
	if !ok {
		return nil, fmt.Errorf("unknown execution mode %q", req.Mode)
	}
	res, err := c.plugin.Configure(ctx, &pb.ConfigureRequest{
		Config: mapToProto(req.Config), Mode: mode, Seed: req.Seed,
		Authority: idBytes(effects.ID(req.Authority)), HostBrokerId: req.HostBrokerID, StateDir: req.StateDir,
	})
	if err != nil {
		return nil, transportError(ctx, err, "", c.name)
	}
	var out []Diagnostic
	for _, d := range res.GetDiagnostics() {
		out = append(out, Diagnostic{Error: d.GetSeverity() == pb.Diagnostic_SEVERITY_ERROR,
			Summary: d.GetSummary(), Detail: d.GetDetail(), Path: d.GetAttributePath()})
	}
	return out, nil
}

// Invoke makes one unary call. The hot path is Stream.Invoke; unary is for
// control calls and the benchmark baseline.
func (c *Client) Invoke(ctx context.Context, call *effects.Call) (effects.Value, error) {
	pc := callToProto(call, 0, timeoutOf(ctx, time.Time{}))
	injectTrace(ctx, pc)
	res, err := c.plugin.Invoke(ctx, pc)
	if err != nil {
		return effects.Value{}, transportError(ctx, err, call.Op, c.name)
	}
	return resultFromProto(res, call.Op, c.name)
}

// Ping runs the standard grpc.health.v1 check that go-plugin serves in
// every plugin. It returns when ctx ends, so give it a deadline.
func (c *Client) Ping(ctx context.Context) error {
	res, err := c.health.Check(ctx, &healthpb.HealthCheckRequest{Service: "plugin"})
	if err != nil {
		return transportError(ctx, err, "", c.name)
	}
	if res.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		return &effects.Error{Code: effects.CodeUnavailable, Plugin: c.name, Retryable: true,
			Message: "health check: plugin is " + res.GetStatus().String()}
	}
	return nil
}

// Start starts a service plugin, giving it the broker ID of the host's
// callback service.
func (c *Client) Start(ctx context.Context, hostBrokerID uint32) error {
	_, err := c.lifecycle.Start(ctx, &pb.StartRequest{HostBrokerId: hostBrokerID})
	return transportError(ctx, err, "", c.name)
}

// Stop stops a service plugin.
func (c *Client) Stop(ctx context.Context) error {
	_, err := c.lifecycle.Stop(ctx, &pb.StopRequest{})
	return transportError(ctx, err, "", c.name)
}

// Health asks a service plugin for its own health.
func (c *Client) Health(ctx context.Context) (Health, error) {
	res, err := c.lifecycle.Health(ctx, &pb.HealthRequest{})
	if err != nil {
		return Health{}, transportError(ctx, err, "", c.name)
	}
	return healthFromProto(res), nil
}

// ServeHost serves h as the Host service to this plugin through the
// GRPCBroker and returns the broker ID to pass in Configure or Start. Every
// call a plugin makes arrives at h; h is responsible for routing and
// authority scoping.
func (c *Client) ServeHost(h effects.Handler) uint32 {
	id := c.broker.NextId()
	go c.broker.AcceptAndServe(id, func(opts []grpc.ServerOption) *grpc.Server {
		s := grpc.NewServer(opts...)
		pb.RegisterHostServer(s, &hostServer{handler: h})
		return s
	})
	return id
}

type hostServer struct {
	pb.UnimplementedHostServer
	handler effects.Handler
}

func (s *hostServer) Invoke(ctx context.Context, req *pb.Call) (*pb.Result, error) {
	if t := req.GetTimeoutNanos(); t > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(t))
		defer cancel()
	}
	call, err := callFromProto(req)
	if err != nil {
		return resultToProto(0, effects.Value{}, &effects.Error{Code: effects.CodeInvalidArgs, Message: err.Error()}), nil
	}
	v, err := s.handler.Invoke(ctx, call)
	return resultToProto(0, v, err), nil
}

// timeoutOf is what a call carries as its timeout: the time left until the
// earlier of ctx's deadline and deadline (zero: none); 0 for no deadline.
func timeoutOf(ctx context.Context, deadline time.Time) time.Duration {
	if dl, ok := ctx.Deadline(); ok && (deadline.IsZero() || dl.Before(deadline)) {
		deadline = dl
	}
	if !deadline.IsZero() {
		if d := time.Until(deadline); d > 0 {
			return d
		}
		return time.Nanosecond
	}
	return 0
}

// transportError types a gRPC failure: the caller's own deadline or
// cancellation stays timeout or cancelled; anything else means the plugin
// could not be reached and is unavailable (retryable).
func transportError(ctx context.Context, err error, op effects.OpID, plugin string) error {
	if err == nil {
		return nil
	}
	e := &effects.Error{Op: op, Plugin: plugin, Err: err}
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded) || status.Code(err) == codes.DeadlineExceeded:
		e.Code, e.Message = effects.CodeTimeout, "deadline exceeded"
	case errors.Is(ctx.Err(), context.Canceled) || status.Code(err) == codes.Canceled:
		e.Code, e.Message = effects.CodeCancelled, "call cancelled"
	default:
		e.Code, e.Retryable = effects.CodeUnavailable, true
		e.Message = "plugin unreachable: " + status.Convert(err).Message()
	}
	return e
}

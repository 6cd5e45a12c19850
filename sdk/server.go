package sdk

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"

	"github.com/aurahost/aura-host/effects"
	pb "github.com/aurahost/aura-host/sdk/internal/proto/aura/plugin/v1"
	"github.com/aurahost/aura-host/sdk/internal/wire"
)

// server serves a Plugin's Plugin and Lifecycle services. One server lives
// in each plugin process (or in each sdktest harness).
type server struct {
	pb.UnimplementedPluginServer
	pb.UnimplementedLifecycleServer

	plugin *Plugin
	ops    map[effects.OpID]*Operation
	slow   map[effects.OpID]*slowMark // read-only map: which operations ran inline too long lately (server_inline.go)
	broker *plugin.GRPCBroker         // nil when the harness offers no broker
	logger hclog.Logger
	// dataPlane says the plugin offers DataPlaneCapability (Serve's
	// default; WithoutDataPlane turns it off).
	dataPlane bool

	mu              sync.RWMutex
	configured      bool
	dataPlaneOpened bool
	authority       effects.AuthorityID
	host            *HostClient
}

func newServer(p *Plugin, broker *plugin.GRPCBroker, logger hclog.Logger, dataPlane bool) *server {
	ops := make(map[effects.OpID]*Operation, len(p.Operations))
	for i := range p.Operations {
		ops[p.Operations[i].Spec.ID] = &p.Operations[i]
	}
	return &server{plugin: p, ops: ops, slow: newSlowMarks(ops), broker: broker, logger: logger, dataPlane: dataPlane}
}

func (s *server) Describe(context.Context, *pb.DescribeRequest) (*pb.DescribeResponse, error) {
	res := descriptorToProto(s.plugin.Descriptor())
	if s.dataPlane {
		res.Capabilities = []string{DataPlaneCapability}
	}
	return res, nil
}

func (s *server) Configure(ctx context.Context, req *pb.ConfigureRequest) (*pb.ConfigureResponse, error) {
	diags := s.configureProto(ctx, req)
	out := &pb.ConfigureResponse{}
	for _, d := range diags {
		sev := pb.Diagnostic_SEVERITY_WARNING
		if d.Error {
			sev = pb.Diagnostic_SEVERITY_ERROR
		}
		out.Diagnostics = append(out.Diagnostics, &pb.Diagnostic{Severity: sev, Summary: d.Summary, Detail: d.Detail, AttributePath: d.Path})
	}
	return out, nil
}

func (s *server) configureProto(ctx context.Context, req *pb.ConfigureRequest) []Diagnostic {
	mode, err := modeFromProto(req.GetMode())
	if err != nil {
		return failure(nil, "invalid configure request", err.Error())
	}
	id, err := wire.IDFromBytes(req.GetAuthority(), "authority")
	if err != nil {
		return failure(nil, "invalid configure request", err.Error())
	}
	authority := effects.AuthorityID(id)
	values, err := mapFromProto(req.GetConfig(), 0)
	if err != nil {
		return failure(nil, "malformed config", err.Error())
	}
	var host *HostClient
	if bid := req.GetHostBrokerId(); bid != 0 {
		if host, err = dialHost(s.broker, bid, authority); err != nil {
			return failure(nil, "cannot reach the host's callback service", err.Error())
		}
	}
	return s.configure(ctx, ConfigureRequest{Config: values, Mode: mode, Seed: req.GetSeed(),
		Authority: authority, StateDir: req.GetStateDir()}, host)
}

// configure checks the config against the declared schema, applies the
// declared defaults, and hands it to the plugin's Configure.
func (s *server) configure(ctx context.Context, req ConfigureRequest, host *HostClient) []Diagnostic {
	values := req.Config
	if values.IsNull() {
		values = effects.Map(nil)
	}
	if diags := checkConfig(s.plugin.Config, values); len(diags) > 0 {
		return diags
	}
	values = withDefaults(s.plugin.Config, values)
	if s.plugin.Configure != nil {
		cfg := &Configuration{Values: values, Mode: req.Mode, Seed: req.Seed,
			Authority: req.Authority, StateDir: req.StateDir, Host: host, Logger: s.logger}
		if err := s.plugin.Configure(ctx, cfg); err != nil {
			if ce, ok := err.(*ConfigError); ok {
				return failure(ce.Path, ce.Summary, ce.Detail)
			}
			return failure(nil, "plugin rejected its configuration", err.Error())
		}
	}
	s.mu.Lock()
	s.configured, s.authority, s.host = true, req.Authority, host
	s.mu.Unlock()
	return nil
}

func failure(path []string, summary, detail string) []Diagnostic {
	return []Diagnostic{{Error: true, Summary: summary, Detail: detail, Path: path}}
}

// withDefaults fills absent attributes with their declared defaults.
func withDefaults(schema []effects.ConfigField, values effects.Value) effects.Value {
	var missing []effects.Field
	for _, f := range schema {
		if _, ok := values.Get(f.Name); !ok && !f.Default.IsNull() {
			missing = append(missing, effects.Field{Key: f.Name, Value: f.Default})
		}
	}
	if len(missing) == 0 {
		return values
	}
	out, err := effects.MapOf(append(missing, values.Fields()...)...)
	if err != nil { // cannot happen: missing holds only absent keys
		return values
	}
	return out
}

// checkConfig is the plugin's own check of its config against its schema.
// The host checks first and points at the user's line; this guards against
// hosts that do not.
func checkConfig(schema []effects.ConfigField, values effects.Value) []Diagnostic {
	var diags []Diagnostic
	declared := make(map[string]effects.ConfigField, len(schema))
	for _, f := range schema {
		declared[f.Name] = f
		if _, ok := values.Get(f.Name); !ok && f.Required {
			diags = append(diags, Diagnostic{Error: true, Summary: "missing required config attribute",
				Detail: fmt.Sprintf("attribute %q (%s) is required", f.Name, f.Kind), Path: []string{f.Name}})
		}
	}
	for _, fv := range values.Fields() {
		f, ok := declared[fv.Key]
		switch {
		case !ok:
			diags = append(diags, Diagnostic{Error: true, Summary: "unknown config attribute",
				Detail: fmt.Sprintf("this plugin declares no attribute %q", fv.Key), Path: []string{fv.Key}})
		case !f.Kind.Accepts(fv.Value.Kind()):
			diags = append(diags, Diagnostic{Error: true, Summary: "wrong config attribute type",
				Detail: fmt.Sprintf("attribute %q must be %s, got %s", fv.Key, f.Kind, fv.Value.Kind()), Path: []string{fv.Key}})
		}
	}
	return diags
}

func (s *server) Invoke(ctx context.Context, req *pb.Call) (*pb.Result, error) {
	if t := req.GetTimeoutNanos(); t > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(t))
		defer cancel()
	}
	c := wireCallFromProto(req)
	v, err := s.runCall(ctx, &c)
	return resultToProto(req.GetCallId(), v, err), nil
}

// runCall runs a call as a transport decoded it, in its trace context; one
// that arrived malformed is answered invalid_args.
func (s *server) runCall(ctx context.Context, c *wire.Call) (effects.Value, error) {
	if c.Err != nil {
		return effects.Value{}, &effects.Error{Code: effects.CodeInvalidArgs, Op: c.Call.Op, Message: c.Err.Error()}
	}
	return s.dispatch(extractTrace(ctx, c.Traceparent, c.Tracestate), c.Call)
}

// dispatch runs one call: configured, authority in scope, operation known,
// arguments valid, then the handler — whose panics become internal errors
// rather than killing the plugin.
func (s *server) dispatch(ctx context.Context, call *effects.Call) (v effects.Value, err error) {
	s.mu.RLock()
	configured, authority := s.configured, s.authority
	s.mu.RUnlock()
	if !configured {
		return v, &effects.Error{Code: effects.CodeUnavailable, Op: call.Op, Plugin: s.plugin.Name,
			Message: "plugin not configured yet: the host must call Configure before Invoke", Retryable: true}
	}
	// A plugin configured with an authority serves only that authority. One
	// configured without (a zero authority) is shared by several agents of
	// one host — a simulated network, a virtual clock — and the host scopes
	// each call.
	if call.Authority.IsZero() {
		call.Authority = authority
	} else if !authority.IsZero() && call.Authority != authority {
		return v, &effects.Error{Code: effects.CodeDenied, Op: call.Op, Plugin: s.plugin.Name,
			Message: fmt.Sprintf("context authority mismatch: plugin acts for %s, call names %s", authority, call.Authority)}
	}
	op, ok := s.ops[call.Op]
	if !ok {
		return v, &effects.Error{Code: effects.CodeUnknownOp, Op: call.Op, Plugin: s.plugin.Name,
			Message: "this plugin does not serve the operation"}
	}
	if err := op.Spec.CheckArgs(call.Args); err != nil {
		return v, err
	}
	defer func() {
		if r := recover(); r != nil {
			s.logger.Error("handler panicked", "op", call.Op, "panic", r, "stack", string(debug.Stack()))
			v, err = effects.Value{}, &effects.Error{Code: effects.CodeInternal, Op: call.Op, Plugin: s.plugin.Name,
				Message: fmt.Sprintf("handler panicked: %v", r)}
		}
	}()
	v, err = op.Handle(ctx, call)
	if err != nil {
		e := effects.AsError(err)
		if e.Op == "" || e.Plugin == "" {
			cp := *e
			cp.Op, cp.Plugin = call.Op, s.plugin.Name
			e = &cp
		}
		return effects.Value{}, e
	}
	return v, nil
}

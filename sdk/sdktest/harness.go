package sdktest

import (
	"context"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
)

// Harness is one plugin served in process over real gRPC (a unix socket
// with go-plugin's broker), configured and ready for calls.
type Harness struct {
	// Client is the host-side client, as the host would hold it.
	Client *sdk.Client
	// Stream is an open InvokeStream, as the host's router uses.
	Stream *sdk.Stream
	// Descriptor is what the plugin described.
	Descriptor effects.Descriptor
}

// Option configures a Harness.
type Option func(*options)

type options struct {
	req     sdk.ConfigureRequest
	host    effects.Handler
	samples map[effects.OpID]effects.Value
	block   *blockingCall
	logger  hclog.Logger
}

type blockingCall struct {
	op   effects.OpID
	args effects.Value
}

// WithConfig sets the config block the plugin is configured with (a map
// Value; the default is empty).
func WithConfig(cfg effects.Value) Option { return func(o *options) { o.req.Config = cfg } }

// WithMode sets the execution mode and seed (default production, 0).
func WithMode(mode effects.Mode, seed uint64) Option {
	return func(o *options) { o.req.Mode, o.req.Seed = mode, seed }
}

// WithAuthority sets the authority the plugin is configured for.
func WithAuthority(a effects.AuthorityID) Option { return func(o *options) { o.req.Authority = a } }

// WithStateDir configures the plugin with dir as its state directory
// (default: a new temporary directory per harness). Two harnesses on one
// directory are a plugin and its restart.
func WithStateDir(dir string) Option { return func(o *options) { o.req.StateDir = dir } }

// WithHost serves h as the host's callback service, so the plugin's
// Configuration.Host works.
func WithHost(h effects.Handler) Option { return func(o *options) { o.host = h } }

// WithSample gives Conformance valid arguments for an operation, used
// instead of the zero values it otherwise derives from the schema.
func WithSample(op effects.OpID, args effects.Value) Option {
	return func(o *options) {
		if o.samples == nil {
			o.samples = map[effects.OpID]effects.Value{}
		}
		o.samples[op] = args
	}
}

// WithBlockingCall names a call that blocks until cancelled (e.g. a long
// sleep). Conformance cancels it and checks the plugin's handler returns
// promptly with a cancelled error.
func WithBlockingCall(op effects.OpID, args effects.Value) Option {
	return func(o *options) { o.block = &blockingCall{op, args} }
}

// WithLogger sets the plugin's logger (default: discard).
func WithLogger(l hclog.Logger) Option { return func(o *options) { o.logger = l } }

func collect(t testing.TB, opts []Option) options {
	o := options{req: sdk.ConfigureRequest{Mode: effects.Production, StateDir: t.TempDir()}}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// New serves p in process, describes and configures it, opens a stream,
// and closes everything when the test ends. Configuration diagnostics fail
// the test.
func New(t testing.TB, p *sdk.Plugin, opts ...Option) *Harness {
	t.Helper()
	return start(t, p, collect(t, opts))
}

func start(t testing.TB, p *sdk.Plugin, o options) *Harness {
	t.Helper()
	if err := p.Validate(); err != nil {
		t.Fatalf("invalid plugin declaration: %v", err)
	}
	rpc, stop, err := serveInProcess(p, o.logger)
	if err != nil {
		t.Fatal(err)
	}
	h := &Harness{}
	t.Cleanup(func() {
		if h.Stream != nil {
			h.Stream.Close()
		}
		stop()
	})
	client, err := sdk.Dispense(rpc, p.Name)
	if err != nil {
		t.Fatalf("dispense %s: %v", p.Name, err)
	}
	h.Client = client
	ctx := context.Background()
	if h.Descriptor, err = client.Describe(ctx); err != nil {
		t.Fatalf("describe %s: %v", p.Name, err)
	}
	if o.host != nil {
		o.req.HostBrokerID = client.ServeHost(o.host)
	}
	diags, err := client.Configure(ctx, o.req)
	if err != nil {
		t.Fatalf("configure %s: %v", p.Name, err)
	}
	for _, d := range diags {
		if d.Error {
			t.Fatalf("configure %s: %s: %s (path %v)", p.Name, d.Summary, d.Detail, d.Path)
		}
	}
	if h.Stream, err = client.OpenStream(); err != nil {
		t.Fatalf("open stream to %s: %v", p.Name, err)
	}
	return h
}

// Invoke calls op with args (a map Value or null) over the stream.
func (h *Harness) Invoke(ctx context.Context, op effects.OpID, args effects.Value) (effects.Value, error) {
	return h.Stream.Invoke(ctx, &effects.Call{Op: op, Args: args})
}

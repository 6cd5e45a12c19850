package sdk

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/aurahost/aura-host/effects"
)

// Local runs a Plugin in process, behind the same effects.Handler interface
// and with the same checks as a served plugin — arguments against the
// schema, authority scoping, config against its schema with defaults, a
// panicking handler turned into an internal error — but without a process
// or gRPC. Simulations with many agents and fast tests use it; callers
// cannot tell it from a plugin process.
type Local struct {
	srv    *server
	calls  *inflight
	nextID atomic.Uint64
}

// NewLocal prepares p to run in process. logger receives what the plugin
// logs (nil: discard).
func NewLocal(p *Plugin, logger hclog.Logger) (*Local, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	return &Local{srv: newServer(p, nil, logger, false), calls: newInflight()}, nil
}

// Describe returns what the plugin declares.
func (l *Local) Describe() effects.Descriptor { return l.srv.plugin.Descriptor() }

// Configure configures the plugin. host, if not nil, is what the plugin's
// Configuration.Host reaches (the host's router); its calls carry the
// configured authority.
func (l *Local) Configure(ctx context.Context, req ConfigureRequest, host effects.Handler) []Diagnostic {
	var h *HostClient
	if host != nil {
		h = &HostClient{authority: req.Authority, call: host.Invoke}
	}
	return l.srv.configure(ctx, req, h)
}

// Invoke runs one call, exactly as a plugin process would.
func (l *Local) Invoke(ctx context.Context, call *effects.Call) (effects.Value, error) {
	c := *call // dispatch fills in the authority
	return l.srv.dispatch(ctx, &c)
}

// InvokeWithDeadline is Invoke ending at deadline as well as with ctx, like
// Stream.InvokeWithDeadline: the handler's context carries the deadline,
// which one timer for all of l's calls enforces, instead of a
// context.WithDeadline per call. A zero deadline is none.
func (l *Local) InvokeWithDeadline(ctx context.Context, call *effects.Call, deadline time.Time) (effects.Value, error) {
	if deadline.IsZero() {
		return l.Invoke(ctx, call)
	}
	id := l.nextID.Add(1)
	cc, _ := l.calls.start(ctx, id, deadline) // ids are never reused
	defer l.calls.finish(id)
	return l.Invoke(cc, call)
}

// Start starts a service plugin.
func (l *Local) Start(ctx context.Context) error {
	svc := l.srv.plugin.Service
	if svc == nil {
		return fmt.Errorf("plugin %s is not a service", l.srv.plugin.Name)
	}
	l.srv.mu.RLock()
	host := l.srv.host
	l.srv.mu.RUnlock()
	return svc.Start(ctx, host)
}

// Stop stops the plugin in process: a service plugin's Service.Stop, then
// its Close (for any plugin), which releases what Configure opened.
func (l *Local) Stop(ctx context.Context) error {
	var err error
	if svc := l.srv.plugin.Service; svc != nil {
		err = svc.Stop(ctx)
	}
	if c := l.srv.plugin.Close; c != nil {
		err = errors.Join(err, c())
	}
	return err
}

// Health reports a service plugin's health; a handler plugin in process is
// always healthy.
func (l *Local) Health(ctx context.Context) Health {
	if svc := l.srv.plugin.Service; svc != nil {
		return svc.Health(ctx)
	}
	return Health{Status: Healthy}
}

package sdk

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/go-hclog"

	"github.com/aurahost/aura-host/effects"
)

// Plugin is a plugin's declaration: what it is called, which operations it
// serves and how, and which config attributes it accepts. Pass it to Serve.
type Plugin struct {
	// Name identifies the plugin in logs and errors, e.g. "crypto".
	Name string
	// Version is the plugin's semantic version, e.g. "1.0.0".
	Version string
	// Operations are the operations the plugin serves, each with its schema
	// and handler. An operation not listed here is answered unknown_op.
	Operations []Operation
	// Config declares the attributes of the plugin's HCL config {} block.
	// The host decodes the user's block against it and reports mistakes at
	// the user's line before the plugin sees anything.
	Config []ConfigField
	// Configure, if set, is called with the decoded config before any
	// operation is served. Return a *ConfigError to point the user at one
	// attribute of their config block.
	Configure func(ctx context.Context, c *Configuration) error
	// Service, if set, makes this a service plugin: the host starts it after
	// Configure, probes its Health and stops it on shutdown.
	Service Service
	// Close, if set, releases what Configure opened (a database file, a
	// lock) when the plugin stops serving inside the host's process (run in
	// process, sdk.Local.Stop), so that a host started again over the same
	// state finds it free. A plugin process releases them by exiting; Close
	// is not called there.
	Close func() error
}

// Operation is one served operation: its declared schema next to the
// function that handles it. The SDK checks arguments against Spec before
// Handle runs, so Handle may rely on every required argument being present
// with the declared kind.
type Operation struct {
	Spec   OpSpec
	Handle func(ctx context.Context, call *Call) (Value, error)
}

// Configuration is what Configure receives.
type Configuration struct {
	// Values is the config block as a map Value, defaults applied.
	Values Value
	// Mode is the execution mode. In Testing and Simulation, derive all
	// randomness from Seed.
	Mode Mode
	Seed uint64
	// Authority is the authority this instance acts for; the SDK refuses
	// calls that name another one. It is zero for an instance the host
	// shares between the agents it runs: each call then names its own.
	Authority AuthorityID
	// StateDir is a directory private to this plugin for durable state.
	StateDir string
	// Host invokes effects through the host's router (nil when the host
	// offers no callbacks, as in some test harnesses).
	Host *HostClient
	// Logger writes to the host's log, tagged with the plugin's name.
	Logger hclog.Logger
}

// Get returns the config attribute name (null if absent).
func (c *Configuration) Get(name string) Value {
	v, _ := c.Values.Get(name)
	return v
}

// ConfigError places a configuration problem on one attribute of the
// user's config block, e.g. Path ["path"].
type ConfigError struct {
	Path    []string
	Summary string
	Detail  string
}

func (e *ConfigError) Error() string {
	if len(e.Path) == 0 {
		return e.Summary
	}
	return fmt.Sprintf("%s: %s", strings.Join(e.Path, "."), e.Summary)
}

// Service is the lifecycle of a service plugin.
type Service interface {
	// Start begins the service's work. host reaches the host's router.
	Start(ctx context.Context, host *HostClient) error
	// Stop ends it; it must return within ctx's deadline.
	Stop(ctx context.Context) error
	// Health reports whether the service is operational.
	Health(ctx context.Context) Health
}

// HealthStatus is a service's health.
type HealthStatus int

// Health statuses: healthy and degraded services are operational.
const (
	Healthy HealthStatus = iota + 1
	Degraded
	Unhealthy
)

func (s HealthStatus) String() string {
	switch s {
	case Healthy:
		return "healthy"
	case Degraded:
		return "degraded"
	case Unhealthy:
		return "unhealthy"
	}
	return "unknown"
}

// Health is a service's health with a reason when not healthy.
type Health struct {
	Status HealthStatus
	Reason string
}

// Descriptor returns what the plugin says about itself when described.
func (p *Plugin) Descriptor() effects.Descriptor {
	d := effects.Descriptor{Name: p.Name, Version: p.Version, Kind: effects.KindHandler, Config: p.Config}
	if p.Service != nil {
		d.Kind = effects.KindService
	}
	for _, op := range p.Operations {
		d.Ops = append(d.Ops, op.Spec)
	}
	return d
}

// Validate checks the declaration: a name and version, well-formed unique
// operations each with a handler, unique config fields.
func (p *Plugin) Validate() error {
	if p.Name == "" {
		return fmt.Errorf("plugin has no Name")
	}
	if p.Version == "" {
		return fmt.Errorf("plugin %s has no Version", p.Name)
	}
	for _, op := range p.Operations {
		if op.Handle == nil {
			return fmt.Errorf("plugin %s: operation %s has no Handle func", p.Name, op.Spec.ID)
		}
	}
	if err := p.Descriptor().Validate(); err != nil {
		return fmt.Errorf("plugin %s: %w", p.Name, err)
	}
	return nil
}

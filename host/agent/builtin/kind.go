package builtin

import (
	"context"
	"slices"

	"github.com/hashicorp/go-hclog"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/effects/facade"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/guard"
	"github.com/aurahost/aura-host/host/lifecycle"
	"github.com/aurahost/aura-host/host/syncer"
	"github.com/aurahost/aura-host/host/tasks"
	"github.com/aurahost/aura-host/internal/descriptor"
)

// ServiceKind is a service the agent hosts in process, declared in HCL as
//
//	service "NAME" {
//	  builtin    = "KIND"
//	  depends_on = [...]   # plugins or services; added to Dependencies
//	  config { ... }       # checked against Config, with file:line diagnostics
//	}
//
// Host-owned services are the ones that must see what no plugin may: every
// routed call (Router observers), the guard chain, the agent's own state.
type ServiceKind struct {
	// Kind is the builtin's name ("reactive").
	Kind string
	// Doc is one paragraph, shown by `aura-host plugins`.
	Doc string
	// Config is the schema of the service's config block; absent fields
	// with a Default get it.
	Config []effects.ConfigField
	// Ops are the operations the service serves, registered (provider
	// "service:NAME") before any plugin starts, as device.* are, so a
	// plugin that claims one conflicts at start-up.
	Ops []effects.OpSpec
	// Dependencies are default dependencies (plugin or service names),
	// added to the block's depends_on. A name the deployment does not
	// declare is dropped: the service must then cope without it.
	Dependencies []string
	// New builds the service. It must not call the agent's operations:
	// they work from the service's Start on.
	New func(env ServiceEnv) (HostedService, error)
}

// ServiceEnv is what a host-owned service is built from.
type ServiceEnv struct {
	// Agent is the agent hosting the service. Its operations (Invoke,
	// Effects, Tasks) work from the service's Start on; during New only
	// what needs no running plugin may be used: AuthorityID, Mode, Router
	// (observers, reserved contexts) and Host (registry, deployment).
	Agent Agent
	// Name is the service block's label.
	Name string
	// Settings is the config block as a map, by the kind's Config schema.
	Settings effects.Value
	// Logger is the agent's logger, named after the service.
	Logger hclog.Logger
	// Deployment is the agent's deployment (its agents and peers, to name
	// the service's peers).
	Deployment *config.Deployment
	// Authority is the authority an agent or peer block of Deployment
	// acts for (host/agent.Authority), to name the service's peers.
	Authority func(*config.Agent) (effects.AuthorityID, error)
}

// HostedService is a service the agent hosts: its lifecycle, and the
// operations of its kind (an effects.Handler switching on call.Op).
type HostedService interface {
	lifecycle.Service
	effects.Handler
}

// Agent is the agent hosting a service, as the builtin services see it:
// its public methods, which host/agent.Agent has. A service acts only
// through them — its calls routed like any caller's — and never reaches
// into the runtime.
type Agent interface {
	AuthorityID() effects.AuthorityID
	Mode() effects.Mode
	// Invoke routes one call as the agent.
	Invoke(ctx context.Context, op effects.OpID, args effects.Value) (effects.Value, error)
	// Router is the agent's router: observers, the guard chain's flow
	// budgets and receipts, reserved contexts.
	Router() *host.Router
	// Host is the runtime underneath: its registry and deployment.
	Host() *host.Host
	// Tasks is the agent's task supervisor, on the agent's clock.
	Tasks() *tasks.Supervisor
	// Effects are typed clients of every family, as the agent.
	Effects() *facade.Clients
	// Service is the host-owned service named name, or nil.
	Service(name string) lifecycle.Service
	// FlowBudget is the agent's flow budget for sending to peer in a
	// context; RotateEpoch moves it to its next epoch.
	FlowBudget(ctx context.Context, context effects.ContextID, peer effects.AuthorityID) (guard.FlowBudget, error)
	RotateEpoch(ctx context.Context, context effects.ContextID, peer effects.AuthorityID) error
	// SignDescriptor signs the agent's own rendezvous descriptor with its
	// device key.
	SignDescriptor(ctx context.Context, d descriptor.Descriptor) (descriptor.Signed, error)
	// Sync is the agent's sync service, nil when it runs none.
	Sync() *syncer.Syncer
}

// Kinds are the builtin services an agent can host.
func Kinds() []ServiceKind {
	return slices.Concat(
		catalogueKinds(),
		[]ServiceKind{coverKind(), holdsKind(), reactiveKind(), socialManagerKind(), selectionKind(), maintenanceKind(), localHealthKind()},
	)
}

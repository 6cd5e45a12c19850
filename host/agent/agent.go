package agent

import (
	"context"
	"crypto/ed25519"
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/effects/facade"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/agent/system"
	"github.com/aurahost/aura-host/host/guard"
	"github.com/aurahost/aura-host/host/lifecycle"
	"github.com/aurahost/aura-host/host/syncer"
	"github.com/aurahost/aura-host/host/tasks"
	"github.com/aurahost/aura-host/host/threshold"
	"github.com/aurahost/aura-host/host/tracing"
	"github.com/aurahost/aura-host/vm"
	"github.com/aurahost/aura-host/vm/policy"
)

// Agent is one authority's runtime: its plugins, router and guard chain.
// Every call it makes — through Invoke, its typed facades or a protocol it
// runs — goes through the router: authority scoping, the guard chain, then
// the plugin.
type Agent struct {
	host    *host.Host
	mode    effects.Mode
	signer  guard.KeySigner
	tempDir string
	// guardFile is the guard state the agent opened (production), closed
	// on Shutdown after the host.
	guardFile *host.GuardFile
	tasks     *tasks.Supervisor
	syncer    *syncer.Syncer // nil unless Config.Sync
	// services are the host-owned services (builtin service blocks),
	// started after the plugins and stopped before them.
	services *lifecycle.Manager
	closing  atomic.Bool

	// system serves the system family (host/agent/system) and keeps the
	// router's counters the scheduler signals read.
	system *system.Family

	shutdownOnce sync.Once
	shutdownErr  error
}

// AuthorityID is the authority the agent acts for.
func (a *Agent) AuthorityID() effects.AuthorityID { return a.host.Authority() }

// Mode is the agent's execution mode.
func (a *Agent) Mode() effects.Mode { return a.mode }

// PublicKey is the agent's device key, which verifies its receipts.
func (a *Agent) PublicKey() ed25519.PublicKey { return a.signer.PublicKey() }

// Invoke routes one call as the agent. Once Shutdown has begun, public
// operations are refused.
func (a *Agent) Invoke(ctx context.Context, op effects.OpID, args effects.Value) (effects.Value, error) {
	if a.closing.Load() {
		return effects.Value{}, &effects.Error{Code: effects.CodeUnavailable, Op: op, Message: "agent is shutting down", Err: host.ErrShutdown}
	}
	return a.host.Invoke(ctx, &effects.Call{Op: op, Args: args})
}

// Tasks is the agent's task supervisor: named, hierarchical background
// tasks, periodic ones on the agent's clock effect (virtual in
// simulation), all cancelled and awaited on Shutdown.
func (a *Agent) Tasks() *tasks.Supervisor { return a.tasks }

// AuthorityContext is what an agent knows of the authority it acts for.
type AuthorityContext struct {
	Authority effects.AuthorityID
	Mode      effects.Mode
	// DeviceKey is the public half of the agent's device key, which signs
	// its receipts.
	DeviceKey ed25519.PublicKey
}

// AuthorityContext describes the authority the agent acts for.
func (a *Agent) AuthorityContext() AuthorityContext {
	return AuthorityContext{Authority: a.AuthorityID(), Mode: a.mode, DeviceKey: a.PublicKey()}
}

// EffectContext is the effects.EffectContext of the agent's calls in a
// relational context and session; attach it with effects.WithEffectContext
// and every call made with that context is scoped to them.
func (a *Agent) EffectContext(context effects.ContextID, session effects.SessionID) effects.EffectContext {
	return effects.EffectContext{Authority: a.AuthorityID(), Context: context, Session: session, Mode: a.mode}
}

// FlowBudget is the agent's flow budget for sending to peer in a context.
func (a *Agent) FlowBudget(ctx context.Context, context effects.ContextID, peer effects.AuthorityID) (guard.FlowBudget, error) {
	b, _, err := a.host.Router().FlowBudgets().Get(ctx, guard.BudgetKey{Context: context, Peer: peer})
	return b, err
}

// RotateEpoch moves the agent's budget for sending to peer in a context to
// its next epoch, which resets what it has spent: the only replenishment.
func (a *Agent) RotateEpoch(ctx context.Context, context effects.ContextID, peer effects.AuthorityID) error {
	key := guard.BudgetKey{Context: context, Peer: peer}
	b, _, err := a.host.Router().FlowBudgets().Get(ctx, key)
	if err != nil {
		return err
	}
	_, err = a.host.Router().FlowBudgets().Rotate(ctx, key, b.Epoch+1)
	return err
}

// Effects returns typed clients of every effect family and service, each
// call routed as this agent (authority scoping, guard chain, plugin).
func (a *Agent) Effects() *facade.Clients {
	return facade.NewScoped(a.host.Router(), facade.Scope{Authority: a.AuthorityID()})
}

// Sessions is the session service, as this agent.
func (a *Agent) Sessions() *facade.Sessions { return a.Effects().Sessions }

// Auth is the auth service, as this agent.
func (a *Agent) Auth() *facade.Auth { return a.Effects().Auth }

// Invitations is the invitation service, as this agent.
func (a *Agent) Invitations() *facade.Invitations { return a.Effects().Invitations }

// Recovery is the guardian recovery service, as this agent.
func (a *Agent) Recovery() *facade.Recovery { return a.Effects().Recovery }

// Rendezvous is the rendezvous service, as this agent.
func (a *Agent) Rendezvous() *facade.Rendezvous { return a.Effects().Rendezvous }

// ThresholdDevice is this agent as a device of a threshold authority,
// holding the key with handle key in its crypto plugin: what
// threshold.New takes. It coordinates through the agent's router, journal
// and device key.
func (a *Agent) ThresholdDevice(name, key string) threshold.Device {
	fx := a.Effects()
	return threshold.Device{Name: name, Crypto: fx.Crypto, Key: key, Journal: fx.Journal, Signer: fx.Device}
}

// Router is the agent's router, for the VM or other callers.
func (a *Agent) Router() *host.Router { return a.host.Router() }

// Host is the runtime underneath, for status and supervision.
func (a *Agent) Host() *host.Host { return a.host }

// TaskShutdownTimeout bounds how long Shutdown waits for the agent's
// background tasks.
const TaskShutdownTimeout = 5 * time.Second

// Shutdown stops the agent in the platform's order: refuse new public
// operations, cancel the task tree (waiting up to TaskShutdownTimeout and
// naming tasks still running), stop the services and plugins in reverse
// start order (each within its timeout), and remove a temporary state
// directory. A second Shutdown is a no-op returning the first result.
func (a *Agent) Shutdown(ctx context.Context) error {
	a.shutdownOnce.Do(func() {
		a.closing.Store(true)
		tctx, cancel := context.WithTimeout(ctx, TaskShutdownTimeout)
		taskErr := a.tasks.Shutdown(tctx)
		cancel()
		var svcErr error
		if a.services != nil {
			svcErr = a.services.Stop(ctx)
		}
		a.shutdownErr = errors.Join(taskErr, svcErr, a.host.Shutdown(ctx), a.closeGuardFile())
		a.removeTemp()
	})
	return a.shutdownErr
}

func (a *Agent) closeGuardFile() error {
	if a.guardFile == nil {
		return nil
	}
	return a.guardFile.Close()
}

func (a *Agent) removeTemp() {
	if a.tempDir != "" {
		_ = os.RemoveAll(a.tempDir)
	}
}

// ProtocolOptions configures Agent.RunProtocol.
type ProtocolOptions struct {
	// Seed derives the session's identifiers and the host's made-up
	// decisions and payloads.
	Seed uint64
	// Granularity of the trace (default full).
	Granularity policy.Granularity
	// Decide, when set, picks branches instead of the seeded choice.
	Decide func(req *vm.DecisionRequest, n uint64) (string, error)
	// Payload, when set, supplies host() values.
	Payload func(req *vm.PayloadRequest) (effects.Value, error)
}

// RunProtocol runs every role of a protocol (HCL or JSON source) in one
// machine, with every invoke routed as this agent, and returns the finished
// machine (its bindings and trace). A protocol mistake is a
// *DiagnosticsError; a failed session is a *vm.Fault.
func (a *Agent) RunProtocol(ctx context.Context, src []byte, filename string, opts ProtocolOptions) (*vm.Machine, error) {
	proto, diags := vm.Load(src, filename)
	if diags.HasErrors() {
		return nil, &host.DiagnosticsError{Diagnostics: diags}
	}
	prog, diags := vm.Compile(proto)
	if diags.HasErrors() {
		return nil, &host.DiagnosticsError{Diagnostics: diags}
	}
	if opts.Granularity == "" {
		opts.Granularity = policy.Full
	}
	session := effects.DeriveSessionID(proto.Name, opts.Seed)
	ctxID := effects.DeriveContextID(proto.Name, opts.Seed)
	signals, err := a.SchedulerSignals(ctx, system.Admission{Session: session, Context: ctxID, Guards: host.ProgramGuards(prog)})
	if err != nil {
		return nil, err
	}
	defer a.Router().SessionGuards().EndSession(session)
	effs := host.NewVMEffects(a.host.Router(), a.mode, vm.RegistryEffectsConfig{Seed: opts.Seed, Decide: opts.Decide, Payload: opts.Payload})
	spans := tracing.StartSession(ctx, a.host.TracerProvider(), proto.Name, session, a.AuthorityID(), host.ProgramRoles(prog))
	effs.TraceSession(spans)
	m, err := vm.RunSession(ctx, prog, vm.Config{Effects: effs, Session: session, Authority: a.AuthorityID(),
		Context: ctxID, Granularity: opts.Granularity, Seed: opts.Seed, Signals: signals})
	spans.End(host.SessionStatus(err))
	return m, err
}

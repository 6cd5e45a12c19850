package sim

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/agent"
	"github.com/aurahost/aura-host/host/guard"
	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/vm"
	"github.com/aurahost/aura-host/vm/policy"
)

// Crash and restart of an agent in simulation (fault "crash"). A crash ends
// the agent's process: everything it held in memory is gone — its
// agent.Agent is shut down (router, guard-chain caches, tasks, the plugin
// instances it owned) and the sends its machines had committed but not yet
// handed to the network are lost. What a real device keeps on disk
// survives, each piece for the reason given:
//
//   - its state directory (durable.dir): the journal's database and every
//     other file a plugin keeps there are real files, opened again by the
//     restarted agent's plugins, so every fact the journal committed is
//     still there;
//   - its sim-storage instances (durable.disks): sim-storage is the
//     simulated disk, so the instance, owned by the simulation and handed
//     to each incarnation of the agent as a shared plugin, outlives it.
//     Like the shared network and clock it is configured for no
//     authority, so that its fault injection is the simulator's alone
//     (plugins/internal/simcontrol); the agent's calls name the agent,
//     and its data and failures are the ones it would have had alone;
//   - its guard store (durable.guard): the MemStore standing in for
//     guard.db, so flow budgets stay spent and receipt chains keep their
//     nonces and heads — crashing an agent must not refill its budget, nor
//     let it accept a receipt twice or issue a nonce again;
//   - its device key and identity: derived from its authority and the seed,
//     the same for every incarnation;
//   - the session log of each of its roles: the machine's full trace, the
//     steps the VM committed one by one. The restarted agent's machine is
//     rebuilt by replaying it (vm.Resume) and goes on live.
//
// Receipt chains need no resynchronisation of their own: the sending side
// issues from the durable head, so a peer's next receipt links to the last
// one it accepted, and a crashed receiver's chain head is as durable as its
// sender's. No new epoch is opened on restart, since a new epoch resets a
// flow budget's spend.
//
// While an agent is down, envelopes for it wait in the simulated network
// (no process takes them, as a reliable transport holds what a peer has
// not acknowledged) and reach it once it is back: its machines neither run
// nor receive until then. Messages its guard chain had accepted before the
// crash (simMachine.held, and nextIn, the next sequence number per edge)
// are kept with the acceptance that the guard store made durable: an
// acknowledged message is never lost.

// ErrAgentDown is a read of an agent that is crashed and not restarted
// yet (View.Facts): there is no process to ask; ask again once it is back.
var ErrAgentDown = errors.New("the agent is down: crashed by a fault and not restarted yet")

// durable is the state an agent of a simulation keeps across a crash.
type durable struct {
	id    effects.AuthorityID
	dir   string                // its state directory, owned by the simulation
	guard *guard.MemStore       // its guard.db
	disks map[string]*sdk.Local // its sim-storage instances, by plugin name
	keys  func(effects.AuthorityID) (ed25519.PublicKey, bool)
}

// durableBuiltins are the built-ins whose instance is the agent's disk in
// simulation: kept by the simulation across a crash of the agent.
var durableBuiltins = []string{"sim-storage"}

// newDurable makes the durable state of the simulated agent name: a state
// directory under the simulation's, a guard store, and an instance of
// each of its durable built-ins, configured for no authority (the
// simulator's: see above).
func (s *Simulation) newDurable(ctx context.Context, name string, id effects.AuthorityID, keys func(effects.AuthorityID) (ed25519.PublicKey, bool)) (*durable, error) {
	if s.stateRoot == "" {
		parent := s.cfg.StateRoot
		if parent == "" {
			parent = MemoryTempDir()
		}
		root, err := os.MkdirTemp(parent, "aura-sim-")
		if err != nil {
			return nil, fmt.Errorf("simulation: state directory: %w", err)
		}
		s.stateRoot = root
	}
	d := &durable{id: id, dir: filepath.Join(s.stateRoot, name), guard: guard.NewMemStore(), disks: map[string]*sdk.Local{}, keys: keys}
	if err := os.MkdirAll(d.dir, 0o700); err != nil {
		return nil, fmt.Errorf("simulation: state directory of %s: %w", name, err)
	}
	for _, p := range s.dep.EffectivePlugins() {
		if !slices.Contains(durableBuiltins, p.Builtin) {
			continue
		}
		disk, err := s.newBuiltin(ctx, p, effects.AuthorityID{}, d.dir)
		if err != nil {
			return nil, fmt.Errorf("agent %s: %w", name, err)
		}
		d.disks[p.Name] = disk
	}
	return d, nil
}

// buildSimulated builds an incarnation of a simulated agent over its
// durable state: the first at New, another at each restart.
func (s *Simulation) buildSimulated(ctx context.Context, name string, d *durable) (*agent.Agent, error) {
	shared := maps.Clone(s.shared)
	maps.Copy(shared, d.disks)
	return agent.NewBuilder().WithConfig(s.dep).WithAuthority(d.id).WithBuiltins(s.cfg.Builtins, s.cfg.Executable == "").
		WithShared(shared).WithPeerKeys(d.keys).WithLogger(s.cfg.Logger.Named(name)).
		WithStateDir(d.dir).WithGuardStore(d.guard).BuildSimulation(ctx, s.cfg.Seed)
}

// crash applies a crash fault's start (down) or end to the agent named
// name, and describes it for the bundle. Crash faults may overlap (a drawn
// one over a written one): the agent restarts when the last ends.
func (tl *timeline) crash(name string, down bool) (string, error) {
	a := tl.s.agentNamed(name)
	if a == nil {
		return "", fmt.Errorf("no agent %q", name)
	}
	if down {
		a.crashes++
		if a.crashes > 1 {
			return "agent " + name + " down (already)", nil
		}
		lost, err := tl.stop(a)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("agent %s down: process state gone, %d committed sends not yet on the network (sent after the restart)", name, lost), nil
	}
	if a.crashes == 0 {
		return "agent " + name + " up (was not down)", nil
	}
	if a.crashes--; a.crashes > 0 {
		return "agent " + name + " still down (another crash holds it)", nil
	}
	resumed, err := tl.restart(a)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("agent %s up: restarted from its durable state, %d logged steps replayed", name, resumed), nil
}

// machinesOf are the unfinished machines the agent plays in the runs of
// this call.
func (tl *timeline) machinesOf(a *simAgent) []*simMachine {
	var out []*simMachine
	for _, r := range tl.runs {
		for _, sm := range r.machines {
			if sm.agent == a && !sm.done {
				out = append(out, sm)
			}
		}
	}
	return out
}

// stop crashes a: each machine's committed steps are its session log, and
// the agent is shut down. A machine asleep on the virtual clock (inside an
// effect: its step not committed) is killed, its sleep cut short; the
// sends it committed before falling asleep were never flushed (the post
// office drains only idle machines). They are in its log, which is
// durable — the session log is the role's outbox — so the restart sends
// them (restart); what is lost is the step in progress, which runs again.
// It returns the number of committed sends not yet on the network.
func (tl *timeline) stop(a *simAgent) (int, error) {
	if g := tl.s.cfg.Granularity; g != policy.Full {
		return 0, fmt.Errorf("agent %s crashed: rebuilding its roles needs their full session logs, the trace granularity is %s; simulate with full granularity", a.name, g)
	}
	// Machines a sleeper's wake-up set running settle first, so what they
	// commit before the crash does not depend on goroutine timing.
	if err := tl.exec.quiesce(); err != nil {
		return 0, err
	}
	lost := 0
	for _, sm := range tl.machinesOf(a) {
		sm.log = sm.m.Trace() // asleep or idle: nothing records while it is read
		tl.exec.kill(sm)
		sm.unsent = len(sm.m.Drain())
		lost += sm.unsent
	}
	a.down = true
	if err := a.agent.Shutdown(tl.ctx); err != nil {
		tl.s.cfg.Logger.Warn("crashed agent's shutdown reported an error", "agent", a.name, "error", err)
	}
	return lost, nil
}

// restart builds a new incarnation of a over its durable state and
// rebuilds each of its machines from its session log. It returns the
// number of logged steps replayed.
func (tl *timeline) restart(a *simAgent) (int, error) {
	fresh, err := tl.s.buildSimulated(tl.ctx, a.name, a.durable)
	if err != nil {
		return 0, fmt.Errorf("restart agent %s: %w", a.name, err)
	}
	a.agent, a.down = fresh, false
	replayed := 0
	for _, sm := range tl.machinesOf(a) {
		if sm.log == nil {
			sm.log = sm.m.Trace() // bound while the agent was down: nothing logged
		}
		cfg := tl.s.machineConfig(sm.run, a, sm.role, policy.Signals{})
		m, sent, err := vm.Resume(tl.ctx, sm.run.prog, cfg, sm.log)
		if err != nil {
			return 0, fmt.Errorf("restart agent %s: resume role %s of run %q: %w", a.name, sm.role, sm.run.decl.Name, err)
		}
		// Resume hands back every send the log commits, in send order.
		// All but the last sm.unsent were on the network before the crash
		// (the loop flushes every idle machine each round, and a crash
		// falls between rounds): they are not sent again. The last
		// sm.unsent were committed by a machine that crashed asleep
		// before the post office drained it; the log is their outbox, so
		// they go out with the next flush, before anything the rebuilt
		// machine sends, and the peer sees its sequence unbroken.
		if n := min(sm.unsent, len(sent)); n > 0 {
			sm.resend = slices.Clone(sent[len(sent)-n:])
		}
		sm.unsent = 0
		replayed += len(sm.log.Entries)
		sm.m, sm.log = m, nil
	}
	return replayed, nil
}

// injectStorageFailure sets the storage failure rate of agent a.
func (tl *timeline) injectStorageFailure(a *simAgent, perMille effects.Value) error {
	_, err := tl.diskControl(a, effects.FaultInjectionInjectStorageFailure, map[string]effects.Value{"per_mille": perMille})
	return err
}

// diskControl calls op on each of agent a's sim-storage instances
// directly, as the simulator, down or up — a storage fault is the disk's,
// which outlives the process — and returns their answers in plugin-name
// order. It never goes through the agent's router: the disk refuses a
// call acting for the agent (simcontrol).
func (tl *timeline) diskControl(a *simAgent, op effects.OpID, args map[string]effects.Value) ([]effects.Value, error) {
	if a.durable == nil || len(a.durable.disks) == 0 {
		return nil, fmt.Errorf("agent %s has no simulated disk for %s: a storage fault needs a storage plugin with builtin = \"sim-storage\"", a.name, op)
	}
	var out []effects.Value
	for _, name := range slices.Sorted(maps.Keys(a.durable.disks)) {
		v, err := control(tl.ctx, a.durable.disks[name], op, args)
		if err != nil {
			return nil, fmt.Errorf("agent %s: %s: %w", a.name, name, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// deliveredTo is how many envelopes the simulated network has put in the
// inbox of a from the deployment's other agents: what a crash watches
// (coverage), since envelopes wait there while their agent is down.
func (tl *timeline) deliveredTo(a *simAgent) (int64, error) {
	var n int64
	dst := a.agent.AuthorityID() // known after a shutdown too
	for _, other := range tl.s.agents {
		if other == a {
			continue
		}
		src := other.agent.AuthorityID()
		v, err := control(tl.ctx, tl.s.network, "network_control.link",
			map[string]effects.Value{"source": effects.Bytes(src[:]), "destination": effects.Bytes(dst[:])})
		if err != nil {
			return 0, err
		}
		delivered, _ := v.Get("delivered")
		k, _ := delivered.AsInt()
		n += k
	}
	return n, nil
}

// Crash and restart of one of an agent's plugins (fault "plugin_crash").
// In production the plugin's process ends and its supervisor starts a new
// one; in simulation the plugins run in process, so the agent's host
// replaces the instance by a fresh one of the same built-in, configured
// as a restarted process starts (host.RestartPluginInProcess): over the
// same state directory, so what the plugin made durable survives — the
// journal's database, the crypto plugin's sealed keys and its record of
// used draw epochs, the random plugins' epochs — and what it held only in
// memory is gone: the crypto plugin's signing nonces, the seeded random
// streams' positions (a restarted stream is keyed by a new draw epoch, so
// it never gives a draw again). The restart takes no virtual time: the
// simulator's loop applies it between rounds and must not wait on the
// virtual clock. A call in flight on the old instance fails retryable
// unavailable, as in production; none can be at that instant here, since
// an agent's own plugins never sleep on virtual time (only the shared
// clock and network do) and the executor has quiesced.

// crashPlugin restarts the plugin named plugin of the agent named name,
// and describes it for the bundle. A plugin of an agent that is down has
// no process to crash: nothing happens, and the bundle says so.
func (tl *timeline) crashPlugin(name, plugin string) (string, error) {
	a := tl.s.agentNamed(name)
	if a == nil {
		return "", fmt.Errorf("no agent %q", name)
	}
	if !slices.Contains(tl.s.agentPlugins(), plugin) {
		return "", fmt.Errorf("plugin %q is not one of agent %s's own plugins (%v): the simulation shares the others between agents, or they are the agent's disk", plugin, name, tl.s.agentPlugins())
	}
	if a.down {
		return fmt.Sprintf("agent %s plugin %s not crashed: the agent is down", name, plugin), nil
	}
	if err := tl.exec.quiesce(); err != nil {
		return "", err
	}
	if err := a.agent.Host().RestartPluginInProcess(tl.ctx, plugin); err != nil {
		return "", fmt.Errorf("agent %s: %w", name, err)
	}
	return fmt.Sprintf("agent %s plugin %s restarted: memory gone, state directory kept", name, plugin), nil
}

// pluginCalls is how many calls the named agent's plugin has served in
// the agent's current incarnation: what a plugin crash watches
// (coverage), since it fired once the restarted instance served one.
func (tl *timeline) pluginCalls(name, plugin string) int64 {
	a := tl.s.agentNamed(name)
	if a == nil || a.down {
		return 0
	}
	for _, st := range a.agent.Host().Plugins() {
		if st.Name == plugin {
			return int64(st.Calls)
		}
	}
	return 0
}

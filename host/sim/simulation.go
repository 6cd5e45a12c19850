package sim

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/agent"
	"github.com/aurahost/aura-host/host/agent/system"
	"github.com/aurahost/aura-host/host/session"
	"github.com/aurahost/aura-host/host/sim/bundle"
	"github.com/aurahost/aura-host/host/sim/swarm"
	"github.com/aurahost/aura-host/host/syncer"
	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/vm"
	"github.com/aurahost/aura-host/vm/policy"
	"github.com/aurahost/aura-host/vm/trace"
)

// SharedBuiltins are the built-ins a simulation runs once for all its
// agents: one simulated network and one virtual clock, so that every agent
// sees the same time and can reach the others.
var SharedBuiltins = []string{"sim-network", "sim-clock"}

// DefaultRetransmitMs is the simulated transport's retransmission timeout:
// like TCP over a lossy link, an envelope the network drops is sent again
// until it gets through, so that drop faults delay protocols instead of
// breaking their receipt chains.
const DefaultRetransmitMs = 100

// Config configures a Simulation.
type Config struct {
	// Deployment declares the agents, plugins, faults and protocol runs.
	// It runs in simulation mode whatever its mode says.
	Deployment *config.Deployment
	// Seed drives every identifier, key, random byte and fault.
	Seed uint64
	// Builtins is the catalogue of built-in plugins (plugins.Lookup): a
	// simulation runs them in process. Required.
	Builtins func(string) (func() *sdk.Plugin, bool)
	// Logger receives the agents' logs. Default: discard.
	Logger hclog.Logger
	// Granularity of the recorded protocol traces. Default full.
	Granularity policy.Granularity
	// MaxVirtualMs ends a simulation that has not finished by this virtual
	// time (default: the longest run timeout, else one day).
	MaxVirtualMs int64
	// Decide, when set, picks the branches the host decides (choices
	// without a `decide` expression) instead of the seeded choice.
	Decide func(req *vm.DecisionRequest, n uint64) (string, error)
	// Invariants are checked after every step of the simulation
	// (invariant.go), after DefaultInvariants; the first violated one
	// stops it (Outcome.Violation).
	Invariants []Invariant
	// NoDefaultInvariants turns DefaultInvariants off.
	NoDefaultInvariants bool
	// Faults, when not nil (an empty list counts), replaces the faults the
	// seed would draw from the swarm block: the schedule replayed as
	// given, after the deployment's fault blocks, and listed on the
	// bundle's swarm line as drawn faults are. Given the seed's own draw
	// (swarm.Draw), the bundle is the plain run's, byte for byte. The
	// shrinker replays its candidate schedules this way, with the
	// deployment's fault blocks set aside (scenario.Scenario.SimulateSchedule,
	// in host/sim/scenario).
	// Like every fault, it applies in simulation only.
	Faults []*config.Fault
	// StateRoot is the directory a simulation makes its throwaway state
	// directory in (each agent's journal database and plugin files,
	// removed by Close). Default: MemoryTempDir().
	StateRoot string

	// Mode is Simulation (the default) or Production: the same deployment
	// with its real plugins — the libp2p transport, each agent on its own
	// port — on wall-clock time. Faults apply only in simulation.
	Mode effects.Mode
	// Executable, in production mode, runs built-in plugins as processes
	// of this aura-host binary; empty runs them in process.
	Executable string
	// StartTimeout, in production mode, bounds each plugin's start-up
	// (host.Config.StartTimeout; default 10 s): longer for many agents'
	// plugin processes starting at once on a loaded machine.
	StartTimeout time.Duration

	// Local, in production mode, names the agents this process runs; the
	// deployment's other agents run in other processes (one per device),
	// reached over the transport at the address and device key Peers gives
	// for each. Empty runs every agent here.
	Local []string
	// Peers places agents on the network in production mode: the address
	// each agent's transport listens on (a local agent) or is reached at (a
	// remote one, whose device public key it also gives). An agent without
	// an entry gets a free loopback port, which only works when every agent
	// runs in this process.
	Peers map[string]Peer
}

// Peer is where an agent's transport is, and for an agent of another
// process the device key it proves in the transport's handshake.
type Peer struct {
	Address string
	// More are further addresses (a QUIC one beside TCP, a public one
	// beside a LAN one): listened on too, or dialled too.
	More      []string
	PublicKey ed25519.PublicKey
}

// addresses is the peer's addresses as a transport config value: one
// string, or the list.
func (p Peer) addresses() effects.Value {
	if len(p.More) == 0 {
		return effects.String(p.Address)
	}
	items := []effects.Value{effects.String(p.Address)}
	for _, a := range p.More {
		items = append(items, effects.String(a))
	}
	return effects.List(items...)
}

// Simulation runs several agents in one process (in production, possibly
// only some of a deployment's agents: Config.Local) on one timeline:
// their protocol sessions, a simulated network between them with faults
// applied on schedule, and a trace bundle that is byte-identical for a
// seed.
type Simulation struct {
	cfg     Config
	dep     *config.Deployment
	agents  []*simAgent // declaration order; only the local ones
	byAuth  map[effects.AuthorityID]*simAgent
	remote  map[string]effects.AuthorityID // agents of other processes, by name
	relays  []Peer                         // production: the relays its agents reserve on and reach peers through
	early   []earlyMessage                 // messages for runs not bound yet (postOffice.deliver)
	shared  map[string]*sdk.Local
	network *sdk.Local
	clock   *sdk.Local
	// stateRoot holds the state directories of the simulated agents,
	// which outlive their crashes (restart.go); removed by Close.
	stateRoot string
	closeMu   sync.Once
}

type simAgent struct {
	name  string
	agent *agent.Agent // its current incarnation; shut down while down
	down  bool         // crashed by a fault, not restarted yet
	// crashes counts the crash faults in force on it: it restarts when
	// the last ends.
	crashes int
	// durable is what it keeps across a crash (restart.go); nil in
	// production, where faults do not apply.
	durable *durable
}

// periodicTasks counts the periodic tasks alive on the agents that are up
// (a builtin service's tick), which sleep on the shared clock between runs.
// Only simulation shares a clock that they sleep on.
func (s *Simulation) periodicTasks() int {
	if s.cfg.Mode == effects.Production {
		return 0
	}
	n := 0
	for _, a := range s.agents {
		if a.down {
			continue
		}
		for _, t := range a.agent.Tasks().Tasks() {
			if t.Interval > 0 && t.Running {
				n++
			}
		}
	}
	return n
}

// New builds the shared plugins and every agent of the
// deployment (or its one implicit agent), in simulation mode with cfg.Seed.
func New(ctx context.Context, cfg Config) (*Simulation, error) {
	if cfg.Builtins == nil {
		return nil, errors.New("simulation: Config.Builtins is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = hclog.NewNullLogger()
	}
	if cfg.Granularity == "" {
		cfg.Granularity = policy.Full
	}
	if cfg.Mode == "" {
		cfg.Mode = effects.Simulation
	}
	if cfg.Mode != effects.Simulation && cfg.Mode != effects.Production {
		return nil, fmt.Errorf("simulation: mode %s: agents run together in simulation or production mode", cfg.Mode)
	}
	dep := cfg.Deployment.WithMode(cfg.Mode)
	if cfg.Mode == effects.Simulation {
		dep.Seed = cfg.Seed
	}
	s := &Simulation{cfg: cfg, dep: dep, byAuth: map[effects.AuthorityID]*simAgent{}, remote: map[string]effects.AuthorityID{},
		shared: map[string]*sdk.Local{}}
	decls := dep.Agents
	if len(decls) == 0 {
		decls = []*config.Agent{{Name: dep.Name, Authority: dep.Authority, Allow: []string{"*"}}}
	}
	if len(dep.Peers) > 0 {
		if cfg.Mode != effects.Production {
			return nil, fmt.Errorf("simulation: %s declares peers, agents on other machines whose plugins it does not know; "+
				"it runs only in production, each machine's file under its own `aura-host run`", dep.Name)
		}
		decls = s.placePeers(decls)
	}
	if cfg.Mode != effects.Production {
		for _, ag := range decls {
			if ag.Sync != nil {
				cfg.Logger.Warn("sync blocks run in production only; this run's agents keep their journals to themselves", "agent", ag.Name)
				break
			}
		}
	}
	if err := s.checkLocal(decls); err != nil {
		return nil, err
	}
	if err := s.startShared(ctx); err != nil {
		return nil, err
	}
	remoteKeys := map[effects.AuthorityID]ed25519.PublicKey{}
	keys := func(id effects.AuthorityID) (ed25519.PublicKey, bool) {
		if a, ok := s.byAuth[id]; ok {
			return a.agent.PublicKey(), true
		}
		pub, ok := remoteKeys[id]
		return pub, ok
	}
	transports, err := s.transportConfigs(decls)
	if err != nil {
		return nil, err
	}
	for _, ag := range decls {
		id, err := agent.Authority(dep, ag)
		if err != nil {
			s.Close(ctx)
			return nil, err
		}
		if !s.isLocal(ag.Name) {
			s.remote[ag.Name], remoteKeys[id] = id, s.cfg.Peers[ag.Name].PublicKey
			continue
		}
		var a *agent.Agent
		var d *durable
		if cfg.Mode == effects.Simulation {
			if d, err = s.newDurable(ctx, ag.Name, id, keys); err == nil {
				a, err = s.buildSimulated(ctx, ag.Name, d)
			}
		} else {
			b := agent.NewBuilder().WithConfig(dep).WithAuthority(id).WithBuiltins(cfg.Builtins, cfg.Executable == "").
				WithShared(s.shared).WithPeerKeys(keys).WithLogger(cfg.Logger.Named(ag.Name))
			for name, values := range transports[ag.Name] {
				b.WithPluginConfig(name, values)
			}
			if ag.Sync != nil {
				sc, err := s.syncConfig(ag, decls)
				if err != nil {
					s.Close(ctx)
					return nil, fmt.Errorf("agent %s: sync: %w", ag.Name, err)
				}
				b.WithSync(sc)
			}
			a, err = b.WithExecutable(cfg.Executable).WithStartTimeout(cfg.StartTimeout).WithStateDir(s.agentStateDir(ag)).BuildProduction(ctx)
		}
		if err != nil {
			s.Close(ctx)
			return nil, fmt.Errorf("agent %s: %w", ag.Name, err)
		}
		sa := &simAgent{name: ag.Name, agent: a, durable: d}
		s.agents = append(s.agents, sa)
		s.byAuth[id] = sa
	}
	if s.network != nil {
		if _, err := control(ctx, s.network, "network_faults.set_retransmit", map[string]effects.Value{"rto_ms": effects.Int(DefaultRetransmitMs)}); err != nil {
			s.Close(ctx)
			return nil, err
		}
	}
	return s, nil
}

// placePeers applies a multi-host deployment's peer blocks: its agent
// blocks are this process's agents (Local, unless the caller chose),
// listening where their listen attribute says; its peers are the others,
// reached at their first address and authenticated by their keys (Peers,
// where the caller gave no entry). It returns the declarations of every
// agent, the peers' after the local ones.
func (s *Simulation) placePeers(local []*config.Agent) []*config.Agent {
	if s.cfg.Local == nil {
		for _, ag := range local {
			s.cfg.Local = append(s.cfg.Local, ag.Name)
		}
	}
	peers := maps.Clone(s.cfg.Peers)
	if peers == nil {
		peers = map[string]Peer{}
	}
	decls := slices.Clone(local)
	for _, ag := range local {
		if _, ok := peers[ag.Name]; !ok && len(ag.Listen) > 0 {
			peers[ag.Name] = Peer{Address: ag.Listen[0], More: ag.Listen[1:]}
		}
	}
	for _, p := range s.dep.Peers {
		if p.Relay {
			s.relays = append(s.relays, Peer{Address: p.Addresses[0], More: p.Addresses[1:], PublicKey: p.PublicKey})
			continue
		}
		if _, ok := peers[p.Name]; !ok {
			peers[p.Name] = Peer{Address: p.Addresses[0], More: p.Addresses[1:], PublicKey: p.PublicKey}
		}
		decls = append(decls, &config.Agent{Name: p.Name, NameRange: p.NameRange, DeclRange: p.DeclRange,
			Authority: p.Authority, AuthorityRange: p.AuthorityRange})
	}
	s.cfg.Peers = peers
	return decls
}

// checkLocal checks Config.Local and Config.Peers: local agents exist,
// they are production's only, and every remote agent has an address and
// a device key.
func (s *Simulation) checkLocal(decls []*config.Agent) error {
	if len(s.cfg.Local) == 0 {
		return nil
	}
	if s.cfg.Mode != effects.Production {
		return fmt.Errorf("simulation: Local names the agents of one process of a production run; in %s mode every agent runs in one process", s.cfg.Mode)
	}
	names := make([]string, len(decls))
	for i, ag := range decls {
		names[i] = ag.Name
	}
	for _, name := range s.cfg.Local {
		if !slices.Contains(names, name) {
			return fmt.Errorf("simulation: Local names %q, which is not an agent of the deployment (its agents: %s)", name, strings.Join(names, ", "))
		}
	}
	for name := range s.cfg.Peers {
		if !slices.Contains(names, name) {
			return fmt.Errorf("simulation: Peers names %q, which is not an agent of the deployment (its agents: %s)", name, strings.Join(names, ", "))
		}
	}
	for _, name := range names {
		p := s.cfg.Peers[name]
		switch {
		case s.isLocal(name) && p.Address == "":
			return fmt.Errorf("simulation: agent %s runs here: Peers must give the address its transport listens on, which the other processes dial", name)
		case !s.isLocal(name) && (p.Address == "" || len(p.PublicKey) != ed25519.PublicKeySize):
			return fmt.Errorf("simulation: agent %s runs in another process: Peers must give its transport address and its 32-byte device public key", name)
		}
	}
	return nil
}

// isLocal reports whether this process runs the agent named name.
func (s *Simulation) isLocal(name string) bool {
	return len(s.cfg.Local) == 0 || slices.Contains(s.cfg.Local, name)
}

// agentStateDir is the state directory of an agent of a production run.
func (s *Simulation) agentStateDir(ag *config.Agent) string {
	return filepath.Join(s.dep.StateDir, "agents", ag.Name)
}

// transportConfigs gives each agent of a production run its own loopback
// address for every transport plugin, with the others as its peers, named
// by the hex of their authorities (how the transport names a bytes
// destination) and authenticated by their device keys (the agent gives
// its transport its own device key file).
func (s *Simulation) transportConfigs(decls []*config.Agent) (map[string]map[string]effects.Value, error) {
	out := map[string]map[string]effects.Value{}
	if s.cfg.Mode != effects.Production {
		return out, nil
	}
	var transports []string
	for _, p := range s.dep.EffectivePlugins() {
		if p.Builtin == "transport" {
			transports = append(transports, p.Name)
		}
	}
	if len(transports) == 0 {
		return out, nil
	}
	addrs := map[string]effects.Value{}
	names := map[string]string{}
	keys := map[string]string{}
	for _, ag := range decls {
		id, err := agent.Authority(s.dep, ag)
		if err != nil {
			return nil, err
		}
		at := s.cfg.Peers[ag.Name]
		if at.Address == "" {
			if at.Address, err = freeLoopbackAddr(); err != nil {
				return nil, err
			}
		}
		addr := at.addresses()
		pub := s.cfg.Peers[ag.Name].PublicKey
		if s.isLocal(ag.Name) {
			dep := *s.dep
			dep.StateDir = s.agentStateDir(ag)
			if pub, err = agent.DevicePublicKey(&dep, id); err != nil {
				return nil, fmt.Errorf("agent %s: device key: %w", ag.Name, err)
			}
		}
		addrs[ag.Name], names[ag.Name], keys[ag.Name] = addr, hex.EncodeToString(id[:]), hex.EncodeToString(pub)
	}
	for _, ag := range decls {
		if !s.isLocal(ag.Name) {
			continue
		}
		// With relays, every agent reserves a slot on each (at its first
		// address) and reaches a peer through the first when it cannot
		// reach it directly.
		var relays []effects.Value
		for _, r := range s.relays {
			relays = append(relays, effects.Map(map[string]effects.Value{
				"address": effects.String(r.Address), "public_key": effects.String(hex.EncodeToString(r.PublicKey))}))
		}
		peers := map[string]effects.Value{}
		for _, other := range decls {
			if other != ag {
				p := map[string]effects.Value{"address": addrs[other.Name], "public_key": effects.String(keys[other.Name])}
				if len(relays) > 0 {
					p["relay"] = relays[0]
				}
				peers[names[other.Name]] = effects.Map(p)
			}
		}
		fields := map[string]effects.Value{"listen": addrs[ag.Name],
			"name": effects.String(names[ag.Name]), "peers": effects.Map(peers)}
		if len(relays) > 0 {
			fields["relays"] = effects.List(relays...)
		}
		cfg := effects.Map(fields)
		out[ag.Name] = map[string]effects.Value{}
		for _, t := range transports {
			out[ag.Name][t] = cfg
		}
	}
	return out, nil
}

// runAddresses are every agent's authority (here and in other processes)
// and the context of every run of the deployment: what the envelopes of
// its runs, and only they, come from and belong to.
func (s *Simulation) runAddresses() ([]effects.AuthorityID, []effects.ContextID) {
	var ids []effects.AuthorityID
	for _, a := range s.agents {
		ids = append(ids, a.agent.AuthorityID())
	}
	for _, name := range slices.Sorted(maps.Keys(s.remote)) {
		ids = append(ids, s.remote[name])
	}
	var ctxs []effects.ContextID
	for _, r := range s.dep.Runs {
		ctxs = append(ctxs, effects.DeriveContextID(r.Name, s.cfg.Seed)) // as bind derives them
	}
	return ids, ctxs
}

// syncConfig is the sync service of a production agent whose block has a
// sync block: rounds with the agents it names (here or peers), and the
// device key of every agent of the deployment allowed to sign the facts
// of its authority, so that a fact relayed by a third device is still
// checked against its writer's key.
func (s *Simulation) syncConfig(ag *config.Agent, decls []*config.Agent) (agent.SyncConfig, error) {
	cfg := agent.SyncConfig{Interval: ag.Sync.Interval}
	ids := map[string]effects.AuthorityID{}
	for _, other := range decls {
		id, err := agent.Authority(s.dep, other)
		if err != nil {
			return cfg, err
		}
		ids[other.Name] = id
		if other == ag {
			continue // its own key is always allowed
		}
		pub := s.cfg.Peers[other.Name].PublicKey
		if s.isLocal(other.Name) {
			dep := *s.dep
			dep.StateDir = s.agentStateDir(other)
			if pub, err = agent.DevicePublicKey(&dep, id); err != nil {
				return cfg, err
			}
		}
		cfg.Keys = append(cfg.Keys, syncer.Key{Authority: id, Key: pub})
	}
	for _, name := range ag.Sync.With {
		id, ok := ids[name]
		if !ok {
			return cfg, fmt.Errorf("%s is not an agent of the deployment", name)
		}
		cfg.Peers = append(cfg.Peers, syncer.Peer{Authority: id})
	}
	return cfg, nil
}

// startShared configures one instance of each shared built-in the
// deployment uses, with no authority: it serves every agent.
func (s *Simulation) startShared(ctx context.Context) error {
	for _, p := range s.dep.EffectivePlugins() {
		if !slices.Contains(SharedBuiltins, p.Builtin) {
			continue
		}
		local, err := s.newBuiltin(ctx, p, effects.AuthorityID{}, "")
		if err != nil {
			return fmt.Errorf("simulation: %w", err)
		}
		s.shared[p.Name] = local
		switch p.Builtin {
		case "sim-network":
			s.network = local
		case "sim-clock":
			s.clock = local
		}
	}
	return nil
}

// newBuiltin makes an in-process instance of the built-in plugin p and
// configures it in simulation mode for authority id (none: it serves
// every agent, as the shared network and clock do) with state directory
// dir, as an agent's plugin manager would.
func (s *Simulation) newBuiltin(ctx context.Context, p *config.Plugin, id effects.AuthorityID, dir string) (*sdk.Local, error) {
	newPlugin, ok := s.cfg.Builtins(p.Builtin)
	if !ok {
		return nil, fmt.Errorf("no built-in %q", p.Builtin)
	}
	local, err := sdk.NewLocal(newPlugin(), s.cfg.Logger.Named(p.Name))
	if err != nil {
		return nil, err
	}
	values, diags := config.DecodePluginConfig(p, local.Describe().Config)
	if diags.HasErrors() {
		return nil, &host.DiagnosticsError{Diagnostics: diags}
	}
	req := sdk.ConfigureRequest{Config: values, Mode: effects.Simulation, Seed: s.cfg.Seed, Authority: id, StateDir: dir}
	if d := local.Configure(ctx, req, nil); len(d) > 0 && d[0].Error {
		return nil, fmt.Errorf("configure %s: %s: %s", p.Name, d[0].Summary, d[0].Detail)
	}
	return local, nil
}

// Agent returns the agent declared with name, or nil: its current
// incarnation — after a crash-restart the new one; while it is down, the
// one that crashed, which refuses every call.
func (s *Simulation) Agent(name string) *agent.Agent {
	for _, a := range s.agents {
		if a.name == name {
			return a.agent
		}
	}
	return nil
}

// Close shuts every agent down and removes their state directories.
func (s *Simulation) Close(ctx context.Context) {
	s.closeMu.Do(func() {
		for _, a := range s.agents {
			_ = a.agent.Shutdown(ctx)
		}
		if s.stateRoot != "" {
			_ = os.RemoveAll(s.stateRoot)
		}
	})
}

// control calls a shared plugin's control operation directly (not through an
// agent: the shared plugins serve no authority).
func control(ctx context.Context, l *sdk.Local, op effects.OpID, args map[string]effects.Value) (effects.Value, error) {
	return l.Invoke(ctx, &effects.Call{Op: op, Args: effects.Map(args)})
}

// RunResult is the outcome of one protocol run.
type RunResult struct {
	Name string
	// Err is the run's fault (a *vm.Fault, or why it could not run); nil
	// when every role completed.
	Err error
	// FinishedMs is the virtual time at which the run ended.
	FinishedMs int64
	// Steps is the total of the instructions its machines executed.
	Steps uint64
	// Bindings are each role's final bindings of the run's machines.
	machines []*simMachine
}

// Scheduler is the scheduler policy the machine of role ran under: the
// protocol's, or the VM's rule over the scheduler signals its agent
// supplied when the run was admitted.
func (r *RunResult) Scheduler(role string) (policy.Scheduler, bool) {
	for _, m := range r.machines {
		if m.role == role {
			return m.m.Policy(), true
		}
	}
	return "", false
}

// Binding returns a role's final binding.
func (r *RunResult) Binding(role, name string) (effects.Value, bool) {
	for _, m := range r.machines {
		if m.role == role {
			return m.m.Binding(role, name)
		}
	}
	return effects.Value{}, false
}

// Outcome is what a simulation produced.
type Outcome struct {
	Runs   []*RunResult
	Bundle *TraceBundle
	// VirtualMs is the virtual time when the simulation ended.
	VirtualMs int64
	// Drawn is the fault schedule the seed drew from the swarm block, or
	// Config.Faults when given (nil
	// without one), in start order; the bundle's swarm line lists it.
	Drawn []*config.Fault
	// Coverage says which kinds of the faults scheduled (written or drawn)
	// fired during the run; nil when none was scheduled.
	Coverage swarm.Coverage
	// Violation is the invariant that stopped the simulation, or nil.
	Violation *InvariantViolation
}

// Failed reports whether any run failed or an invariant was violated.
func (o *Outcome) Failed() bool {
	if o.Violation != nil {
		return true
	}
	for _, r := range o.Runs {
		if r.Err != nil {
			return true
		}
	}
	return false
}

type simMachine struct {
	run    *simRun
	role   string
	agent  *simAgent
	m      *vm.Machine
	done   bool
	held   []vm.Message // delivered by the network, refused by a full inbox
	nextIn map[string]uint64
	// log is the session log kept while its agent is down: the steps the
	// machine had committed when it crashed, from which it is rebuilt.
	log *trace.Trace
	// unsent counts the sends the machine had committed but not handed to
	// the network when its agent crashed; resend holds them again once
	// the machine is rebuilt, for the post office's next flush.
	unsent int
	resend []vm.Message
	// times are the virtual-time marks of the machine's trace, written to
	// the bundle (bundle.TimeMark): the entries from each mark's index on
	// happened at its time.
	times []bundle.TimeMark
}

// markTime notes that the machine's entries from now on happen at ms:
// time moves only between the loop's rounds, so every entry recorded
// since the last mark happened at the last mark's time. A mark no entry
// followed is moved instead of kept.
func (sm *simMachine) markTime(ms int64) {
	n := sm.m.TraceLen()
	if k := len(sm.times); k > 0 && sm.times[k-1].Entry == n {
		sm.times[k-1].Ms = ms
		return
	}
	sm.times = append(sm.times, bundle.TimeMark{Entry: n, Ms: ms})
}

type simRun struct {
	decl     *config.Run
	prog     *vm.Program
	result   *RunResult
	session  effects.SessionID
	context  effects.ContextID
	machines []*simMachine
	byRole   map[string]*simMachine
	remote   map[string]effects.AuthorityID // roles played in other processes, by their agents' authorities
	deadline int64
}

// Run runs every protocol run the deployment declares, interleaved on one
// virtual timeline with its faults, until all have ended.
func (s *Simulation) Run(ctx context.Context) (*Outcome, error) {
	var runs []*simRun
	for _, decl := range s.dep.Runs {
		r, err := s.prepare(ctx, decl)
		if err != nil {
			return nil, err
		}
		runs = append(runs, r)
	}
	return s.run(ctx, runs)
}

// RunNamed runs only the named runs of the deployment (all of them, in
// the deployment's order, interleaved as Run does), so that a test can run
// one ceremony after another on the same agents: a key generation, then
// its rotation. A name the deployment does not declare is an error.
func (s *Simulation) RunNamed(ctx context.Context, names ...string) (*Outcome, error) {
	var runs []*simRun
	for _, name := range names {
		i := slices.IndexFunc(s.dep.Runs, func(r *config.Run) bool { return r.Name == name })
		if i < 0 {
			return nil, fmt.Errorf("simulation: the deployment declares no run %q", name)
		}
		r, err := s.prepare(ctx, s.dep.Runs[i])
		if err != nil {
			return nil, err
		}
		runs = append(runs, r)
	}
	return s.run(ctx, runs)
}

// machineConfig configures the machine of role in run r on agent a: its
// effects are the agent's router (the guard chain included).
func (s *Simulation) machineConfig(r *simRun, a *simAgent, role string, signals policy.Signals) vm.Config {
	effs := host.NewVMEffects(a.agent.Router(), s.cfg.Mode, vm.RegistryEffectsConfig{Seed: s.cfg.Seed, Decide: s.cfg.Decide})
	return vm.Config{Effects: effs, Roles: []string{role}, Session: r.session, Authority: a.agent.AuthorityID(),
		Context: r.context, Granularity: s.cfg.Granularity, Seed: s.cfg.Seed, Signals: signals}
}

// prepare loads a run's protocol and makes one machine per role, bound to
// its agent.
func (s *Simulation) prepare(ctx context.Context, decl *config.Run) (*simRun, error) {
	src, err := session.ReadProtocol(decl.Protocol, s.dep.MaxFileSize)
	if err != nil {
		return nil, fmt.Errorf("run %q: read protocol: %w", decl.Name, err)
	}
	// Traces record the protocol's file name: relative to the deployment,
	// so that a bundle is the same bytes in every checkout.
	name := decl.Protocol
	if rel, err := filepath.Rel(s.dep.Dir, decl.Protocol); err == nil {
		name = rel
	}
	proto, diags := vm.Load(src, name)
	if !diags.HasErrors() && decl.ProtocolName != "" && proto.Name != decl.ProtocolName {
		return nil, fmt.Errorf("run %q names protocol %q, but %s holds protocol %q", decl.Name, decl.ProtocolName, name, proto.Name)
	}
	if !diags.HasErrors() {
		var prog *vm.Program
		prog, diags = vm.Compile(proto)
		if !diags.HasErrors() {
			return s.bind(ctx, decl, prog)
		}
	}
	return nil, &host.DiagnosticsError{Diagnostics: diags}
}

// signals are the scheduler signals of role's machine, admitted by a
// (see agent.Agent.SchedulerSignals).
func (s *Simulation) signals(ctx context.Context, a *agent.Agent, r *simRun, prog *vm.Program, role string) (policy.Signals, error) {
	return a.SchedulerSignals(ctx, system.Admission{Session: r.session, Context: r.context,
		Peers: s.peersOf(r.decl, role), Guards: host.ProgramGuards(prog, role)})
}

// peersOf are the authorities of the agents bound to a run's roles other
// than role: those its machine sends to, in the run's context.
func (s *Simulation) peersOf(decl *config.Run, role string) []effects.AuthorityID {
	var out []effects.AuthorityID
	for _, other := range slices.Sorted(maps.Keys(decl.Roles)) {
		if other == role {
			continue
		}
		name := decl.Roles[other]
		if id, ok := s.remote[name]; ok {
			out = append(out, id)
			continue
		}
		for _, a := range s.agents {
			if a.name == name {
				out = append(out, a.agent.AuthorityID())
			}
		}
	}
	return out
}

func (s *Simulation) bind(ctx context.Context, decl *config.Run, prog *vm.Program) (*simRun, error) {
	seed := s.cfg.Seed
	r := &simRun{decl: decl, prog: prog, result: &RunResult{Name: decl.Name},
		session: effects.DeriveSessionID(decl.Name, seed), context: effects.DeriveContextID(decl.Name, seed),
		byRole: map[string]*simMachine{}, remote: map[string]effects.AuthorityID{}}
	if decl.Timeout > 0 {
		r.deadline = decl.Timeout.Milliseconds()
	}
	var missing []string
	for _, role := range prog.Protocol.Roles {
		name, ok := decl.Roles[role]
		if !ok {
			missing = append(missing, role)
			continue
		}
		if id, ok := s.remote[name]; ok {
			r.remote[role] = id // its machine runs in that agent's process
			continue
		}
		var agent *simAgent
		for _, a := range s.agents {
			if a.name == name {
				agent = a
			}
		}
		if agent == nil {
			return nil, fmt.Errorf("run %q binds role %s to %q, which is not an agent of the deployment", decl.Name, role, name)
		}
		signals, err := s.signals(ctx, agent.agent, r, prog, role)
		if err != nil {
			return nil, fmt.Errorf("run %q role %s: scheduler signals: %w", decl.Name, role, err)
		}
		m, err := vm.NewMachine(prog, s.machineConfig(r, agent, role, signals))
		if err != nil {
			return nil, fmt.Errorf("run %q role %s: %w", decl.Name, role, err)
		}
		sm := &simMachine{run: r, role: role, agent: agent, m: m, nextIn: map[string]uint64{}}
		r.machines = append(r.machines, sm)
		r.byRole[role] = sm
		r.result.machines = append(r.result.machines, sm)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("run %q does not bind roles %s of protocol %s: add them to its roles map", decl.Name, strings.Join(missing, ", "), prog.Protocol.Name)
	}
	for _, role := range slices.Sorted(maps.Keys(decl.Roles)) {
		if !slices.Contains(prog.Protocol.Roles, role) {
			return nil, fmt.Errorf("run %q binds %s, which protocol %s does not have; its roles are %s", decl.Name, role, prog.Protocol.Name, strings.Join(prog.Protocol.Roles, ", "))
		}
	}
	return r, nil
}

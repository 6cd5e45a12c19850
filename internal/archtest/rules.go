package archtest

import "slices"

// Module is the project's module path; rules name packages relative to it.
const Module = "github.com/aurahost/aura-host"

// A Rule says what the packages it covers may import.
//
// Pkg and the entries of May and TestMay are package paths relative to the
// module, in the go command's pattern style: "sdk" is exactly sdk, and
// "host/..." is host and every package under it. The rule that covers a
// package is the exact one if there is one, else the "/..." pattern with the
// longest prefix, so a sub-package added later falls under its parent's rule
// unless it gets its own.
type Rule struct {
	Pkg string
	// May lists the project packages that non-test files may import.
	May []string
	// TestMay lists the project packages that _test.go files (in-package and
	// external) may import in addition to May: test harnesses and the
	// packages a test drives.
	TestMay []string
	// Std, when not nil, is the allow-list of standard-library packages that
	// non-test files may import; nil means any. Test files may import any
	// standard package: they run on a developer's machine, not in the VM.
	Std []string
	// Except, on a row that names one package exactly and has no May, makes
	// that row an exception: the package keeps the rule that would cover it
	// and may also import these. An exception no package uses any more
	// fails the test, so the table cannot keep a stale one.
	Except []string
	// Why says why the rule is what it is; an exception says what would
	// remove it.
	Why string
}

// pluginMay is what a plugin may import: the vocabulary, the SDK and the
// plugins' shared internals, never another plugin (a plugin loaded alone
// must not drag another in, and a swap by HCL must not break a caller).
var pluginMay = []string{"effects/...", "sdk", "plugins/internal/...", "internal/vclock", "internal/descriptor"}

// pluginTestMay is what a plugin's tests may import besides: the SDK's
// conformance harness.
var pluginTestMay = []string{"sdk/sdktest", "internal/netns"}

// vmStd is the standard library the VM may use: computation, encoding and
// in-memory I/O interfaces, nothing that reaches the OS, the wall clock or
// ambient randomness (time and randomness are effects). It is what the VM
// imported when the allow-list was written; extend it only with pure
// packages (no os, net, syscall, time, math/rand, crypto/rand, io/fs,
// os/signal, unsafe, reflect, runtime, plugin).
var vmStd = []string{
	"bufio", "bytes", "cmp", "context", "encoding/binary", "encoding/hex", "encoding/json",
	"errors", "fmt", "io", "maps", "math", "path", "slices", "sort", "strconv", "strings",
	"sync", "unicode/utf8",
}

// Rules is the single source of truth for the import rules of
// docs/ARCHITECTURE.md. Who may import host, for example, is read from the
// May lists that name it, and nowhere else.
var Rules = []Rule{
	{Pkg: "effects", Why: "the vocabulary: imports nothing of the project"},
	{Pkg: "effects/...", May: []string{"effects/..."}, Why: "typed clients over the vocabulary (effects/facade)"},
	{Pkg: "internal/vclock/...", Why: "the one virtual clock: a building block that imports nothing of the project"},
	{Pkg: "internal/atomicfile/...", Why: "writes a file whole or not at all; imports nothing of the project, so cmd and host may both use it"},
	{Pkg: "internal/progress/...", Why: "draws a progress line on a terminal (the CLI's sweeps and protocol runs); imports nothing of the project"},
	{Pkg: "internal/archtest/...", Why: "checks the rules; imports nothing of the project"},
	{Pkg: "internal/descriptor/...", May: []string{"effects"}, Std: slices.Concat(vmStd, []string{"crypto/ed25519"}),
		Why: "the signed rendezvous descriptor's format, which host, the rendezvous service and the transport share; pure: the caller passes the time"},
	{Pkg: "internal/nodeexample/...", Why: "finds the Node.js example plugin for the tests that run it; imports nothing of the project"},
	{Pkg: "internal/netns/...", Why: "builds network namespaces for tests that cross a network; imports nothing of the project"},
	{Pkg: "internal/hclfmt/...", May: []string{"config", "internal/hclsafe", "internal/atomicfile"}, TestMay: []string{"vm/syntax"},
		Why: "canonical layout of HCL files (aura-host fmt): reads files as config does and writes them with internal/atomicfile; " +
			"its tests decode deployments and protocols before and after formatting"},
	{Pkg: "internal/hclsafe/...", Std: vmStd,
		Why: "a pure pre-scan of HCL bytes that config and the VM's front end share; imports hcl and pure standard packages only, since vm/syntax calls it"},

	{Pkg: "sdk", May: []string{"effects/...", "sdk/internal/proto/...", "sdk/internal/wire", "sdk/internal/frame"}, TestMay: []string{"internal/nodeexample"},
		Why: "the only package that touches the generated protobuf code; conversion lives in sdk/convert.go"},
	{Pkg: "sdk/internal/wire", May: []string{"effects/...", "sdk/internal/proto/..."},
		Why: "the data plane's codec: effects values straight to and from plugin.proto's wire format; the generated code only re-checks a malformed frame's structure"},
	{Pkg: "sdk/internal/frame", TestMay: []string{"sdk/internal/proto/..."},
		Why: "the data plane's framing and socket I/O: length-prefixed bytes, whatever they encode; imports nothing of the project (its tests frame generated messages)"},
	{Pkg: "sdk/internal/proto/...", May: []string{"sdk/internal/proto/..."},
		Why: "generated code: reachable only through sdk (the compiler enforces sdk/...; this rule keeps sdk/sdktest out too)"},
	{Pkg: "sdk/conformance", May: []string{"sdk", "effects"}, TestMay: []string{"internal/nodeexample"},
		Why: "the conformance suite for plugins in any language: sees a plugin only through sdk's client (FrameStream for what is on the wire), never the generated types"},
	{Pkg: "sdk/...", May: []string{"sdk", "sdk/sdktest", "sdk/conformance", "effects/..."},
		Why: "sdk's helpers for plugin authors (sdktest) use sdk's hand-written types, never the generated ones"},

	{Pkg: "config/...", May: []string{"config/...", "effects/...", "internal/hclsafe"}, Why: "decodes deployments into the vocabulary; checks their nesting with internal/hclsafe before parsing"},

	{Pkg: "vm/...", May: []string{"vm/...", "effects/...", "internal/hclsafe"}, Std: vmStd,
		Why: "the VM never touches the OS: time and randomness are effects"},
	// The VM's front end and machine, one way: policy and builtin at the
	// bottom, then syntax, project, interchange and compile, then the
	// machine (vm) on top; trace sees only records. No sub-package imports
	// the machine.
	{Pkg: "vm/policy", Std: vmStd, Why: "scheduler and execution policies: pure data, imports nothing of the project"},
	{Pkg: "vm/internal/builtin", May: []string{"effects"}, Std: vmStd, Why: "the expression language's built-ins"},
	{Pkg: "vm/trace", May: []string{"effects", "vm/policy"}, Std: vmStd, Why: "trace records, their JSON form and diff: no parser, no machine"},
	{Pkg: "vm/syntax", May: []string{"effects", "vm/policy", "vm/internal/builtin", "internal/hclsafe"}, Std: vmStd,
		TestMay: []string{"vm/project", "vm/interchange"},
		Why:     "the front end: parses and checks, knows nothing of projection or bytecode"},
	{Pkg: "vm/project", May: []string{"vm/syntax"}, Std: vmStd, TestMay: []string{"vm/interchange"}, Why: "projection of a checked protocol onto its roles"},
	{Pkg: "vm/interchange", May: []string{"vm/syntax", "vm/project"}, Std: vmStd, Why: "the JSON interchange form"},
	{Pkg: "vm/internal/compile", May: []string{"effects", "vm/syntax", "vm/project", "vm/internal/builtin"}, Std: vmStd,
		Why: "bytecode nobody outside vm sees"},

	{Pkg: "host/...", May: []string{"host/...", "effects/...", "sdk", "config/...", "vm/...", "internal/vclock", "internal/hclsafe", "internal/atomicfile", "internal/descriptor"},
		TestMay: []string{"sdk/sdktest", "plugins/...", "internal/netns"},
		Why:     "the runtime; its tests may serve the built-in plugins"},
	// Inside host the arrows point one way: agent and sim build on host;
	// host builds on supervise and admin, which never import host.
	{Pkg: "host", May: []string{"effects/...", "sdk", "config/...", "vm/...", "host/supervise/...", "host/admin/...", "host/guard/...", "host/owned", "host/tracing"},
		TestMay: []string{"sdk/sdktest", "plugins/...", "host/internal/...", "internal/nodeexample"},
		Why:     "the Host and its Router: never imports the agent runtime or the simulation built on it"},
	{Pkg: "host/tracing", May: []string{"effects", "config"},
		Why: "OpenTelemetry tracing (the provider a telemetry block chooses, the spans of routed calls and sessions): called by the router and the session runner, imports nothing that imports host"},
	{Pkg: "host/owned", Why: "who may be trusted with a path: imports nothing of the project"},
	{Pkg: "host/supervise/...", May: []string{"effects/...", "sdk", "config/...", "host/owned"},
		TestMay: []string{"sdk/sdktest", "plugins/...", "host/internal/..."},
		Why:     "plugin processes: knows nothing of the Host, agents or the VM"},
	{Pkg: "host/admin/...", May: []string{"effects/...", "host/supervise/...", "host/owned", "host/lifecycle"},
		TestMay: []string{"sdk/sdktest", "plugins/...", "host/internal/..."},
		Why:     "the operator endpoint, over an interface the Host satisfies"},
	{Pkg: "host/metrics", May: []string{"host", "host/guard", "host/supervise", "config", "effects"},
		TestMay: []string{"host/agent", "host/internal/...", "plugins", "sdk"},
		Why:     "the Prometheus metrics of a served deployment: reads hosts (router observers, plugin status, flow budgets); only host/agent and multihost, which serve it, import it"},
	{Pkg: "host/agent/builtin", May: []string{"host", "host/guard", "host/lifecycle", "host/tasks", "host/syncer", "host/reactive", "host/holds",
		"host/cover", "host/health", "host/social", "effects/...", "config", "internal/descriptor"},
		TestMay: []string{"host/agent", "host/internal/...", "plugins/...", "sdk"},
		Why: "the builtin services an agent hosts: see their agent only through builtin.Agent (its public methods), which host/agent satisfies, " +
			"and never import the agent runtime that hosts them; their tests drive them through agents"},
	{Pkg: "host/agent/system", May: []string{"host", "host/guard", "host/lifecycle", "host/health", "effects", "vm/policy"},
		TestMay: []string{"host/agent", "host/internal/...", "plugins"},
		Why: "the system family of one agent (health_check, get_metrics, get_config, set_config, the scheduler signals): sees the agent only through " +
			"system.Agent, which host/agent satisfies, and never imports the agent runtime that registers it; its tests drive agents"},
	{Pkg: "host/guard/...", May: []string{"effects/..."},
		Why: "a pure building block of the host: sees only the vocabulary"},
	{Pkg: "host/sim", May: []string{"host", "host/agent", "host/agent/system", "host/guard", "host/session", "host/syncer", "host/sim/bundle", "host/sim/swarm",
		"effects/...", "sdk", "config/...", "vm/...", "internal/atomicfile"},
		TestMay: []string{"sdk/sdktest", "plugins/...", "internal/netns", "host/internal/...", "host/holds", "host/threshold"},
		Why: "the simulation driver (loop, post office, timeline, executor, crash-restart, invariants): builds agents and runs them on one virtual timeline; " +
			"never host/sim/scenario, the scenarios, reports, sweeps and shrinks built on it, not even in its tests"},
	{Pkg: "host/sim/scenario", May: []string{"host/sim", "host/sim/swarm", "host/session", "config", "effects", "sdk", "vm/..."},
		TestMay: []string{"host/sim/bundle", "host/internal/...", "plugins"},
		Why: "around the driver, what `aura-host simulate`, simtest and multihost share: a deployment's runs checked as diagnostics, " +
			"seeds simulated, reported, swept and shrunk over host/sim, which never imports it"},
	{Pkg: "host/sim/bundle/view", May: []string{"host/sim/bundle", "host/session", "vm/...", "effects/..."},
		TestMay: []string{"host/sim", "host/sim/scenario", "plugins", "config"},
		Why:     "the run viewer: a recorded bundle or trace to a view model and one self-contained HTML page; never the driver (host/sim) or a plugin, which only its tests run"},
	{Pkg: "host/sim/swarm", May: []string{"config"}, Std: slices.Concat(vmStd, []string{"time"}),
		Why: "the swarm (drawing a seed's faults, shrinking a failing schedule, the coverage table): pure over config.Fault values, " +
			"the simulation a function it is given; never the driver (host/sim), which imports it, and nothing of the OS"},
	{Pkg: "host/threshold/...", May: []string{"effects/..."}, TestMay: []string{"sdk/sdktest", "plugins/..."},
		Why: "the threshold-signing coordinator: sees devices only through their facade clients"},
	{Pkg: "host/syncer/...", May: []string{"effects/..."}, TestMay: []string{"sdk", "sdk/sdktest", "plugins/..."},
		Why: "the anti-entropy sync service: sees the journal and the network only through operations, over the agent's invoker"},
	{Pkg: "host/cover/...", May: []string{"effects/...", "host/lifecycle", "host/guard"}, TestMay: []string{"host", "host/agent", "host/sim", "host/internal/...", "sdk", "sdk/sdktest", "plugins/...", "config"},
		Why: "the cover-traffic service and its anonymous paths: sees the network, clock and random effects only through the agent's invoker; its tests drive agents and the simulator"},
	{Pkg: "host/holds/...", May: []string{"effects", "host/lifecycle"},
		Why: "the hold service: sees the network, storage, clock and device only through operations, over the agent's invoker"},
	{Pkg: "host/social/...", May: []string{"effects/...", "host/lifecycle", "internal/descriptor"},
		Why: "social topology and path selection: the journal, device keys and rendezvous through the agent's invoker; health and permits are functions it is given"},
	{Pkg: "host/reactive", May: []string{"effects", "host/lifecycle"}, Std: slices.Concat(vmStd, []string{"sync/atomic", "time"}),
		Why: "the reactive pipeline: fed journal commits by the agent, sees the journal only through an invoker; touches nothing of the OS"},
	{Pkg: "host/lifecycle", Why: "the service lifecycle (start in dependency order, stop in reverse, health): imports nothing of the project"},
	{Pkg: "host/health/...", May: []string{"effects", "host/lifecycle"},
		Why: "the local health observer: pure (EMA and hysteresis over samples the agent feeds it), reads no clock"},
	{Pkg: "host/tasks/...", May: []string{"effects/...", "internal/vclock"},
		Why: "a pure building block of the host: the vocabulary and the virtual clock"},

	{Pkg: "plugins", May: []string{"plugins/...", "effects/...", "sdk"}, TestMay: pluginTestMay,
		Why: "the catalogue of built-in plugins: the one package that imports them all"},
	{Pkg: "plugins/ceremony", May: pluginMay, TestMay: pluginTestMay,
		Why: "the guardian ceremony tracker: a service plugin like the others, reading the invitation service's facts from the journal, never the plugin"},
	{Pkg: "plugins/...", May: pluginMay, TestMay: pluginTestMay,
		Why: "a plugin imports no other plugin, not even the one it stands in for: the two share their family's declarations under plugins/internal"},
	{Pkg: "plugins/internal/...", May: slices.Concat(pluginMay, []string{"sdk/sdktest"}),
		TestMay: []string{"plugins/..."},
		Why: "what plugins share (a family's operation declarations, served by a plugin and its stand-in alike; " +
			"the service runtime; test helpers); the harnesses' own tests run every built-in service plugin through them"},

	{Pkg: "cmd/...", May: []string{"cmd/...", "multihost", "host/...", "config/...", "vm/...", "plugins/...", "effects/...", "sdk", "sdk/conformance", "internal/vclock", "internal/hclsafe", "internal/atomicfile", "internal/descriptor", "internal/hclfmt", "internal/progress"},
		TestMay: []string{"sdk/sdktest", "internal/netns"},
		Why:     "the CLI: flags, parsing and rendering over the runtime; serves the built-in plugins"},
	{Pkg: "multihost/...", May: []string{"host/...", "plugins/...", "config/...", "effects/...", "sdk"},
		Why: "one machine of a multi-host deployment (agents, relay, keys): a consumer of the runtime, like simtest"},
	{Pkg: "simtest/...", May: []string{"simtest/...", "host/...", "plugins/...", "config/...", "vm/...", "effects/...", "sdk"},
		Why: "the Go test API for simulations: a consumer of the runtime"},

	{Pkg: "examples/...", May: []string{"sdk", "effects/..."}, TestMay: []string{"sdk/sdktest"},
		Why: "examples show the public surface"},
	{Pkg: "examples/simulation/...", May: []string{"sdk", "effects/..."}, TestMay: []string{"simtest/...", "vm/..."},
		Why: "a simulation written as a Go test: drives simtest and reads the VM's traces"},
	{Pkg: "examples/threshold/...", May: []string{"sdk", "effects/..."}, TestMay: []string{"simtest/...", "host/threshold"},
		Why: "a threshold authority's DKG and signature written as a Go test: drives simtest and host/threshold"},
	{Pkg: "examples/third-party-plugin/...", May: []string{"sdk"}, TestMay: []string{"sdk/sdktest"},
		Why: "a plugin written outside the project sees only sdk"},
	{Pkg: "examples/embed/...", May: []string{"host/...", "plugins/...", "effects/...", "sdk"},
		Why: "an embedding program: a consumer of the runtime, like the CLI"},
}

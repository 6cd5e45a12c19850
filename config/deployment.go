package config

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/internal/hclsafe"
)

// Options tune how a deployment file is decoded.
type Options struct {
	// Builtins lists the built-in plugins the running binary can serve, the
	// names allowed in `builtin = "..."`. A name not in the list is a
	// diagnostic that lists these. If Builtins is nil, built-in names are
	// only checked for their form, not against a list (the host checks them
	// when it launches the plugin); `aura-host validate` always passes it.
	Builtins []string

	// Dir is the directory that relative paths in the file (command,
	// state_dir) are resolved against. The default is the directory of the
	// deployment file: Load makes it absolute, Parse uses
	// filepath.Dir(filename) as given.
	Dir string

	// MaxFileSize is the largest deployment file Load reads, in bytes;
	// DefaultMaxFileSize when zero or negative. A larger file, or anything
	// but a regular file, is a diagnostic (see ReadSource). The CLI raises
	// it with --max-file-size; Parse, given bytes, does not look at it.
	MaxFileSize int64
}

// Deployment is a decoded deployment file. Every field that came from the
// file keeps the range of its value, so later stages (the host, a plugin's
// Configure) can report problems at the right line.
type Deployment struct {
	// Name is the label of the deployment block.
	Name      string
	NameRange hcl.Range
	// DeclRange is the header of the deployment block.
	DeclRange hcl.Range

	// Mode is the execution mode; Production when the file does not say.
	Mode      effects.Mode
	ModeRange hcl.Range

	// Seed derives identifiers and randomness in deterministic modes; 0
	// when absent, and SeedRange is then the zero Range.
	Seed      uint64
	SeedRange hcl.Range

	// StateDir is where this deployment's state lives (plugin data such as
	// the storage database, the host's admin socket). A relative state_dir is resolved against Dir; when
	// absent it is Dir/.aura/<Name>, so two deployments never share state
	// and the state lives next to the file that declares it.
	StateDir      string
	StateDirRange hcl.Range

	// Authority is the authority the deployment acts for, as written: a
	// label (from which deterministic modes derive the ID) or a full
	// "authority-<32 hex digits>" ID. Empty when absent. With agent blocks,
	// each agent is its own authority (Agent.Authority) and its calls act
	// for it; Authority then names only the host's own authority, used
	// where no agent is involved (plugin configuration, `aura-host
	// invoke`).
	Authority      string
	AuthorityRange hcl.Range

	// Dir is the directory relative paths were resolved against.
	Dir string

	// MaxFileSize is the cap the deployment was loaded under
	// (Options.MaxFileSize); the protocol files its runs name are read
	// under the same cap.
	MaxFileSize int64

	// Plugins in the order the file declares them, as declared at the top
	// level; EffectivePlugins applies the mode's overrides.
	Plugins []*Plugin

	// Services, Agents, Faults and Runs in the order the file declares
	// them.
	Services []*Service
	Agents   []*Agent
	Faults   []*Fault
	// Swarm is the swarm block: bounds from which each simulated seed
	// draws its own faults; nil when absent.
	Swarm *Swarm
	// Peers are the deployment's agents on other machines, and its relays
	// (peer blocks).
	Peers []*Peer
	// Relay is the relay block: this machine runs a circuit relay; nil
	// when absent.
	Relay *RelayBlock
	Runs  []*Run
	// Invariants are the invariant blocks: built-in properties a
	// simulation checks after every step (host/sim).
	Invariants []*Invariant

	// Telemetry is the telemetry block (metrics endpoint, tracing); nil
	// when absent.
	Telemetry *Telemetry

	// Overrides holds the mode blocks (testing, simulation) by mode; nil
	// when the file has none.
	Overrides map[effects.Mode]*Override

	// Files holds the parsed source by file name, for diagnostic snippets
	// (see WriteDiagnostics).
	Files map[string]*hcl.File

	// declSeed and declSeedRange are the deployment block's seed, which
	// WithMode restores when leaving simulation mode.
	declSeed      uint64
	declSeedRange hcl.Range
}

// Plugin returns the plugin declared with name, or nil.
func (d *Deployment) Plugin(name string) *Plugin { return findPlugin(d.Plugins, name) }

// Load reads and decodes the deployment file at path. The Deployment is
// never nil: when the diagnostics hold errors it is partial, good only for
// printing them (its Files are set).
func Load(path string, opts Options) (*Deployment, hcl.Diagnostics) {
	src, err := ReadSource(path, opts.MaxFileSize)
	if err != nil {
		summary := "Cannot read deployment file"
		switch {
		case errors.Is(err, ErrFileTooLarge):
			summary = "Deployment file too large"
		case errors.Is(err, ErrNotRegularFile):
			summary = "Deployment path is not a file"
		}
		start := hcl.Pos{Line: 1, Column: 1}
		return &Deployment{Files: map[string]*hcl.File{}}, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  summary,
			Detail:   err.Error() + ".",
			Subject:  &hcl.Range{Filename: path, Start: start, End: start},
		}}
	}
	if opts.Dir == "" {
		if abs, err := filepath.Abs(filepath.Dir(path)); err == nil {
			opts.Dir = abs
		}
	}
	return Parse(src, path, opts)
}

// defaultFilename names sources given to Parse without a name, so every
// diagnostic still has a file to point at.
const defaultFilename = "deployment.hcl"

// Parse decodes a deployment file from src; filename is used in
// diagnostics and, unless opts.Dir is set, to resolve relative paths. Like
// Load it never returns a nil Deployment. Syntax errors (and number
// literals too large to evaluate safely) stop decoding, since what follows
// would mostly be noise; every other mistake is collected.
func Parse(src []byte, filename string, opts Options) (*Deployment, hcl.Diagnostics) {
	if filename == "" {
		filename = defaultFilename
	}
	dep := &Deployment{Files: map[string]*hcl.File{}, MaxFileSize: opts.MaxFileSize}
	fallback := hcl.Range{Filename: filename, Start: hcl.Pos{Line: 1, Column: 1}, End: hcl.Pos{Line: 1, Column: 1}}
	// The parser recurses once per level of nesting: refuse what would
	// overflow its stack (and binary files) before it runs.
	if diags := hclsafe.Check(src, filename, 0); diags.HasErrors() {
		return dep, finish(diags, fallback)
	}
	file, diags := hclsyntax.ParseConfig(src, filename, hcl.Pos{Line: 1, Column: 1})
	if file != nil {
		dep.Files[filename] = file
	}
	if diags.HasErrors() || file == nil {
		return dep, finish(diags, fallback)
	}
	if numDiags := checkNumberLiterals(src, filename); numDiags.HasErrors() {
		return dep, finish(append(diags, numDiags...), fallback)
	}

	d := &decoder{opts: opts, dir: opts.Dir, diags: diags}
	if d.dir == "" {
		d.dir = filepath.Dir(filename)
	}
	dep.Dir = d.dir
	topLevelSpec.decode(d, dep, file.Body)
	d.checkDeployment(dep, file.Body)
	return dep, finish(d.diags, fallback)
}

// topLevelSpec is the top level of a deployment file.
var topLevelSpec = bodySpec[Deployment]{
	where: "at the top level of a deployment file",
	blocks: []blockSpec[Deployment]{
		{typ: "deployment", labels: []string{"name"}, single: true, decode: decodeDeploymentBlock},
		{typ: "plugin", labels: []string{"name"}, decode: decodePluginBlock},
		{typ: "service", labels: []string{"name"}, decode: decodeServiceBlock},
		{typ: "agent", labels: []string{"name"}, decode: decodeAgentBlock},
		{typ: "peer", labels: []string{"name"}, decode: decodePeerBlock},
		{typ: "relay", single: true, decode: decodeRelayBlock},
		{typ: "simulation", single: true, decode: decodeOverrideBlock(effects.Simulation, &simulationSpec)},
		{typ: "testing", single: true, decode: decodeOverrideBlock(effects.Testing, &testingSpec)},
		{typ: "fault", labels: []string{"kind"}, decode: decodeFaultBlock},
		{typ: "swarm", single: true, decode: decodeSwarmBlock},
		{typ: "run", labels: []string{"name"}, decode: decodeRunBlock},
		{typ: "invariant", labels: []string{"name"}, decode: decodeInvariantBlock},
		{typ: "telemetry", single: true, decode: decodeTelemetryBlock},
	},
	elsewhere: topLevelElsewhere,
}

// topLevelElsewhere names the blocks where an argument or block written at
// the top level belongs.
func topLevelElsewhere(name string) string {
	if deploymentSpec.attr(name) != nil {
		return fmt.Sprintf("%s belongs inside the deployment block.", name)
	}
	var in []string
	for _, c := range []struct {
		block string
		has   bool
	}{
		{"plugin", pluginSpec.attr(name) != nil || pluginSpec.block(name) != nil},
		{"service", serviceSpec.attr(name) != nil},
		{"agent", agentSpec.attr(name) != nil || agentSpec.block(name) != nil},
		{"fault", faultSpec.attr(name) != nil},
		{"swarm", swarmSpec.attr(name) != nil},
		{"run", runSpec.attr(name) != nil},
		{"peer", peerSpec.attr(name) != nil},
	} {
		if c.has {
			in = append(in, c.block)
		}
	}
	if len(in) == 0 {
		return ""
	}
	article := "a"
	if in[0] == "agent" {
		article = "an"
	}
	return fmt.Sprintf("%s belongs inside %s %s block.", name, article, joinList(in, "or"))
}

// checkDeployment applies the rules that span blocks, and the defaults.
func (d *decoder) checkDeployment(dep *Deployment, body hcl.Body) {
	if dep.DeclRange == (hcl.Range{}) {
		d.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Missing deployment block",
			Detail:   "A deployment file needs exactly one deployment block naming the deployment, for example:\n\n  deployment \"quickstart\" {\n    mode = \"production\"\n  }",
			Subject:  body.MissingItemRange().Ptr(),
		})
	}
	if dep.Mode == "" {
		dep.Mode = effects.Production
	}
	if dep.StateDir == "" && validName(dep.Name) {
		dep.StateDir = filepath.Join(dep.Dir, ".aura", dep.Name)
	}
	d.checkPins(dep)
	d.checkOverrides(dep)
	d.checkServices(dep)
	d.checkDependencies(dep)
	d.checkPeers(dep)
	d.checkSyncAgents(dep)
	d.checkNetworked(dep)
	d.checkFaultAgents(dep)
	d.checkSwarm(dep)
	d.checkRunAgents(dep)
	d.checkInvariantRuns(dep)
	dep.applyModeSeed()
}

// decoder carries what every block decoder needs: the options, the base
// directory and the diagnostics collected so far.
type decoder struct {
	opts  Options
	dir   string
	diags hcl.Diagnostics
}

func (d *decoder) add(diags ...*hcl.Diagnostic) { d.diags = append(d.diags, diags...) }

// maxDiagnostics caps what Parse returns: a binary file or a wrong file
// would otherwise yield one syntax error per byte, which helps no one.
const maxDiagnostics = 50

// finish gives any error without a subject the fallback range (so every
// error can be shown in the file), orders the diagnostics by position and
// keeps the first maxDiagnostics, ending with a note of how many more there
// were.
func finish(diags hcl.Diagnostics, fallback hcl.Range) hcl.Diagnostics {
	for i, diag := range diags {
		if diag.Subject == nil || diag.Subject.Filename == "" {
			c := *diag
			c.Subject = fallback.Ptr()
			diags[i] = &c
		}
	}
	slices.SortStableFunc(diags, func(a, b *hcl.Diagnostic) int {
		switch {
		case before(*a.Subject, *b.Subject):
			return -1
		case before(*b.Subject, *a.Subject):
			return 1
		}
		return 0
	})
	if len(diags) > maxDiagnostics {
		rest := diags[maxDiagnostics:]
		diags = append(diags[:maxDiagnostics:maxDiagnostics], &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Too many problems",
			Detail:   fmt.Sprintf("%d more problems follow from here and are not shown. Fix the ones above (is this a deployment file?) and validate again.", len(rest)),
			Subject:  rest[0].Subject,
		})
	}
	return diags
}

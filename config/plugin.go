package config

import (
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/aurahost/aura-host/effects"
)

// Plugin is one plugin block: where the plugin comes from (a built-in of
// the aura-host binary, or an external command) and its raw config block.
// Every range covers the value as written (for NameRange, the label), so a
// later stage can point at it; a range is the zero Range when the
// attribute is absent.
type Plugin struct {
	// Name is the block's label, unique in the deployment.
	Name      string
	NameRange hcl.Range
	// DeclRange is the block header, `plugin "name"`.
	DeclRange hcl.Range

	// Builtin names a plugin the aura-host binary serves itself
	// (`aura-host plugin serve NAME`). Exactly one of Builtin and Command
	// is set in a valid deployment.
	Builtin      string
	BuiltinRange hcl.Range

	// Command is the path of an external plugin binary, resolved against
	// the deployment's directory when written relative (see Options.Dir);
	// it is never looked up in $PATH.
	Command      string
	CommandRange hcl.Range

	// Args are passed to Command (command plugins only).
	Args      []string
	ArgsRange hcl.Range

	// Env is added to the plugin's environment; nil when absent.
	Env      map[string]string
	EnvRange hcl.Range

	// SHA256 is the expected digest of Command's binary, decoded from 64 hex
	// digits; nil when absent.
	SHA256      []byte
	SHA256Range hcl.Range

	// AllowUnpinned is true when the block sets allow_unpinned = true: the
	// operator accepts that a command plugin without sha256 runs whatever
	// binary is at its path. A production deployment refuses an unpinned
	// command plugin without it (and warns with it); other modes ignore it.
	AllowUnpinned      bool
	AllowUnpinnedRange hcl.Range

	// Config is the raw body of the config block (an empty body if there is
	// none). It is decoded by DecodePluginConfig once the plugin has
	// declared its schema.
	Config hcl.Body
	// ConfigRange is the config block's header, the zero Range if absent.
	ConfigRange hcl.Range

	// DependsOn names the plugins and services this plugin starts after
	// (and stops before), as written; nil when absent. DependsOnRanges
	// holds the range of each element, DependsOnRange the whole list.
	DependsOn       []string
	DependsOnRange  hcl.Range
	DependsOnRanges []hcl.Range

	// Start is StartEager (the default: Parse sets it when start is
	// absent) or StartLazy; "" in a Plugin not made by Parse means eager.
	Start      string
	StartRange hcl.Range

	// StopTimeout bounds the plugin's graceful stop; 0 when absent (the
	// host's default, 5s, applies).
	StopTimeout      time.Duration
	StopTimeoutRange hcl.Range

	// Health, Restart and Call are the supervision blocks, nil when absent;
	// a zero field inside one means the host's default.
	Health  *Health
	Restart *Restart
	Call    *Call
}

// pluginSpec is the body of a plugin block:
//
//	plugin "echo" {
//	  builtin = "crypto"               # or:
//	  command = "./bin/echo-plugin"    # relative to the deployment file
//	  args    = ["--flag"]
//	  env     = { FOO = "bar" }
//	  sha256  = "<64 hex digits>"
//	  allow_unpinned = true            # production: run a command without sha256
//	  config { ... }                   # decoded against the plugin's schema
//
//	  depends_on   = ["crypto"]        # plugins or services to start first
//	  start        = "eager"           # or "lazy"
//	  stop_timeout = "5s"
//	  health  { interval = "1s"  timeout = "250ms"  unhealthy_threshold = 3  grace = "0s" }
//	  restart { attempts = 5  window = "1m"  delay = "10ms"  max_delay = "5s"  mode = "fail"  stable_after = "10s" }
//	  call    { timeout = "30s"  breaker_threshold = 5  breaker_cooldown = "1s" }
//	}
var pluginSpec = bodySpec[Plugin]{
	where: "in a plugin block",
	attrs: []attrSpec[Plugin]{
		{name: "builtin", decode: decodeBuiltin},
		{name: "command", decode: decodeCommand},
		{name: "args", decode: decodeArgs},
		{name: "env", decode: decodeEnv},
		{name: "sha256", decode: decodeSHA256},
		{name: "allow_unpinned", decode: decodeAllowUnpinned},
		{name: "depends_on", decode: func(d *decoder, p *Plugin, a *hcl.Attribute) {
			p.DependsOn, p.DependsOnRange, p.DependsOnRanges = d.dependsOn(a)
		}},
		{name: "start", decode: decodeStart},
		{name: "stop_timeout", decode: decodeStopTimeout},
	},
	blocks: []blockSpec[Plugin]{
		{typ: "config", single: true, decode: decodeConfigBlock},
		{typ: "health", single: true, decode: decodeHealthBlock},
		{typ: "restart", single: true, decode: decodeRestartBlock},
		{typ: "call", single: true, decode: decodeCallBlock},
	},
}

func decodePluginBlock(d *decoder, dep *Deployment, b *hcl.Block) {
	if p := d.decodePlugin(b, dep.Plugins, "plugin names must be unique"); p != nil {
		dep.Plugins = append(dep.Plugins, p)
	}
}

// decodePlugin decodes a plugin block, at the top level or in a mode
// override. It returns nil, after reporting it, if the name is already
// taken in earlier (rule says why names are unique there).
func (d *decoder) decodePlugin(b *hcl.Block, earlier []*Plugin, rule string) *Plugin {
	p := &Plugin{Name: b.Labels[0], NameRange: b.LabelRanges[0], DeclRange: b.DefRange, Config: hcl.EmptyBody(), Start: StartEager}
	duplicate := false
	if !validName(p.Name) {
		d.add(invalidName("plugin", p.Name, p.NameRange))
	} else if first := findPlugin(earlier, p.Name); first != nil {
		duplicate = true
		d.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Duplicate plugin name",
			Detail:   fmt.Sprintf("A plugin named %q is already declared at %s. %s: rename or remove one of them.", p.Name, lineOf(first.NameRange, p.NameRange), upperFirst(rule)),
			Subject:  p.NameRange.Ptr(),
		})
	}
	unexpected := pluginSpec.decode(d, p, b.Body)
	d.checkPlugin(p, unexpected)
	if duplicate {
		return nil
	}
	return p
}

func findPlugin(plugins []*Plugin, name string) *Plugin {
	for _, p := range plugins {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// checkPlugin applies the rules between a plugin's attributes. It relies on
// each attribute's range being set whenever the attribute is present, even
// if its value was invalid. unexpected are the names already reported as
// unsupported: a misspelt "comand" is not also reported as a missing source.
func (d *decoder) checkPlugin(p *Plugin, unexpected []string) {
	var zero hcl.Range
	hasBuiltin, hasCommand := p.BuiltinRange != zero, p.CommandRange != zero
	switch {
	case hasBuiltin && hasCommand:
		first, second, firstName, secondName := p.BuiltinRange, p.CommandRange, "builtin", "command"
		if before(second, first) {
			first, second, firstName, secondName = second, first, secondName, firstName
		}
		d.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Both builtin and command",
			Detail:   fmt.Sprintf("Plugin %q sets %s here and %s at %s. A plugin is either built into aura-host (builtin = \"...\") or an external program (command = \"...\"): remove one of them.", p.Name, secondName, firstName, lineOf(first, second)),
			Subject:  second.Ptr(),
		})
	case !hasBuiltin && !hasCommand:
		for _, name := range unexpected {
			if suggest(name, []string{"builtin", "command"}) != "" {
				return
			}
		}
		d.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Missing plugin source",
			Detail:   fmt.Sprintf("Plugin %q must say what to run: builtin = \"<name>\"%s for a plugin served by aura-host, or command = \"<path to binary>\" for an external one.", p.Name, d.builtinsHint()),
			Subject:  p.DeclRange.Ptr(),
		})
	case hasBuiltin:
		for _, x := range []struct {
			name string
			r    hcl.Range
		}{{"args", p.ArgsRange}, {"sha256", p.SHA256Range}, {"allow_unpinned", p.AllowUnpinnedRange}} {
			if x.r != zero {
				d.add(&hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  fmt.Sprintf("%s needs a command", x.name),
					Detail:   fmt.Sprintf("Plugin %q is built in, so %s does not apply: aura-host runs its own binary for it. Remove %s, or use command = \"...\" for an external plugin.", p.Name, x.name, x.name),
					Subject:  x.r.Ptr(),
				})
			}
		}
	}
}

// builtinsHint is " (one of: a, b, c)" when the built-ins are known.
func (d *decoder) builtinsHint() string {
	if len(d.opts.Builtins) == 0 {
		return ""
	}
	names := slices.Sorted(slices.Values(d.opts.Builtins))
	return " (one of " + quotedList(names, "or") + ")"
}

func decodeBuiltin(d *decoder, p *Plugin, a *hcl.Attribute) {
	p.BuiltinRange = a.Expr.Range()
	s, ok := d.stringAttr(a, `"crypto"`)
	if !ok {
		return
	}
	known := d.opts.Builtins == nil && validBuiltinName(s) || slices.Contains(d.opts.Builtins, s)
	if !known {
		d.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Unknown built-in plugin",
			Detail:   fmt.Sprintf("There is no built-in plugin named %q.%s%s For a plugin of your own, use command = \"<path to binary>\" instead.", s, didYouMean(s, d.opts.Builtins), d.servedList()),
			Subject:  a.Expr.Range().Ptr(),
		})
		return
	}
	p.Builtin = s
}

// servedList is the sentence listing the built-ins, or "" if unknown.
func (d *decoder) servedList() string {
	if d.opts.Builtins == nil {
		return ""
	}
	if len(d.opts.Builtins) == 0 {
		return " This aura-host serves no built-in plugins."
	}
	names := slices.Sorted(slices.Values(d.opts.Builtins))
	return " This aura-host serves " + quotedList(names, "and") + "."
}

func decodeCommand(d *decoder, p *Plugin, a *hcl.Attribute) {
	p.CommandRange = a.Expr.Range()
	s, ok := d.stringAttr(a, `"./bin/my-plugin"`)
	if !ok {
		return
	}
	if path, ok := d.resolvePath(s, a); ok {
		p.Command = path
	}
}

func decodeArgs(d *decoder, p *Plugin, a *hcl.Attribute) {
	p.ArgsRange = a.Expr.Range()
	items, ok := d.stringListAttr(a, `["--flag", "value"]`)
	if !ok {
		return
	}
	args := make([]string, 0, len(items))
	for _, it := range items {
		if strings.ContainsRune(it.Value, 0) {
			d.add(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid argument",
				Detail:   "A command-line argument cannot contain a NUL character.",
				Subject:  it.ValueRange.Ptr(),
			})
			return
		}
		args = append(args, it.Value)
	}
	p.Args = args
}

func decodeEnv(d *decoder, p *Plugin, a *hcl.Attribute) {
	p.EnvRange = a.Expr.Range()
	items, ok := d.stringMapAttr(a, `{ LOG_FORMAT = "json" }`)
	if !ok {
		return
	}
	env := make(map[string]string, len(items))
	for _, it := range items {
		problem := ""
		switch {
		case it.Key == "":
			problem = "An environment variable name cannot be empty."
		case strings.ContainsAny(it.Key, "=\x00"):
			problem = fmt.Sprintf("%q cannot name an environment variable: names contain no \"=\" and no NUL.", it.Key)
		case strings.HasPrefix(it.Key, "PLUGIN_"):
			problem = fmt.Sprintf("%s is reserved: aura-host sets the PLUGIN_ variables for the plugin handshake. Choose another name.", it.Key)
		}
		if problem == "" && strings.ContainsRune(it.Value, 0) {
			problem = fmt.Sprintf("The value of %s contains a NUL character, which the environment cannot hold.", it.Key)
		}
		if problem != "" {
			d.add(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid environment variable",
				Detail:   problem,
				Subject:  it.KeyRange.Ptr(),
			})
			ok = false
			continue
		}
		env[it.Key] = it.Value
	}
	if ok {
		p.Env = env
	}
}

func decodeSHA256(d *decoder, p *Plugin, a *hcl.Attribute) {
	p.SHA256Range = a.Expr.Range()
	s, ok := d.stringAttr(a, `"<64 hex digits>"`)
	if !ok {
		return
	}
	sum, err := hex.DecodeString(s)
	if err == nil && len(sum) == 32 {
		p.SHA256 = sum
		return
	}
	problem := fmt.Sprintf("it has %d characters", len(s))
	if i := strings.IndexFunc(s, func(r rune) bool { return !strings.ContainsRune("0123456789abcdefABCDEF", r) }); i >= 0 {
		r, _ := utf8.DecodeRuneInString(s[i:])
		problem = fmt.Sprintf("%q at offset %d is not a hex digit", r, i)
	}
	d.add(&hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Malformed sha256",
		Detail:   fmt.Sprintf("sha256 must be the 64 hex digits of the binary's SHA-256 digest, but %s. Compute it with: sha256sum <binary>", problem),
		Subject:  a.Expr.Range().Ptr(),
	})
}

func decodeAllowUnpinned(d *decoder, p *Plugin, a *hcl.Attribute) {
	p.AllowUnpinnedRange = a.Expr.Range()
	v, ok := d.evalAttr(a.Expr)
	if !ok {
		return
	}
	if v.IsNull() || v.Type() != cty.Bool {
		d.wrongType(a.Expr.Range(), a.Name, "true or false", v, "allow_unpinned = true")
		return
	}
	p.AllowUnpinned = v.True()
}

// checkPins applies the pinning rule of a production deployment: a command
// plugin without sha256 is an error unless its block sets allow_unpinned =
// true, and then a warning (so validate shows every unpinned binary); a
// block that both pins and allows unpinned contradicts itself. The host
// applies the same rule again when it launches a plugin.
func (d *decoder) checkPins(dep *Deployment) {
	var zero hcl.Range
	for _, p := range dep.Plugins {
		if p.BuiltinRange != zero || p.Command == "" {
			continue
		}
		pinned := p.SHA256Range != zero
		switch {
		case pinned && p.AllowUnpinned:
			d.add(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Pinned and allowed unpinned",
				Detail:   fmt.Sprintf("Plugin %q pins its binary with sha256 and also sets allow_unpinned = true. Remove allow_unpinned: the pin is checked.", p.Name),
				Subject:  p.AllowUnpinnedRange.Ptr(),
			})
		case pinned || dep.Mode != effects.Production:
		case p.AllowUnpinned:
			d.add(&hcl.Diagnostic{
				Severity: hcl.DiagWarning,
				Summary:  "Plugin binary not pinned",
				Detail:   fmt.Sprintf("Plugin %q runs %s without a sha256 (allow_unpinned = true), so any binary at that path will be started in production. Pin it: sha256 = \"<output of sha256sum %s>\", and remove allow_unpinned.", p.Name, p.Command, p.Command),
				Subject:  p.AllowUnpinnedRange.Ptr(),
			})
		default:
			d.add(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Plugin binary not pinned",
				Detail:   fmt.Sprintf("Plugin %q runs %s without a sha256, so any binary at that path would be started in production. Add sha256 = \"<output of sha256sum %s>\" to the plugin block, or set allow_unpinned = true to accept that.", p.Name, p.Command, p.Command),
				Subject:  p.CommandRange.Ptr(),
			})
		}
	}
}

func decodeConfigBlock(d *decoder, p *Plugin, b *hcl.Block) {
	p.Config, p.ConfigRange = b.Body, b.DefRange
	d.checkConfigBody(b.Body)
}

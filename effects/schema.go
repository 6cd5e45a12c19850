package effects

import (
	"fmt"
)

// Determinism classifies what an operation depends on and changes. The VM
// and the trace recorder use it to decide what must be recorded to replay.
type Determinism string

// The determinism classes.
const (
	// Pure: the result is a function of the arguments alone.
	Pure Determinism = "pure"
	// ReadsWorld: the result depends on state outside the call (time,
	// randomness, storage) but the call changes nothing.
	ReadsWorld Determinism = "reads-world"
	// WritesWorld: the call changes state outside itself.
	WritesWorld Determinism = "writes-world"
)

// Valid reports whether d is one of the three classes.
func (d Determinism) Valid() bool { return d == Pure || d == ReadsWorld || d == WritesWorld }

// Param declares one named argument of an operation.
type Param struct {
	Name     string
	Kind     Kind
	Optional bool
	Doc      string
}

// OpSpec is what a handler declares about one operation: its ID, argument
// schema, result kind, whether a retry is safe, and its determinism class.
type OpSpec struct {
	ID          OpID
	Doc         string
	Params      []Param
	Result      Kind
	Idempotent  bool
	Determinism Determinism
}

// Validate checks that the spec is well formed.
func (s OpSpec) Validate() error {
	if _, err := ParseOpID(string(s.ID)); err != nil {
		return err
	}
	if !s.Determinism.Valid() {
		return fmt.Errorf("operation %s: determinism %q is not pure, reads-world or writes-world", s.ID, s.Determinism)
	}
	seen := make(map[string]bool, len(s.Params))
	for _, p := range s.Params {
		if err := checkIdent(p.Name); err != nil {
			return fmt.Errorf("operation %s: parameter %w", s.ID, err)
		}
		if seen[p.Name] {
			return fmt.Errorf("operation %s: parameter %q declared twice", s.ID, p.Name)
		}
		if !p.Kind.known() {
			return fmt.Errorf("operation %s: parameter %q has unknown %s", s.ID, p.Name, p.Kind)
		}
		seen[p.Name] = true
	}
	if !s.Result.known() {
		return fmt.Errorf("operation %s: result has unknown %s", s.ID, s.Result)
	}
	return nil
}

// CheckArgs checks a call's arguments against the schema: every required
// parameter present, no undeclared one, every kind accepted. args must be a
// map Value or null (no arguments). The error is an invalid_args *Error
// naming the parameter.
func (s OpSpec) CheckArgs(args Value) error {
	if args.Kind() != KindMap && !args.IsNull() {
		return &Error{Code: CodeInvalidArgs, Op: s.ID, Message: "arguments must be a map of name to value"}
	}
	fields := args.Fields()
	for _, f := range fields {
		p, ok := s.param(f.Key)
		if !ok {
			return &Error{Code: CodeInvalidArgs, Op: s.ID, Message: fmt.Sprintf("unexpected argument %q (parameters: %s)", f.Key, s.paramList())}
		}
		if !p.Kind.Accepts(f.Value.Kind()) {
			return &Error{Code: CodeInvalidArgs, Op: s.ID, Message: fmt.Sprintf("argument %q must be %s, got %s", f.Key, p.Kind, f.Value.Kind())}
		}
		// The arguments map is at depth 0, so an argument's own value
		// starts at depth 1.
		if f.Value.DeeperThan(MaxDepth - 1) {
			return &Error{Code: CodeInvalidArgs, Op: s.ID, Message: fmt.Sprintf(
				"argument %q nests lists and maps deeper than %d levels (counting the arguments map as level 0), the protocol's limit (effects.MaxDepth); flatten it", f.Key, MaxDepth)}
		}
	}
	for _, p := range s.Params {
		if p.Optional {
			continue
		}
		if _, ok := args.Get(p.Name); !ok {
			return &Error{Code: CodeInvalidArgs, Op: s.ID, Message: fmt.Sprintf("missing argument %q (%s)", p.Name, p.Kind)}
		}
	}
	return nil
}

// CheckResult checks a handler's answer against the schema: its kind must
// be the declared result kind (any kind for KindAny) and it may nest no
// deeper than MaxDepth. The error is an internal *Error naming the
// operation: the handler broke its own declaration, which the caller cannot
// fix; the router adds the plugin that answered.
func (s OpSpec) CheckResult(v Value) error {
	if !s.Result.Accepts(v.Kind()) {
		return &Error{Code: CodeInternal, Op: s.ID, Err: ErrResultMismatch,
			Message: fmt.Sprintf("the handler returned a %s where the operation declares a %s result", v.Kind(), s.Result)}
	}
	if v.DeeperThan(MaxDepth) {
		return &Error{Code: CodeInternal, Op: s.ID, Err: ErrResultMismatch,
			Message: fmt.Sprintf("the handler returned a value nested deeper than %d levels (effects.MaxDepth)", MaxDepth)}
	}
	return nil
}

func (s OpSpec) param(name string) (Param, bool) {
	for _, p := range s.Params {
		if p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}

func (s OpSpec) paramList() string {
	if len(s.Params) == 0 {
		return "none"
	}
	out := ""
	for i, p := range s.Params {
		if i > 0 {
			out += ", "
		}
		out += p.Name + " " + p.Kind.String()
		if p.Optional {
			out += "?"
		}
	}
	return out
}

// Signature renders the spec compactly, e.g.
// "crypto.ed25519_sign(msg bytes, key bytes) -> bytes [pure, idempotent]".
func (s OpSpec) Signature() string {
	params := ""
	for i, p := range s.Params {
		if i > 0 {
			params += ", "
		}
		params += p.Name + " " + p.Kind.String()
		if p.Optional {
			params += "?"
		}
	}
	sig := fmt.Sprintf("%s(%s) -> %s [%s", s.ID, params, s.Result, s.Determinism)
	if s.Idempotent {
		sig += ", idempotent"
	}
	return sig + "]"
}

// ConfigField declares one attribute a plugin accepts in its HCL config {}
// block. The host decodes the user's block against these declarations.
type ConfigField struct {
	Name     string
	Kind     Kind
	Required bool
	Default  Value // used when the attribute is absent; null for none
	Doc      string
}

// PluginKind says whether a plugin only handles effects or also runs as a
// service with a lifecycle (Start/Stop/Health).
type PluginKind string

// The plugin kinds.
const (
	KindHandler PluginKind = "handler"
	KindService PluginKind = "service"
)

// Descriptor is what a plugin says about itself when described.
type Descriptor struct {
	Name    string
	Version string
	Kind    PluginKind
	Ops     []OpSpec
	Config  []ConfigField
}

// Validate checks a descriptor a plugin returned: every operation well
// formed and declared once, config fields named and unique.
func (d Descriptor) Validate() error {
	if d.Name == "" || d.Version == "" {
		return fmt.Errorf("plugin must describe its name and version (got %q, %q)", d.Name, d.Version)
	}
	if d.Kind != KindHandler && d.Kind != KindService {
		return fmt.Errorf("plugin kind %q is not handler or service", d.Kind)
	}
	ops := make(map[OpID]bool, len(d.Ops))
	for _, op := range d.Ops {
		if err := op.Validate(); err != nil {
			return err
		}
		if ops[op.ID] {
			return fmt.Errorf("operation %s declared twice", op.ID)
		}
		ops[op.ID] = true
	}
	fields := make(map[string]bool, len(d.Config))
	for _, f := range d.Config {
		if err := checkIdent(f.Name); err != nil {
			return fmt.Errorf("config field %w", err)
		}
		if fields[f.Name] {
			return fmt.Errorf("config field %q declared twice", f.Name)
		}
		fields[f.Name] = true
		if _, known := kindNames[f.Kind]; !known {
			return fmt.Errorf("config field %q has unknown kind %v", f.Name, f.Kind)
		}
		if !f.Default.IsNull() && !f.Kind.Accepts(f.Default.Kind()) {
			return fmt.Errorf("config field %q is %v but its default is %v", f.Name, f.Kind, f.Default.Kind())
		}
	}
	return nil
}

// Mode is the execution mode a runtime and its plugins run in.
type Mode string

// The execution modes.
const (
	Production Mode = "production"
	Testing    Mode = "testing"
	Simulation Mode = "simulation"
)

// ParseMode validates a mode name.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case Production, Testing, Simulation:
		return m, nil
	}
	return "", fmt.Errorf("mode %q is not production, testing or simulation", s)
}

// Deterministic reports whether the mode derives identifiers and randomness
// from a seed.
func (m Mode) Deterministic() bool { return m == Testing || m == Simulation }

// String is the mode's name.
func (m Mode) String() string { return string(m) }

// Set parses a mode name into m (ParseMode), so that a *Mode is a
// command-line flag's value (flag.Value, pflag.Value): a misspelt mode
// fails when the flag is parsed.
func (m *Mode) Set(s string) error {
	v, err := ParseMode(s)
	if err == nil {
		*m = v
	}
	return err
}

// Type names a Mode flag's value in help text.
func (m *Mode) Type() string { return "mode" }

package effects_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
)

func signSpec() effects.OpSpec {
	return effects.OpSpec{
		ID: effects.CryptoEd25519Sign,
		Params: []effects.Param{
			{Name: "msg", Kind: effects.KindBytes},
			{Name: "key", Kind: effects.KindBytes},
			{Name: "context", Kind: effects.KindString, Optional: true},
			{Name: "extra", Kind: effects.KindAny, Optional: true},
		},
		Result:      effects.KindBytes,
		Idempotent:  true,
		Determinism: effects.Pure,
	}
}

func TestOpSpecValidate(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*effects.OpSpec)
		wantErr string // "" for valid
	}{
		{"well formed", func(*effects.OpSpec) {}, ""},
		{"no params", func(s *effects.OpSpec) { s.Params = nil }, ""},
		{"result any", func(s *effects.OpSpec) { s.Result = effects.KindAny }, ""},
		{"result null (no result)", func(s *effects.OpSpec) { s.Result = effects.KindNull }, ""},
		{"reads-world", func(s *effects.OpSpec) { s.Determinism = effects.ReadsWorld }, ""},
		{"writes-world", func(s *effects.OpSpec) { s.Determinism = effects.WritesWorld }, ""},
		{"empty ID", func(s *effects.OpSpec) { s.ID = "" }, "family.operation"},
		{"malformed ID", func(s *effects.OpSpec) { s.ID = "Crypto.sign" }, "Crypto.sign"},
		{"missing determinism", func(s *effects.OpSpec) { s.Determinism = "" }, "determinism"},
		{"unknown determinism", func(s *effects.OpSpec) { s.Determinism = "impure" }, `"impure"`},
		{"empty param name", func(s *effects.OpSpec) { s.Params[1].Name = "" }, "parameter is empty"},
		{"bad param name", func(s *effects.OpSpec) { s.Params[1].Name = "Key" }, `"Key"`},
		{"duplicate param", func(s *effects.OpSpec) { s.Params[1].Name = "msg" }, `"msg" declared twice`},
		{"unknown param kind", func(s *effects.OpSpec) { s.Params[0].Kind = effects.Kind(9) }, "kind(9)"},
		{"unknown result kind", func(s *effects.OpSpec) { s.Result = effects.Kind(200) }, "kind(200)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := signSpec()
			tt.edit(&spec)
			err := spec.Validate()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Validate: %v", err)
			case tt.wantErr != "" && err == nil:
				t.Fatalf("Validate accepted %+v", spec)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Fatalf("Validate error %q does not mention %q", err, tt.wantErr)
			}
		})
	}
}

func TestCheckArgs(t *testing.T) {
	msg, key := effects.Bytes([]byte("m")), effects.Bytes([]byte("k"))
	args := func(kv ...any) effects.Value {
		m := map[string]effects.Value{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1].(effects.Value)
		}
		return effects.Map(m)
	}
	tests := []struct {
		name    string
		spec    effects.OpSpec
		args    effects.Value
		wantErr string // "" for accepted
	}{
		{"required only", signSpec(), args("msg", msg, "key", key), ""},
		{"with optional", signSpec(), args("msg", msg, "key", key, "context", effects.String("c")), ""},
		{"any accepts a list", signSpec(), args("msg", msg, "key", key, "extra", effects.List()), ""},
		{"any accepts null", signSpec(), args("msg", msg, "key", key, "extra", effects.Null()), ""},
		{"any accepts uint", signSpec(), args("msg", msg, "key", key, "extra", effects.Uint(1)), ""},
		{"missing required", signSpec(), args("msg", msg), `missing argument "key" (bytes)`},
		{"empty map", signSpec(), args(), `missing argument "msg"`},
		{"null args with required params", signSpec(), effects.Null(), `missing argument "msg"`},
		{"unexpected argument lists the parameters", signSpec(), args("msg", msg, "key", key, "nonce", msg),
			`unexpected argument "nonce" (parameters: msg bytes, key bytes, context string?, extra any?)`},
		{"wrong kind", signSpec(), args("msg", effects.String("m"), "key", key), `argument "msg" must be bytes, got string`},
		{"wrong kind of optional", signSpec(), args("msg", msg, "key", key, "context", effects.Int(1)), `argument "context" must be string, got int`},
		{"null for a required bytes param", signSpec(), args("msg", effects.Null(), "key", key), `argument "msg" must be bytes, got null`},
		{"args not a map", signSpec(), effects.List(msg, key), "arguments must be a map"},
		{"args a scalar", signSpec(), effects.String("m"), "arguments must be a map"},
		{"no params, null args", effects.OpSpec{ID: "clock.now", Determinism: effects.ReadsWorld}, effects.Null(), ""},
		{"no params, empty map", effects.OpSpec{ID: "clock.now", Determinism: effects.ReadsWorld}, args(), ""},
		{"no params, one given", effects.OpSpec{ID: "clock.now", Determinism: effects.ReadsWorld}, args("x", msg), `unexpected argument "x" (parameters: none)`},
		{"only optional params, null args", effects.OpSpec{ID: effects.StorageStats, Params: []effects.Param{{Name: "verbose", Kind: effects.KindBool, Optional: true}}, Determinism: effects.ReadsWorld}, effects.Null(), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.spec.CheckArgs(tt.args)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("CheckArgs(%v): %v", tt.args, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("CheckArgs(%v) accepted", tt.args)
			}
			if !errors.Is(err, effects.ErrInvalidArgs) {
				t.Errorf("error %v is not invalid_args", err)
			}
			var e *effects.Error
			if !errors.As(err, &e) || e.Op != tt.spec.ID {
				t.Errorf("error %v does not name the operation %s", err, tt.spec.ID)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestDescriptorValidate(t *testing.T) {
	valid := func() effects.Descriptor {
		return effects.Descriptor{
			Name: "crypto", Version: "1.0.0", Kind: effects.KindHandler,
			Ops: []effects.OpSpec{signSpec(), {ID: effects.CryptoHash, Determinism: effects.Pure, Result: effects.KindBytes}},
			Config: []effects.ConfigField{
				{Name: "path", Kind: effects.KindString, Required: true},
				{Name: "max_keys", Kind: effects.KindUint, Default: effects.Uint(10)},
			},
		}
	}
	tests := []struct {
		name    string
		edit    func(*effects.Descriptor)
		wantErr string
	}{
		{"well formed", func(*effects.Descriptor) {}, ""},
		{"service kind", func(d *effects.Descriptor) { d.Kind = effects.KindService }, ""},
		{"no ops or config", func(d *effects.Descriptor) { d.Ops, d.Config = nil, nil }, ""},
		{"missing kind", func(d *effects.Descriptor) { d.Kind = "" }, "plugin kind"},
		{"unknown kind", func(d *effects.Descriptor) { d.Kind = "daemon" }, `"daemon"`},
		{"invalid op", func(d *effects.Descriptor) { d.Ops[1].ID = "hash" }, `"hash"`},
		{"op with invalid determinism", func(d *effects.Descriptor) { d.Ops[1].Determinism = "" }, "crypto.hash"},
		{"op declared twice", func(d *effects.Descriptor) { d.Ops[1].ID = d.Ops[0].ID }, "crypto.ed25519_sign declared twice"},
		{"config field unnamed", func(d *effects.Descriptor) { d.Config[0].Name = "" }, "config field is empty"},
		{"config field bad name", func(d *effects.Descriptor) { d.Config[0].Name = "max-keys" }, `"max-keys"`},
		{"config field twice", func(d *effects.Descriptor) { d.Config[1].Name = "path" }, `config field "path" declared twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := valid()
			tt.edit(&d)
			err := d.Validate()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Validate: %v", err)
			case tt.wantErr != "" && err == nil:
				t.Fatalf("Validate accepted %+v", d)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Fatalf("Validate error %q does not mention %q", err, tt.wantErr)
			}
		})
	}
}

func TestSignature(t *testing.T) {
	tests := []struct {
		spec effects.OpSpec
		want string
	}{
		{signSpec(), "crypto.ed25519_sign(msg bytes, key bytes, context string?, extra any?) -> bytes [pure, idempotent]"},
		{effects.OpSpec{ID: "clock.now", Result: effects.KindUint, Determinism: effects.ReadsWorld}, "clock.now() -> uint [reads-world]"},
		{effects.OpSpec{ID: effects.StorageStore, Params: []effects.Param{{Name: "key", Kind: effects.KindString}, {Name: "value", Kind: effects.KindAny}}, Determinism: effects.WritesWorld, Idempotent: true},
			"storage.store(key string, value any) -> null [writes-world, idempotent]"},
	}
	for _, tt := range tests {
		if got := tt.spec.Signature(); got != tt.want {
			t.Errorf("Signature() = %q, want %q", got, tt.want)
		}
	}
}

func TestKindStringAndParseKindRoundTrip(t *testing.T) {
	kinds := []effects.Kind{
		effects.KindNull, effects.KindBool, effects.KindInt, effects.KindUint, effects.KindString,
		effects.KindBytes, effects.KindList, effects.KindMap, effects.KindAny,
	}
	names := []string{"null", "bool", "int", "uint", "string", "bytes", "list", "map", "any"}
	for i, k := range kinds {
		if k.String() != names[i] {
			t.Errorf("Kind(%d).String() = %q, want %q", k, k.String(), names[i])
		}
		got, err := effects.ParseKind(names[i])
		if err != nil || got != k {
			t.Errorf("ParseKind(%q) = %v, %v; want %v", names[i], got, err, k)
		}
	}
	for _, bad := range []string{"", "Int", "float", "kind(9)", " int"} {
		if k, err := effects.ParseKind(bad); err == nil {
			t.Errorf("ParseKind(%q) = %v, want an error", bad, k)
		}
	}
	if got := effects.Kind(9).String(); got != "kind(9)" {
		t.Errorf("Kind(9).String() = %q", got)
	}
}

// The tag numbers are in the canonical encoding and on the wire.
func TestKindNumbersAreStable(t *testing.T) {
	want := map[effects.Kind]uint8{
		effects.KindNull: 0, effects.KindBool: 1, effects.KindInt: 2, effects.KindUint: 3,
		effects.KindString: 4, effects.KindBytes: 5, effects.KindList: 6, effects.KindMap: 7, effects.KindAny: 15,
	}
	for k, n := range want {
		if uint8(k) != n {
			t.Errorf("%v = %d, want %d", k, uint8(k), n)
		}
	}
}

func TestKindAccepts(t *testing.T) {
	tests := []struct {
		schema, value effects.Kind
		want          bool
	}{
		{effects.KindAny, effects.KindNull, true},
		{effects.KindAny, effects.KindMap, true},
		{effects.KindInt, effects.KindInt, true},
		{effects.KindInt, effects.KindUint, false},
		{effects.KindString, effects.KindBytes, false},
		{effects.KindBytes, effects.KindNull, false},
		{effects.KindNull, effects.KindNull, true},
	}
	for _, tt := range tests {
		if got := tt.schema.Accepts(tt.value); got != tt.want {
			t.Errorf("%v.Accepts(%v) = %v, want %v", tt.schema, tt.value, got, tt.want)
		}
	}
}

func TestDeterminismValid(t *testing.T) {
	for _, d := range []effects.Determinism{effects.Pure, effects.ReadsWorld, effects.WritesWorld} {
		if !d.Valid() {
			t.Errorf("%q is not valid", d)
		}
	}
	for _, d := range []effects.Determinism{"", "Pure", "reads_world", "impure"} {
		if d.Valid() {
			t.Errorf("%q is valid", d)
		}
	}
}

func TestParseMode(t *testing.T) {
	tests := []struct {
		in            string
		want          effects.Mode
		deterministic bool
		wantErr       bool
	}{
		{"production", effects.Production, false, false},
		{"testing", effects.Testing, true, false},
		{"simulation", effects.Simulation, true, false},
		{"", "", false, true},
		{"Production", "", false, true},
		{"prod", "", false, true},
		{"simulation ", "", false, true},
	}
	for _, tt := range tests {
		got, err := effects.ParseMode(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseMode(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
			continue
		}
		if err != nil && !strings.Contains(err.Error(), "production, testing or simulation") {
			t.Errorf("ParseMode(%q) error %q does not list the modes", tt.in, err)
		}
		if err == nil && got.Deterministic() != tt.deterministic {
			t.Errorf("%s.Deterministic() = %v, want %v", got, got.Deterministic(), tt.deterministic)
		}
	}
}

func TestDescriptorValidateConfigFieldsAndIdentity(t *testing.T) {
	base := effects.Descriptor{Name: "p", Version: "1.0.0", Kind: effects.KindHandler}
	bad := map[string]func(d *effects.Descriptor){
		"no name":      func(d *effects.Descriptor) { d.Name = "" },
		"no version":   func(d *effects.Descriptor) { d.Version = "" },
		"unknown kind": func(d *effects.Descriptor) { d.Config = []effects.ConfigField{{Name: "x", Kind: effects.Kind(9)}} },
		"default mismatch": func(d *effects.Descriptor) {
			d.Config = []effects.ConfigField{{Name: "x", Kind: effects.KindInt, Default: effects.String("7")}}
		},
	}
	for name, edit := range bad {
		d := base
		edit(&d)
		if d.Validate() == nil {
			t.Errorf("%s: Validate accepted %+v", name, d)
		}
	}
	ok := base
	ok.Config = []effects.ConfigField{{Name: "x", Kind: effects.KindInt, Default: effects.Int(7)}, {Name: "y", Kind: effects.KindAny, Default: effects.String("s")}}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid descriptor rejected: %v", err)
	}
}

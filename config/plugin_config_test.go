package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aurahost/aura-host/effects"
)

func TestDecodePluginConfig(t *testing.T) {
	schema := []effects.ConfigField{
		{Name: "path", Kind: effects.KindString, Required: true, Doc: "Where the data lives."},
		{Name: "count", Kind: effects.KindInt},
		{Name: "limit", Kind: effects.KindUint, Default: effects.Uint(10)},
		{Name: "sync", Kind: effects.KindBool, Default: effects.Bool(true)},
		{Name: "key", Kind: effects.KindBytes},
		{Name: "tags", Kind: effects.KindList},
		{Name: "labels", Kind: effects.KindMap},
		{Name: "extra", Kind: effects.KindAny},
	}
	tests := []struct {
		name   string
		config string // body of config {}, or "-" for no config block
		schema []effects.ConfigField
		want   string   // Value.String() of the result
		diags  []string // Summary@line:col
		detail string   // a phrase the first diagnostic's detail must contain
	}{
		{
			name:   "defaults applied and absent optional fields left out",
			config: `path = "db"`,
			want:   `{limit: 10u, path: "db", sync: true}`,
		},
		{
			name: "every kind",
			config: `path = "db"
    count = -3
    limit = 18446744073709551615
    sync = false
    key = "00FFab"
    tags = ["a", 1, true, null, [2]]
    labels = { team = "core", "x.y" = { depth = 2 } }
    extra = 9223372036854775808`,
			want: `{count: -3, extra: 9223372036854775808u, key: 0x00ffab, labels: {team: "core", x.y: {depth: 2}}, limit: 18446744073709551615u, path: "db", sync: false, tags: ["a", 1, true, null, [2]]}`,
		},
		{
			name:   "null counts as absent",
			config: `path = "db"` + "\n    sync = null",
			want:   `{limit: 10u, path: "db", sync: true}`,
		},
		{
			name:   "empty bytes",
			config: `path = "db"` + "\n    key = \"\"",
			want:   `{key: 0x, limit: 10u, path: "db", sync: true}`,
		},
		{
			name:   "unknown attribute with suggestion",
			config: `path = "db"` + "\n    cont = 3",
			want:   `{limit: 10u, path: "db", sync: true}`,
			diags:  []string{"Unsupported config argument@4:5"},
			detail: `Did you mean "count"? It accepts path (string, required), count (int)`,
		},
		{
			name:   "schema with no fields",
			config: `path = "db"`,
			schema: []effects.ConfigField{},
			want:   `{}`,
			diags:  []string{"Unsupported config argument@3:5"},
			detail: `takes no configuration: remove path`,
		},
		{
			name:   "missing required at the config block",
			config: `count = 1`,
			want:   `{count: 1, limit: 10u, sync: true}`,
			diags:  []string{"Missing required config@2:3"},
			detail: `needs path, a string (Where the data lives). Add it`,
		},
		{
			name:   "missing required without a config block at the plugin block",
			config: "-",
			want:   `{limit: 10u, sync: true}`,
			diags:  []string{"Missing required config@1:1"},
		},
		{
			name:   "required set to null is missing",
			config: `path = null`,
			want:   `{limit: 10u, sync: true}`,
			diags:  []string{"Missing required config@2:3"},
		},
		{
			name:   "string for int",
			config: `path = "db"` + "\n    count = \"3\"",
			want:   `{limit: 10u, path: "db", sync: true}`,
			diags:  []string{"Invalid config value@4:13"},
			detail: `count of plugin "p" must be a whole number: got a string. For example: count = 42`,
		},
		{
			name:   "number for string",
			config: `path = 3`,
			want:   `{limit: 10u, sync: true}`,
			diags:  []string{"Invalid config value@3:12"},
			detail: `must be a string: got a number`,
		},
		{
			name:   "fraction for int",
			config: `path = "db"` + "\n    count = 2.5",
			want:   `{limit: 10u, path: "db", sync: true}`,
			diags:  []string{"Invalid config value@4:13"},
			detail: `2.5 is not a whole number`,
		},
		{
			name:   "int out of range",
			config: `path = "db"` + "\n    count = 9223372036854775808",
			want:   `{limit: 10u, path: "db", sync: true}`,
			diags:  []string{"Invalid config value@4:13"},
			detail: `out of range`,
		},
		{
			name:   "negative uint",
			config: `path = "db"` + "\n    limit = -1",
			want:   `{path: "db", sync: true}`,
			diags:  []string{"Invalid config value@4:13"},
		},
		{
			name:   "string for bool",
			config: `path = "db"` + "\n    sync = \"true\"",
			want:   `{limit: 10u, path: "db"}`,
			diags:  []string{"Invalid config value@4:12"},
			detail: `must be true or false: got a string`,
		},
		{
			name:   "odd hex",
			config: `path = "db"` + "\n    key = \"abc\"",
			want:   `{limit: 10u, path: "db", sync: true}`,
			diags:  []string{"Invalid config value@4:11"},
			detail: `odd number of hex digits`,
		},
		{
			name:   "not hex",
			config: `path = "db"` + "\n    key = \"0x00\"",
			want:   `{limit: 10u, path: "db", sync: true}`,
			diags:  []string{"Invalid config value@4:11"},
			detail: `not a hex digit at offset 1`,
		},
		{
			name:   "string for list",
			config: `path = "db"` + "\n    tags = \"a\"",
			want:   `{limit: 10u, path: "db", sync: true}`,
			diags:  []string{"Invalid config value@4:12"},
			detail: `must be a list: got a string`,
		},
		{
			name:   "list for map",
			config: `path = "db"` + "\n    labels = [1]",
			want:   `{limit: 10u, path: "db", sync: true}`,
			diags:  []string{"Invalid config value@4:14"},
			detail: `must be an object: got a list`,
		},
		{
			name:   "fraction inside a list",
			config: `path = "db"` + "\n    tags = [1, 0.5]",
			want:   `{limit: 10u, path: "db", sync: true}`,
			diags:  []string{"Invalid config value@4:12"},
			detail: `at [1], 0.5 is not a whole number`,
		},
		{
			name:   "nested past the protocol's depth limit",
			config: `path = "db"` + "\n    extra = " + strings.Repeat("[", effects.MaxDepth) + "1" + strings.Repeat("]", effects.MaxDepth),
			want:   `{limit: 10u, path: "db", sync: true}`,
			diags:  []string{"Invalid config value@4:13"},
			detail: `more than 30 levels deep`,
		},
		{
			name:   "nested to the protocol's depth limit",
			config: `path = "db"` + "\n    extra = " + strings.Repeat("[", effects.MaxDepth-1) + "1" + strings.Repeat("]", effects.MaxDepth-1),
			want:   `{extra: ` + strings.Repeat("[", effects.MaxDepth-1) + "1" + strings.Repeat("]", effects.MaxDepth-1) + `, limit: 10u, path: "db", sync: true}`,
		},
		{
			name:   "nested block",
			config: `path = "db"` + "\n    tls {\n    }",
			want:   `{limit: 10u, path: "db", sync: true}`,
			diags:  []string{"Blocks are not allowed in config@4:5"},
		},
		{
			name:   "several mistakes all reported in file order",
			config: "count = \"x\"\n    sink = true\n    limit = 1.5",
			want:   `{sync: true}`,
			diags:  []string{"Invalid config value@3:13", "Unsupported config argument@4:5", "Invalid config value@5:13", "Missing required config@2:3"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "plugin \"p\" {\n  config {\n    " + tt.config + "\n  }\n}\n"
			if tt.config == "-" {
				src = "plugin \"p\" {\n}\n"
			}
			p := parsePluginBody(t, src)
			s := schema
			if tt.schema != nil {
				s = tt.schema
			}
			got, diags := DecodePluginConfig(p, s)
			if got.Kind() != effects.KindMap {
				t.Fatalf("result kind %s, want map", got.Kind())
			}
			if got.String() != tt.want {
				t.Errorf("value\n got %s\nwant %s", got, tt.want)
			}
			if diff := cmp.Diff(tt.diags, summaries(diags)); diff != "" && (len(tt.diags) > 0 || len(diags) > 0) {
				t.Errorf("diagnostics (-want +got):\n%s\n%s", diff, render(&Deployment{Files: nil}, diags))
			}
			if tt.detail != "" && (len(diags) == 0 || !strings.Contains(diags[0].Detail, tt.detail)) {
				t.Errorf("first detail does not contain %q:\n%v", tt.detail, diags)
			}
			checkSubjects(t, diags)
		})
	}
}

// parsePluginBody builds a Plugin from a lone plugin block (src starts at
// line 1), the way Parse does. Parse's own diagnostics (no deployment
// block, no source) do not matter here: the plugin is decoded regardless.
func parsePluginBody(t *testing.T, src string) *Plugin {
	t.Helper()
	d, diags := Parse([]byte(src), "test.hcl", Options{Dir: "/deploy"})
	if len(d.Plugins) != 1 {
		t.Fatalf("want one plugin parsed:\n%s", render(d, diags))
	}
	return d.Plugins[0]
}

func TestDecodePluginConfigNilBody(t *testing.T) {
	p := &Plugin{Name: "p", DeclRange: rangeAt(3)}
	got, diags := DecodePluginConfig(p, []effects.ConfigField{{Name: "n", Kind: effects.KindInt, Default: effects.Int(5)}})
	if len(diags) != 0 || got.String() != "{n: 5}" {
		t.Fatalf("got %s, %v", got, diags)
	}
}

package config

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/effects"
)

var update = flag.Bool("update", false, "rewrite the expected output of the golden files under testdata/")

// goldenSeparator divides a golden file's HCL input from the diagnostics it
// must produce.
const goldenSeparator = "----------\n"

// testBuiltins are the built-ins the golden tests pretend to serve.
var testBuiltins = []string{"crypto", "storage", "clock", "random", "console"}

// testDescriptors stand in for what each built-in declares when described.
var testDescriptors = map[string]effects.Descriptor{
	"crypto": {Ops: opSpecs("crypto.hash", "crypto.ed25519_sign", "crypto.ed25519_verify")},
	"storage": {
		Ops: opSpecs("storage.store", "storage.retrieve"),
		Config: []effects.ConfigField{
			{Name: "path", Kind: effects.KindString, Required: true, Doc: "the database file, relative to the state directory"},
			{Name: "sync", Kind: effects.KindBool, Default: effects.Bool(true)},
		},
	},
	"clock":   {Ops: opSpecs("clock.physical_time", "clock.sleep_ms")},
	"random":  {Ops: opSpecs("random.random_bytes")},
	"console": {Ops: opSpecs("console.log_info")},
}

// testCommandSchema is the config schema of every command plugin in the
// golden tests: one field of each kind.
var testCommandSchema = []effects.ConfigField{
	{Name: "greeting", Kind: effects.KindString, Default: effects.String("hello")},
	{Name: "count", Kind: effects.KindInt},
	{Name: "limit", Kind: effects.KindUint},
	{Name: "verbose", Kind: effects.KindBool},
	{Name: "key", Kind: effects.KindBytes},
	{Name: "tags", Kind: effects.KindList},
	{Name: "labels", Kind: effects.KindMap},
	{Name: "extra", Kind: effects.KindAny},
}

func opSpecs(ids ...string) []effects.OpSpec {
	out := make([]effects.OpSpec, len(ids))
	for i, id := range ids {
		out[i] = effects.OpSpec{ID: effects.MustOpID(id), Determinism: effects.Pure}
	}
	return out
}

// validate does what `aura-host validate` does with a file, with the test
// descriptors standing in for the plugins: parse, decode every config block
// against its plugin's schema, check operation conflicts; and returns the
// printed diagnostics.
func validate(src []byte, filename string) string {
	d, diags := Parse(src, filename, Options{Builtins: testBuiltins, Dir: "/deploy"})
	if !diags.HasErrors() {
		ops := make(map[string][]effects.OpID)
		for _, p := range d.Plugins {
			desc, ok := testDescriptors[p.Builtin]
			if !ok {
				desc = effects.Descriptor{Ops: opSpecs(p.Name + ".ping"), Config: testCommandSchema}
			}
			_, cdiags := DecodePluginConfig(p, desc.Config)
			diags = append(diags, cdiags...)
			for _, op := range desc.Ops {
				ops[p.Name] = append(ops[p.Name], op.ID)
			}
		}
		if !diags.HasErrors() {
			diags = append(diags, CheckOperations(d, ops)...)
		}
	}
	if len(diags) == 0 {
		return "(no diagnostics)\n"
	}
	var b bytes.Buffer
	if err := WriteDiagnostics(&b, d.Files, diags, false); err != nil {
		panic(err)
	}
	return b.String()
}

// TestGolden checks the diagnostics of every testdata/*.txt file: HCL
// input, a line of dashes, the exact output of validate. Run with -update
// to rewrite the expected output after an intended change.
func TestGolden(t *testing.T) {
	paths, err := filepath.Glob("testdata/*.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < 12 {
		t.Fatalf("found %d golden files, want at least 12", len(paths))
	}
	for _, path := range paths {
		name := strings.TrimSuffix(filepath.Base(path), ".txt")
		t.Run(name, func(t *testing.T) {
			input, want := readGolden(t, path)
			got := validate(input, name+".hcl")
			if *update {
				out := append(append(input, goldenSeparator...), got...)
				if err := os.WriteFile(path, out, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if got != want {
				t.Errorf("diagnostics differ (run go test ./config -run TestGolden -update to accept)\n--- got\n%s\n--- want\n%s", got, want)
			}
		})
	}
}

// readGolden splits a golden file into its input and expected output.
func readGolden(t testing.TB, path string) (input []byte, want string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	in, out, ok := bytes.Cut(data, []byte("\n"+goldenSeparator))
	if !ok {
		if *update {
			return data, "" // a new golden file: all input so far
		}
		t.Fatalf("%s: no %q line between input and expected output", path, strings.TrimSpace(goldenSeparator))
	}
	return append(in, '\n'), string(out)
}

// TestGoldenErrorsHaveSubjects checks the invariant behind every golden:
// each error points into the file.
func TestGoldenErrorsHaveSubjects(t *testing.T) {
	paths, _ := filepath.Glob("testdata/*.txt")
	for _, path := range paths {
		input, _ := readGolden(t, path)
		_, diags := Parse(input, filepath.Base(path), Options{Builtins: testBuiltins})
		checkSubjects(t, diags)
	}
}

func checkSubjects(t testing.TB, diags hcl.Diagnostics) {
	t.Helper()
	for _, d := range diags {
		if d.Severity == hcl.DiagError && (d.Subject == nil || d.Subject.Filename == "") {
			t.Errorf("error without a subject: %s: %s", d.Summary, d.Detail)
		}
	}
}

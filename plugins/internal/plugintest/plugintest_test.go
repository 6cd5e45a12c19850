package plugintest

import (
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
)

// Check is what every plugin test's failure assertions rest on: it must
// accept exactly the matching error and refuse everything else.
func TestCheck(t *testing.T) {
	t.Parallel()
	notFound := effects.Errorf(effects.CodeNotFound, "key %q is absent", "k")
	if err := Check(notFound, sdk.CodeNotFound, "absent"); err != nil {
		t.Fatalf("matching error refused: %v", err)
	}
	for name, err := range map[string]error{
		"no error":      nil,
		"other code":    effects.Errorf(effects.CodeConflict, "key %q is absent", "k"),
		"other message": effects.Errorf(effects.CodeNotFound, "gone"),
		"untyped error": errString("absent"),
	} {
		if Check(err, sdk.CodeNotFound, "absent") == nil {
			t.Errorf("%s: Check accepted %v", name, err)
		}
	}
}

type errString string

func (e errString) Error() string { return string(e) }

func TestArgsAndStrs(t *testing.T) {
	t.Parallel()
	got := Args("a", sdk.Int(1), "b", Strs("x", "y"))
	want := sdk.Map(map[string]sdk.Value{"a": sdk.Int(1), "b": sdk.List(sdk.String("x"), sdk.String("y"))})
	if !got.Equal(want) {
		t.Fatalf("Args = %v, want %v", got, want)
	}
}

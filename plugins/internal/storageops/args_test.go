package storageops

import (
	"strings"
	"testing"

	"github.com/aurahost/aura-host/plugins/internal/plugintest"
	"github.com/aurahost/aura-host/sdk"
)

// The storage plugins' tests cover the readers over the wire; these check
// the key rules and messages directly.

func call(kv ...any) *sdk.Call { return &sdk.Call{Args: plugintest.Args(kv...)} }

func TestKeyArg(t *testing.T) {
	t.Parallel()
	for key, fragment := range map[string]string{
		"k":                               "",
		strings.Repeat("k", MaxKeySize):   "",
		"":                                "key: keys must not be empty",
		strings.Repeat("k", MaxKeySize+1): "key: key is 32769 bytes, more than the 32768 allowed",
	} {
		got, err := KeyArg(call("key", sdk.String(key)))
		if fragment == "" {
			if err != nil || got != key {
				t.Errorf("KeyArg(%.20q) = %.20q, %v", key, got, err)
			}
			continue
		}
		if err := plugintest.Check(err, sdk.CodeInvalidArgs, fragment); err != nil {
			t.Errorf("KeyArg(%.20q): %v", key, err)
		}
	}
}

func TestEntriesArg(t *testing.T) {
	t.Parallel()
	entries, err := EntriesArg(call("entries", sdk.Map(map[string]sdk.Value{"a": sdk.Bytes(nil), "b": sdk.Bytes([]byte{1})})))
	if err != nil || len(entries) != 2 {
		t.Fatalf("EntriesArg = %v, %v", entries, err)
	}
	for name, tc := range map[string]struct {
		entries  map[string]sdk.Value
		fragment string
	}{
		"empty key": {map[string]sdk.Value{"": sdk.Bytes(nil)}, "entries: keys must not be empty"},
		"not bytes": {map[string]sdk.Value{"a": sdk.String("v")}, `entries: the value of "a" must be bytes, got string`},
		"long key":  {map[string]sdk.Value{strings.Repeat("k", MaxKeySize+1): sdk.Bytes(nil)}, "entries: key is 32769 bytes"},
	} {
		_, err := EntriesArg(call("entries", sdk.Map(tc.entries)))
		if err := plugintest.Check(err, sdk.CodeInvalidArgs, tc.fragment); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestKeysArg(t *testing.T) {
	t.Parallel()
	keys, err := KeysArg(call("keys", plugintest.Strs("b", "a")))
	if err != nil || strings.Join(keys, ",") != "b,a" {
		t.Fatalf("KeysArg = %v, %v", keys, err)
	}
	for name, tc := range map[string]struct {
		keys     sdk.Value
		fragment string
	}{
		"not a string": {sdk.List(sdk.String("a"), sdk.Int(1)), "keys: item 1 must be a string, got int"},
		"empty key":    {plugintest.Strs("a", ""), "keys: keys must not be empty"},
	} {
		_, err := KeysArg(call("keys", tc.keys))
		if err := plugintest.Check(err, sdk.CodeInvalidArgs, tc.fragment); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

package storageops

import "github.com/aurahost/aura-host/sdk"

// MaxKeySize is the longest key accepted, in bytes: bbolt's limit, which
// the storage plugin's database imposes (its tests check the two agree).
// It is written out here so that sim-storage, which shares the key rules,
// need not link bbolt.
const MaxKeySize = 32768

// The readers of the storage family's arguments. The storage plugin and
// sim-storage both read their arguments with them, so that both accept
// the same keys and refuse the rest with the same errors.

// checkKey validates a key; where names it in the error ("key", "entries").
func checkKey(key, where string) error {
	switch {
	case key == "":
		return sdk.Errorf(sdk.CodeInvalidArgs, "%s: keys must not be empty", where)
	case len(key) > MaxKeySize:
		return sdk.Errorf(sdk.CodeInvalidArgs, "%s: key is %d bytes, more than the %d allowed", where, len(key), MaxKeySize)
	}
	return nil
}

// KeyArg returns the call's key argument, checked.
func KeyArg(c *sdk.Call) (string, error) {
	k, _ := c.Arg("key").AsString()
	return k, checkKey(k, "key")
}

// EntriesArg returns the entries argument of store_batch: each key
// checked, each value bytes.
func EntriesArg(c *sdk.Call) ([]sdk.Field, error) {
	entries := c.Arg("entries").Fields()
	for _, f := range entries {
		if err := checkKey(f.Key, "entries"); err != nil {
			return nil, err
		}
		if f.Value.Kind() != sdk.KindBytes {
			return nil, sdk.Errorf(sdk.CodeInvalidArgs, "entries: the value of %q must be bytes, got %s", f.Key, f.Value.Kind())
		}
	}
	return entries, nil
}

// KeysArg returns the keys argument of retrieve_batch: each item a checked
// key.
func KeysArg(c *sdk.Call) ([]string, error) {
	items := c.Arg("keys").Items()
	keys := make([]string, len(items))
	for i, it := range items {
		k, ok := it.AsString()
		if !ok {
			return nil, sdk.Errorf(sdk.CodeInvalidArgs, "keys: item %d must be a string, got %s", i, it.Kind())
		}
		if err := checkKey(k, "keys"); err != nil {
			return nil, err
		}
		keys[i] = k
	}
	return keys, nil
}

package storage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/plugintest"
	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/sdk/sdktest"
)

var args, strs = plugintest.Args, plugintest.Strs

func b(s string) sdk.Value { return sdk.Bytes([]byte(s)) }

// newPlugin returns a storage plugin whose database the test closes when
// it ends (a served plugin leaves that to process exit).
func newPlugin(t *testing.T) *sdk.Plugin {
	s := newStore(lockTimeout)
	t.Cleanup(func() {
		if err := s.close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s.plugin()
}

func dbPath(t *testing.T) string { return filepath.Join(t.TempDir(), "kv.db") }

func withPath(path string) sdktest.Option {
	return sdktest.WithConfig(args("path", sdk.String(path)))
}

func TestConformance(t *testing.T) {
	t.Parallel()
	sdktest.Conformance(t, newPlugin(t),
		sdktest.WithSample(effects.StorageStore, args("key", sdk.String("k"), "value", b("v"))),
		sdktest.WithSample(effects.StorageRetrieve, args("key", sdk.String("k"))),
		sdktest.WithSample(effects.StorageRemove, args("key", sdk.String("k"))),
		sdktest.WithSample(effects.StorageExists, args("key", sdk.String("k"))),
	)
}

func key(k string) sdk.Value { return args("key", sdk.String(k)) }

// TestMaxKeySizeIsBboltsLimit: the family's key limit, shared with
// sim-storage, is the longest key this plugin's database can hold.
func TestMaxKeySizeIsBboltsLimit(t *testing.T) {
	t.Parallel()
	if MaxKeySize != bbolt.MaxKeySize {
		t.Fatalf("MaxKeySize = %d, bbolt's limit is %d", MaxKeySize, bbolt.MaxKeySize)
	}
}

func TestOperations(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("k", bbolt.MaxKeySize+1)
	cases := []struct {
		name  string
		steps []plugintest.Step
	}{
		{"store then retrieve", []plugintest.Step{
			{Op: effects.StorageStore, Args: args("key", sdk.String("a"), "value", b("1")), Want: sdk.Null()},
			{Op: effects.StorageRetrieve, Args: key("a"), Want: b("1")},
			{Op: effects.StorageStore, Args: args("key", sdk.String("a"), "value", b("2")), Want: sdk.Null()},
			{Op: effects.StorageRetrieve, Args: key("a"), Want: b("2")},
		}},
		{"absent key", []plugintest.Step{
			{Op: effects.StorageRetrieve, Args: key("nope"), Code: sdk.CodeNotFound, Message: `no value stored under key "nope"`},
			{Op: effects.StorageExists, Args: key("nope"), Want: sdk.Bool(false)},
			{Op: effects.StorageRemove, Args: key("nope"), Want: sdk.Bool(false)},
		}},
		{"empty value is a value", []plugintest.Step{
			{Op: effects.StorageStore, Args: args("key", sdk.String("e"), "value", sdk.Bytes(nil)), Want: sdk.Null()},
			{Op: effects.StorageExists, Args: key("e"), Want: sdk.Bool(true)},
			{Op: effects.StorageRetrieve, Args: key("e"), Want: sdk.Bytes(nil)},
		}},
		{"remove", []plugintest.Step{
			{Op: effects.StorageStore, Args: args("key", sdk.String("r"), "value", b("x")), Want: sdk.Null()},
			{Op: effects.StorageRemove, Args: key("r"), Want: sdk.Bool(true)},
			{Op: effects.StorageExists, Args: key("r"), Want: sdk.Bool(false)},
			{Op: effects.StorageRetrieve, Args: key("r"), Code: sdk.CodeNotFound, Message: "r"},
			{Op: effects.StorageRemove, Args: key("r"), Want: sdk.Bool(false)},
		}},
		{"list keys by prefix, in byte order", []plugintest.Step{
			{Op: effects.StorageStoreBatch, Args: args("entries", sdk.Map(map[string]sdk.Value{
				"user/b": b("2"), "user/a": b("1"), "users": b("3"), "use": b("4"), "other": b("5"), "user/Z": b("6"),
			})), Want: sdk.Null()},
			{Op: effects.StorageListKeys, Args: args("prefix", sdk.String("user/")), Want: strs("user/Z", "user/a", "user/b")},
			{Op: effects.StorageListKeys, Args: args("prefix", sdk.String("use")), Want: strs("use", "user/Z", "user/a", "user/b", "users")},
			{Op: effects.StorageListKeys, Args: sdk.Null(), Want: strs("other", "use", "user/Z", "user/a", "user/b", "users")},
			{Op: effects.StorageListKeys, Args: args("prefix", sdk.String("zz")), Want: strs()},
		}},
		{"batches", []plugintest.Step{
			{Op: effects.StorageStoreBatch, Args: args("entries", sdk.Map(map[string]sdk.Value{"x": b("1"), "y": b("2")})), Want: sdk.Null()},
			{Op: effects.StorageRetrieveBatch, Args: args("keys", strs("x", "missing", "y")),
				Want: sdk.Map(map[string]sdk.Value{"x": b("1"), "y": b("2")})},
			{Op: effects.StorageRetrieveBatch, Args: args("keys", strs()), Want: sdk.Map(nil)},
			{Op: effects.StorageStoreBatch, Args: args("entries", sdk.Map(map[string]sdk.Value{"x": b("3"), "z": sdk.String("not bytes")})),
				Code: sdk.CodeInvalidArgs, Message: `entries: the value of "z" must be bytes, got string`},
			{Op: effects.StorageRetrieve, Args: key("x"), Want: b("1")}, // the failed batch stored nothing
			{Op: effects.StorageRetrieveBatch, Args: args("keys", sdk.List(sdk.String("x"), sdk.Int(1))),
				Code: sdk.CodeInvalidArgs, Message: "keys: item 1 must be a string, got int"},
			{Op: effects.StorageStoreBatch, Args: args("entries", sdk.Map(map[string]sdk.Value{"": b("1")})),
				Code: sdk.CodeInvalidArgs, Message: "entries: keys must not be empty"},
		}},
		{"bad keys", []plugintest.Step{
			{Op: effects.StorageStore, Args: args("key", sdk.String(""), "value", b("1")), Code: sdk.CodeInvalidArgs, Message: "key: keys must not be empty"},
			{Op: effects.StorageStore, Args: args("key", sdk.String(long), "value", b("1")), Code: sdk.CodeInvalidArgs, Message: "more than the 32768 allowed"},
			{Op: effects.StorageExists, Args: key(""), Code: sdk.CodeInvalidArgs, Message: "must not be empty"},
			{Op: effects.StorageRetrieveBatch, Args: args("keys", strs("a", "")), Code: sdk.CodeInvalidArgs, Message: "keys: keys must not be empty"},
		}},
		{"stats and clear_all", []plugintest.Step{
			{Op: effects.StorageStoreBatch, Args: args("entries", sdk.Map(map[string]sdk.Value{"ab": b("123"), "c": b("")})), Want: sdk.Null()},
			{Op: effects.StorageClearAll, Args: sdk.Null(), Want: sdk.Int(2)},
			{Op: effects.StorageListKeys, Args: sdk.Null(), Want: strs()},
			{Op: effects.StorageExists, Args: key("ab"), Want: sdk.Bool(false)},
			{Op: effects.StorageClearAll, Args: sdk.Null(), Want: sdk.Int(0)},
			{Op: effects.StorageStore, Args: args("key", sdk.String("after"), "value", b("ok")), Want: sdk.Null()},
			{Op: effects.StorageRetrieve, Args: key("after"), Want: b("ok")},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			plugintest.Run(t, sdktest.New(t, newPlugin(t)), tc.steps)
		})
	}
}

func TestStats(t *testing.T) {
	t.Parallel()
	path := dbPath(t)
	h := sdktest.New(t, newPlugin(t), withPath(path))
	plugintest.Run(t, h, []plugintest.Step{{Op: effects.StorageStoreBatch, Args: args("entries", sdk.Map(map[string]sdk.Value{"ab": b("123"), "c": b("")})), Want: sdk.Null()}})
	got, err := h.Invoke(context.Background(), effects.StorageStats, sdk.Null())
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	want := sdk.Map(map[string]sdk.Value{"keys": sdk.Int(2), "bytes": sdk.Int(6), "file_bytes": sdk.Int(fi.Size()), "path": sdk.String(path)})
	if !got.Equal(want) {
		t.Fatalf("stats = %v, want %v", got, want)
	}
}

func TestValuesSurviveReopening(t *testing.T) {
	t.Parallel()
	path := dbPath(t)
	first := newStore(lockTimeout)
	h := sdktest.New(t, first.plugin(), withPath(path))
	plugintest.Run(t, h, []plugintest.Step{
		{Op: effects.StorageStore, Args: args("key", sdk.String("kept"), "value", b("across restarts")), Want: sdk.Null()},
		{Op: effects.StorageStoreBatch, Args: args("entries", sdk.Map(map[string]sdk.Value{"b1": b("1"), "b2": b("2")})), Want: sdk.Null()},
	})
	// What a process exit does to the file lock.
	if err := first.close(); err != nil {
		t.Fatal(err)
	}
	plugintest.Run(t, sdktest.New(t, newPlugin(t), withPath(path)), []plugintest.Step{
		{Op: effects.StorageRetrieve, Args: key("kept"), Want: b("across restarts")},
		{Op: effects.StorageListKeys, Args: sdk.Null(), Want: strs("b1", "b2", "kept")},
	})
}

func TestConcurrentWriters(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, newPlugin(t))
	const n = 32
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			k := fmt.Sprintf("k%02d", i)
			if _, err := h.Invoke(context.Background(), effects.StorageStore, args("key", sdk.String(k), "value", b(k))); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	got, err := h.Invoke(context.Background(), effects.StorageListKeys, sdk.Null())
	if err != nil || got.Len() != n {
		t.Fatalf("list_keys = %v, %v; want %d keys", got, err, n)
	}
}

func TestCancelledCallDoesNotWrite(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, newPlugin(t))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.Invoke(ctx, effects.StorageStore, args("key", sdk.String("k"), "value", b("v"))); !errors.Is(err, effects.ErrCancelled) {
		t.Fatalf("got %v, want cancelled", err)
	}
}

// configure runs the plugin's Configure directly, as the SDK server would,
// so that its configuration errors can be inspected.
func configure(t *testing.T, s *store, stateDir string, values sdk.Value) error {
	t.Helper()
	t.Cleanup(func() { s.close() })
	return s.configure(context.Background(), &sdk.Configuration{Values: values, StateDir: stateDir, Mode: sdk.Production})
}

func TestConfigurePath(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cases := []struct {
		name   string
		values sdk.Value
		want   string
	}{
		{"default", sdk.Map(nil), filepath.Join(dir, DefaultPath)},
		{"null is the default", args("path", sdk.Null()), filepath.Join(dir, DefaultPath)},
		{"relative to the state directory", args("path", sdk.String("sub/dir/x.db")), filepath.Join(dir, "sub", "dir", "x.db")},
		{"absolute", args("path", sdk.String(filepath.Join(dir, "abs.db"))), filepath.Join(dir, "abs.db")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(lockTimeout)
			if err := configure(t, s, dir, tc.values); err != nil {
				t.Fatal(err)
			}
			if s.path != tc.want {
				t.Fatalf("path %s, want %s", s.path, tc.want)
			}
			if _, err := os.Stat(tc.want); err != nil {
				t.Fatalf("database file not created: %v", err)
			}
			s.close()
		})
	}
}

func TestConfigureErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	locked := filepath.Join(dir, "locked.db")
	holder, err := bbolt.Open(locked, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { holder.Close() })
	notADir := filepath.Join(dir, "file")
	if err := os.WriteFile(notADir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		stateDir string
		values   sdk.Value
		summary  string
		detail   string
	}{
		{"locked by another holder", dir, args("path", sdk.String("locked.db")), "storage database is locked", locked + " is locked by another process"},
		{"a directory, not a file", dir, args("path", sdk.String(".")), "cannot open the storage database", "opening " + dir},
		{"under a file", dir, args("path", sdk.String("file/x.db")), "cannot create the storage directory", notADir},
		{"empty", dir, args("path", sdk.String("")), "empty storage path", "leave it out"},
		{"relative without a state directory", "", sdk.Map(nil), "relative storage path without a state directory", "use an absolute path"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := configure(t, newStore(10*time.Millisecond), tc.stateDir, tc.values)
			var ce *sdk.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("got %v, want a *sdk.ConfigError", err)
			}
			if len(ce.Path) != 1 || ce.Path[0] != "path" || ce.Summary != tc.summary || !strings.Contains(ce.Detail, tc.detail) {
				t.Fatalf("got %#v; want path [path], summary %q, detail mentioning %q", ce, tc.summary, tc.detail)
			}
		})
	}
}

func TestReconfigureKeepsOrSwitchesDatabase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := newStore(10 * time.Millisecond)
	if err := configure(t, s, dir, sdk.Map(nil)); err != nil {
		t.Fatal(err)
	}
	db := s.db
	// The same file again must not try to lock it a second time.
	if err := configure(t, s, dir, sdk.Map(nil)); err != nil || s.db != db {
		t.Fatalf("reconfigure with the same path: %v (db replaced: %v)", err, s.db != db)
	}
	if err := configure(t, s, dir, args("path", sdk.String("other.db"))); err != nil {
		t.Fatal(err)
	}
	// The first file was closed, so another holder can lock it now.
	other, err := bbolt.Open(filepath.Join(dir, DefaultPath), 0o600, &bbolt.Options{Timeout: 10 * time.Millisecond})
	if err != nil {
		t.Fatalf("first database still locked after switching: %v", err)
	}
	other.Close()
}

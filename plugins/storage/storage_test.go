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
	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/sdk/sdktest"
)

func args(kv ...any) sdk.Value {
	m := map[string]sdk.Value{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1].(sdk.Value)
	}
	return sdk.Map(m)
}

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
	sdktest.Conformance(t, newPlugin(t),
		sdktest.WithSample("storage.store", args("key", sdk.String("k"), "value", b("v"))),
		sdktest.WithSample("storage.retrieve", args("key", sdk.String("k"))),
		sdktest.WithSample("storage.remove", args("key", sdk.String("k"))),
		sdktest.WithSample("storage.exists", args("key", sdk.String("k"))),
	)
}

// step is one call of a scripted session and what it must return.
type step struct {
	op      sdk.OpID
	args    sdk.Value
	want    sdk.Value
	code    sdk.Code // expected error code, if any
	message string   // a fragment of the expected error message
}

func run(t *testing.T, h *sdktest.Harness, steps []step) {
	t.Helper()
	for i, st := range steps {
		got, err := h.Invoke(context.Background(), st.op, st.args)
		if st.code != "" {
			var e *effects.Error
			if !errors.As(err, &e) || e.Code != st.code || !strings.Contains(e.Message, st.message) {
				t.Fatalf("step %d %s(%v): got %v, %v; want %s error mentioning %q", i, st.op, st.args, got, err, st.code, st.message)
			}
			continue
		}
		if err != nil {
			t.Fatalf("step %d %s(%v): %v", i, st.op, st.args, err)
		}
		if !got.Equal(st.want) {
			t.Fatalf("step %d %s(%v) = %v, want %v", i, st.op, st.args, got, st.want)
		}
	}
}

func key(k string) sdk.Value { return args("key", sdk.String(k)) }

func strs(ss ...string) sdk.Value {
	out := make([]sdk.Value, len(ss))
	for i, s := range ss {
		out[i] = sdk.String(s)
	}
	return sdk.List(out...)
}

func TestOperations(t *testing.T) {
	long := strings.Repeat("k", bbolt.MaxKeySize+1)
	cases := []struct {
		name  string
		steps []step
	}{
		{"store then retrieve", []step{
			{op: "storage.store", args: args("key", sdk.String("a"), "value", b("1")), want: sdk.Null()},
			{op: "storage.retrieve", args: key("a"), want: b("1")},
			{op: "storage.store", args: args("key", sdk.String("a"), "value", b("2")), want: sdk.Null()},
			{op: "storage.retrieve", args: key("a"), want: b("2")},
		}},
		{"absent key", []step{
			{op: "storage.retrieve", args: key("nope"), code: sdk.CodeNotFound, message: `no value stored under key "nope"`},
			{op: "storage.exists", args: key("nope"), want: sdk.Bool(false)},
			{op: "storage.remove", args: key("nope"), want: sdk.Bool(false)},
		}},
		{"empty value is a value", []step{
			{op: "storage.store", args: args("key", sdk.String("e"), "value", sdk.Bytes(nil)), want: sdk.Null()},
			{op: "storage.exists", args: key("e"), want: sdk.Bool(true)},
			{op: "storage.retrieve", args: key("e"), want: sdk.Bytes(nil)},
		}},
		{"remove", []step{
			{op: "storage.store", args: args("key", sdk.String("r"), "value", b("x")), want: sdk.Null()},
			{op: "storage.remove", args: key("r"), want: sdk.Bool(true)},
			{op: "storage.exists", args: key("r"), want: sdk.Bool(false)},
			{op: "storage.retrieve", args: key("r"), code: sdk.CodeNotFound, message: "r"},
			{op: "storage.remove", args: key("r"), want: sdk.Bool(false)},
		}},
		{"list keys by prefix, in byte order", []step{
			{op: "storage.store_batch", args: args("entries", sdk.Map(map[string]sdk.Value{
				"user/b": b("2"), "user/a": b("1"), "users": b("3"), "use": b("4"), "other": b("5"), "user/Z": b("6"),
			})), want: sdk.Null()},
			{op: "storage.list_keys", args: args("prefix", sdk.String("user/")), want: strs("user/Z", "user/a", "user/b")},
			{op: "storage.list_keys", args: args("prefix", sdk.String("use")), want: strs("use", "user/Z", "user/a", "user/b", "users")},
			{op: "storage.list_keys", args: sdk.Null(), want: strs("other", "use", "user/Z", "user/a", "user/b", "users")},
			{op: "storage.list_keys", args: args("prefix", sdk.String("zz")), want: strs()},
		}},
		{"batches", []step{
			{op: "storage.store_batch", args: args("entries", sdk.Map(map[string]sdk.Value{"x": b("1"), "y": b("2")})), want: sdk.Null()},
			{op: "storage.retrieve_batch", args: args("keys", strs("x", "missing", "y")),
				want: sdk.Map(map[string]sdk.Value{"x": b("1"), "y": b("2")})},
			{op: "storage.retrieve_batch", args: args("keys", strs()), want: sdk.Map(nil)},
			{op: "storage.store_batch", args: args("entries", sdk.Map(map[string]sdk.Value{"x": b("3"), "z": sdk.String("not bytes")})),
				code: sdk.CodeInvalidArgs, message: `entries: the value of "z" must be bytes, got string`},
			{op: "storage.retrieve", args: key("x"), want: b("1")}, // the failed batch stored nothing
			{op: "storage.retrieve_batch", args: args("keys", sdk.List(sdk.String("x"), sdk.Int(1))),
				code: sdk.CodeInvalidArgs, message: "keys: item 1 must be a string, got int"},
			{op: "storage.store_batch", args: args("entries", sdk.Map(map[string]sdk.Value{"": b("1")})),
				code: sdk.CodeInvalidArgs, message: "entries: keys must not be empty"},
		}},
		{"bad keys", []step{
			{op: "storage.store", args: args("key", sdk.String(""), "value", b("1")), code: sdk.CodeInvalidArgs, message: "key: keys must not be empty"},
			{op: "storage.store", args: args("key", sdk.String(long), "value", b("1")), code: sdk.CodeInvalidArgs, message: "more than the 32768 allowed"},
			{op: "storage.exists", args: key(""), code: sdk.CodeInvalidArgs, message: "must not be empty"},
			{op: "storage.retrieve_batch", args: args("keys", strs("a", "")), code: sdk.CodeInvalidArgs, message: "keys: keys must not be empty"},
		}},
		{"stats and clear_all", []step{
			{op: "storage.store_batch", args: args("entries", sdk.Map(map[string]sdk.Value{"ab": b("123"), "c": b("")})), want: sdk.Null()},
			{op: "storage.clear_all", args: sdk.Null(), want: sdk.Int(2)},
			{op: "storage.list_keys", args: sdk.Null(), want: strs()},
			{op: "storage.exists", args: key("ab"), want: sdk.Bool(false)},
			{op: "storage.clear_all", args: sdk.Null(), want: sdk.Int(0)},
			{op: "storage.store", args: args("key", sdk.String("after"), "value", b("ok")), want: sdk.Null()},
			{op: "storage.retrieve", args: key("after"), want: b("ok")},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			run(t, sdktest.New(t, newPlugin(t)), tc.steps)
		})
	}
}

func TestStats(t *testing.T) {
	path := dbPath(t)
	h := sdktest.New(t, newPlugin(t), withPath(path))
	run(t, h, []step{{op: "storage.store_batch", args: args("entries", sdk.Map(map[string]sdk.Value{"ab": b("123"), "c": b("")})), want: sdk.Null()}})
	got, err := h.Invoke(context.Background(), "storage.stats", sdk.Null())
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
	path := dbPath(t)
	first := newStore(lockTimeout)
	h := sdktest.New(t, first.plugin(), withPath(path))
	run(t, h, []step{
		{op: "storage.store", args: args("key", sdk.String("kept"), "value", b("across restarts")), want: sdk.Null()},
		{op: "storage.store_batch", args: args("entries", sdk.Map(map[string]sdk.Value{"b1": b("1"), "b2": b("2")})), want: sdk.Null()},
	})
	// What a process exit does to the file lock.
	if err := first.close(); err != nil {
		t.Fatal(err)
	}
	run(t, sdktest.New(t, newPlugin(t), withPath(path)), []step{
		{op: "storage.retrieve", args: key("kept"), want: b("across restarts")},
		{op: "storage.list_keys", args: sdk.Null(), want: strs("b1", "b2", "kept")},
	})
}

func TestConcurrentWriters(t *testing.T) {
	h := sdktest.New(t, newPlugin(t))
	const n = 32
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			k := fmt.Sprintf("k%02d", i)
			if _, err := h.Invoke(context.Background(), "storage.store", args("key", sdk.String(k), "value", b(k))); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	got, err := h.Invoke(context.Background(), "storage.list_keys", sdk.Null())
	if err != nil || got.Len() != n {
		t.Fatalf("list_keys = %v, %v; want %d keys", got, err, n)
	}
}

func TestCancelledCallDoesNotWrite(t *testing.T) {
	h := sdktest.New(t, newPlugin(t))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.Invoke(ctx, "storage.store", args("key", sdk.String("k"), "value", b("v"))); !errors.Is(err, effects.ErrCancelled) {
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

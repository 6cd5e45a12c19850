package boltfile

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/aurahost/aura-host/sdk"
)

func TestResolvePath(t *testing.T) {
	t.Parallel()
	cfg := func(path sdk.Value, dir string) *sdk.Configuration {
		m := map[string]sdk.Value{}
		if !path.IsNull() {
			m["path"] = path
		}
		return &sdk.Configuration{Values: sdk.Map(m), StateDir: dir}
	}
	for name, tc := range map[string]struct {
		c       *sdk.Configuration
		want    string
		summary string
	}{
		"default":            {c: cfg(sdk.Null(), "/state"), want: "/state/x.db"},
		"relative":           {c: cfg(sdk.String("a/b.db"), "/state"), want: "/state/a/b.db"},
		"absolute":           {c: cfg(sdk.String("/abs/./c.db"), ""), want: "/abs/c.db"},
		"empty":              {c: cfg(sdk.String(""), "/state"), summary: "empty thing path"},
		"relative, no state": {c: cfg(sdk.String("b.db"), ""), summary: "relative thing path without a state directory"},
	} {
		got, err := ResolvePath(tc.c, "thing", "x.db")
		var ce *sdk.ConfigError
		switch {
		case tc.summary == "" && (err != nil || got != tc.want):
			t.Errorf("%s: got %q, %v; want %q", name, got, err, tc.want)
		case tc.summary != "" && (!errors.As(err, &ce) || ce.Summary != tc.summary || ce.Path[0] != "path"):
			t.Errorf("%s: got %v, want a config error %q on path", name, err, tc.summary)
		}
	}
}

// A database another process holds is refused after the timeout with an
// error that says what to do; setup runs on a database opened for use.
func TestOpen(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sub", "db")
	ran := false
	db, err := Open(path, "thing", &bbolt.Options{Timeout: time.Second}, func(*bbolt.Tx) error { ran = true; return nil })
	if err != nil || !ran {
		t.Fatalf("open: %v (setup ran: %v)", err, ran)
	}
	defer db.Close()
	_, err = Open(path, "thing", &bbolt.Options{Timeout: 50 * time.Millisecond}, func(*bbolt.Tx) error { return nil })
	var ce *sdk.ConfigError
	if !errors.As(err, &ce) || ce.Summary != "thing database is locked" || !strings.Contains(ce.Detail, "choose another path") {
		t.Fatalf("locked database: got %v", err)
	}
}

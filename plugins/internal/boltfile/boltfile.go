// Package boltfile opens the bbolt database a plugin keeps in its state
// directory, as the storage and journal plugins do: the `path` config
// attribute resolved against the state directory, the directory created,
// another process's lock waited for at most a timeout, and a setup
// transaction run — every failure a config error on `path` that says what
// to do.
package boltfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/aurahost/aura-host/sdk"
)

// PathField declares the path attribute ResolvePath reads, defaulting to
// defaultPath.
func PathField(defaultPath string) sdk.ConfigField {
	return sdk.ConfigField{
		Name:    "path",
		Kind:    sdk.KindString,
		Default: sdk.String(defaultPath),
		Doc: "The bbolt database file. A relative path is relative to the plugin's state directory " +
			"(which the host derives from the deployment's state_dir); missing directories are created. " +
			"Default " + defaultPath + ".",
	}
}

// ResolvePath reads the path attribute (defaultPath when absent) and makes
// it absolute against the plugin's state directory. what names the
// database in errors ("storage", "journal").
func ResolvePath(c *sdk.Configuration, what, defaultPath string) (string, error) {
	path := defaultPath
	if v, ok := c.Values.Get("path"); ok && !v.IsNull() {
		path, _ = v.AsString()
	}
	if path == "" {
		return "", &sdk.ConfigError{Path: []string{"path"}, Summary: "empty " + what + " path",
			Detail: "path names the database file; leave it out to use " + defaultPath + " in the plugin's state directory."}
	}
	if !filepath.IsAbs(path) {
		if c.StateDir == "" {
			return "", &sdk.ConfigError{Path: []string{"path"}, Summary: "relative " + what + " path without a state directory",
				Detail: fmt.Sprintf("path %q is relative, but the host gave this plugin no state directory to resolve it against; use an absolute path.", path)}
		}
		path = filepath.Join(c.StateDir, path)
	}
	return filepath.Clean(path), nil
}

// Open opens (creating if need be) the database at path with opts, whose
// Timeout bounds the wait for another process's lock, then runs setup in
// an update transaction (creating buckets, migrating a layout).
func Open(path, what string, opts *bbolt.Options, setup func(*bbolt.Tx) error) (*bbolt.DB, error) {
	fail := func(summary, detail string, args ...any) error {
		return &sdk.ConfigError{Path: []string{"path"}, Summary: summary, Detail: fmt.Sprintf(detail, args...)}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fail("cannot create the "+what+" directory", "creating the directory of %s: %v", path, err)
	}
	db, err := bbolt.Open(path, 0o600, opts)
	switch {
	case errors.Is(err, bolterrors.ErrTimeout):
		return nil, fail(what+" database is locked",
			"%s is locked by another process (is another deployment or %s plugin using the same file?); gave up after %v. Stop the other process or choose another path.",
			path, what, opts.Timeout.Round(time.Millisecond))
	case err != nil:
		return nil, fail("cannot open the "+what+" database", "opening %s: %v", path, err)
	}
	if err := db.Update(setup); err != nil {
		db.Close()
		return nil, fail("cannot initialise the "+what+" database", "%s: %v", path, err)
	}
	return db, nil
}

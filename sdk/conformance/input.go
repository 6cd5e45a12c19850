package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/aurahost/aura-host/effects"
)

// ParseAttributes reads a JSON object whose members are attributes (or
// arguments) in the JSON value form of PROTOCOL.md §4.2 — strings as they
// are, `{"int":"5"}`, `{"bytes":"cafe"}`, `{"list":[…]}` — and returns them
// as a map Value: the form of --config files and --sample arguments.
func ParseAttributes(data []byte) (effects.Value, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return effects.Value{}, fmt.Errorf("want a JSON object of attributes in the JSON value form ({\"path\": \"x\", \"n\": {\"int\": \"5\"}}): %w", err)
	}
	m := make(map[string]effects.Value, len(raw))
	for k, v := range raw {
		var val effects.Value
		if err := json.Unmarshal(v, &val); err != nil {
			return effects.Value{}, fmt.Errorf("attribute %q: %w (write ints as {\"int\":\"5\"}, bytes as {\"bytes\":\"hex\"})", k, err)
		}
		m[k] = val
	}
	return effects.Map(m), nil
}

// ParseCall reads OP or OP=JSON, JSON being the call's arguments as
// ParseAttributes reads them (none: no arguments).
func ParseCall(s string) (*effects.Call, error) {
	name, args, hasArgs := strings.Cut(s, "=")
	op, err := effects.ParseOpID(name)
	if err != nil {
		return nil, fmt.Errorf("%q: want OP or OP=JSON: %w", s, err)
	}
	c := &effects.Call{Op: op, Args: effects.Map(nil)}
	if hasArgs {
		if c.Args, err = ParseAttributes([]byte(args)); err != nil {
			return nil, fmt.Errorf("arguments of %s: %w", op, err)
		}
	}
	return c, nil
}

// NoHost is a host callback service that has nothing behind it: every
// call is unavailable. It lets a plugin that dials the host in Configure
// be configured outside a deployment; an unavailable answer after such a
// callback is then skipped, not failed (the plugin could not do better).
var NoHost effects.Handler = noHost{}

type noHost struct{}

func (noHost) Invoke(_ context.Context, c *effects.Call) (effects.Value, error) {
	return effects.Value{}, &effects.Error{Code: effects.CodeUnavailable, Op: c.Op,
		Message: "no host behind this conformance run: host callbacks are unavailable"}
}

// AddSample reads OP=JSON (as ParseCall does) into the config's samples.
func (c *Config) AddSample(s string) error {
	call, err := ParseCall(s)
	if err != nil {
		return err
	}
	if c.Samples == nil {
		c.Samples = map[effects.OpID]effects.Value{}
	}
	c.Samples[call.Op] = call.Args
	return nil
}

// ReadConfigFile reads the plugin's config block from a JSON file of at
// most max bytes (see ParseAttributes).
func (c *Config) ReadConfigFile(path string, max int64) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return err
	}
	if int64(len(data)) > max {
		return fmt.Errorf("%s is larger than %d bytes", path, max)
	}
	if c.Config, err = ParseAttributes(data); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

package console

import (
	"context"
	"sync"

	"github.com/hashicorp/go-hclog"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
)

// Name is the plugin's name, and the family of its operations.
const Name = "console"

// Version is the plugin's semantic version.
const Version = "0.1.0"

// New returns the console plugin, ready to Serve.
func New() *sdk.Plugin {
	c := &console{logger: hclog.NewNullLogger()}
	return &sdk.Plugin{Name: Name, Version: Version, Configure: c.configure, Operations: c.operations()}
}

type console struct {
	mu     sync.RWMutex
	logger hclog.Logger
}

func (c *console) configure(_ context.Context, cfg *sdk.Configuration) error {
	if cfg.Logger == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.logger = cfg.Logger
	return nil
}

func (c *console) operations() []sdk.Operation {
	levels := []struct {
		op    sdk.OpID
		level hclog.Level
		use   string
	}{
		{effects.ConsoleLogDebug, hclog.Debug, "detail useful when diagnosing a problem"},
		{effects.ConsoleLogInfo, hclog.Info, "normal progress worth recording"},
		{effects.ConsoleLogWarn, hclog.Warn, "something unexpected that the caller recovered from"},
		{effects.ConsoleLogError, hclog.Error, "a failure an operator should look at"},
	}
	ops := make([]sdk.Operation, len(levels))
	for i, l := range levels {
		ops[i] = sdk.Operation{
			Spec: sdk.OpSpec{
				ID: l.op,
				Doc: "Writes message to the host's log at " + l.level.String() + " level (" + l.use + "), " +
					"with fields as structured key/value pairs, and the call's session when it has one. Returns null.",
				Params: []sdk.Param{
					{Name: "message", Kind: sdk.KindString, Doc: "the log line"},
					{Name: "fields", Kind: sdk.KindMap, Optional: true,
						Doc: "structured context, name to value; bytes are shown as 0x-prefixed hex, lists and maps in Aura's value notation"},
				},
				Result:      sdk.KindNull,
				Determinism: sdk.WritesWorld,
			},
			Handle: c.logAt(l.level),
		}
	}
	return ops
}

func (c *console) logAt(level hclog.Level) func(context.Context, *sdk.Call) (sdk.Value, error) {
	return func(_ context.Context, call *sdk.Call) (sdk.Value, error) {
		message, _ := call.Arg("message").AsString()
		fields := call.Arg("fields").Fields()
		kv := make([]any, 0, 2*len(fields)+2)
		for _, f := range fields {
			kv = append(kv, f.Key, native(f.Value))
		}
		if !call.Session.IsZero() {
			kv = append(kv, "session", call.Session.String())
		}
		c.mu.RLock()
		logger := c.logger
		c.mu.RUnlock()
		logger.Log(level, message, kv...)
		return sdk.Null(), nil
	}
}

// native turns a Value into what a log line shows best: scalars as
// themselves, everything else in Value's stable text form.
func native(v sdk.Value) any {
	switch v.Kind() {
	case sdk.KindNull:
		return nil
	case sdk.KindBool:
		b, _ := v.AsBool()
		return b
	case sdk.KindInt:
		i, _ := v.AsInt()
		return i
	case sdk.KindUint:
		u, _ := v.AsUint()
		return u
	case sdk.KindString:
		s, _ := v.AsString()
		return s
	}
	return v.String()
}

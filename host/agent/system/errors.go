package system

import (
	"fmt"
	"strings"

	"github.com/aurahost/aura-host/effects"
)

// ConfigKeyError is a key system.set_config cannot set: no setting has
// that path, or it is read-only.
type ConfigKeyError struct {
	Key      string
	ReadOnly bool     // a setting, but not one that changes at run time
	Settable []string // the keys that are settable, sorted
}

func (e *ConfigKeyError) Error() string {
	why := "is not a setting of this agent"
	if e.ReadOnly {
		why = "is read-only: it is fixed when the agent starts (change the deployment file and restart)"
	}
	keys := "none"
	if len(e.Settable) > 0 {
		keys = strings.Join(e.Settable, ", ")
	}
	return fmt.Sprintf("key %q %s; the settable keys are %s", e.Key, why, keys)
}

// ConfigValueError is a value system.set_config refused: the key, the
// value given and what the key's schema expects.
type ConfigValueError struct {
	Key      string
	Value    effects.Value
	Expected string
}

func (e *ConfigValueError) Error() string {
	return fmt.Sprintf("%s = %s: expected %s", e.Key, e.Value, e.Expected)
}

// valueError is a refused value as set_config answers it: invalid_args,
// wrapping the *ConfigValueError.
func valueError(op effects.OpID, key string, v effects.Value, expected string) error {
	e := &ConfigValueError{Key: key, Value: v, Expected: expected}
	return &effects.Error{Code: effects.CodeInvalidArgs, Op: op, Message: e.Error(), Err: e}
}

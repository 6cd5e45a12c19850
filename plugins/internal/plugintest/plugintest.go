package plugintest

import (
	"context"
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/sdk/sdktest"
)

// Args builds an argument map from name, value pairs.
func Args(kv ...any) sdk.Value {
	m := map[string]sdk.Value{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1].(sdk.Value)
	}
	return sdk.Map(m)
}

// Strs returns a list Value of strings.
func Strs(ss ...string) sdk.Value {
	items := make([]sdk.Value, len(ss))
	for i, s := range ss {
		items[i] = sdk.String(s)
	}
	return sdk.List(items...)
}

// Must invokes op and fails the test on an error.
func Must(t testing.TB, hs *sdktest.Harness, op sdk.OpID, args sdk.Value) sdk.Value {
	t.Helper()
	v, err := hs.Invoke(context.Background(), op, args)
	if err != nil {
		t.Fatalf("%s(%v): %v", op, args, err)
	}
	return v
}

// Fails invokes op and fails the test unless it returns an error of code
// whose message contains fragment.
func Fails(t testing.TB, hs *sdktest.Harness, op sdk.OpID, args sdk.Value, code sdk.Code, fragment string) {
	t.Helper()
	v, err := hs.Invoke(context.Background(), op, args)
	if err := Check(err, code, fragment); err != nil {
		t.Fatalf("%s(%v) = %v: %v", op, args, v, err)
	}
}

// Check returns nil if err is an effect error of code whose message
// contains fragment, and a description of the mismatch otherwise.
func Check(err error, code sdk.Code, fragment string) error {
	var e *effects.Error
	if !errors.As(err, &e) || e.Code != code || !strings.Contains(e.Message, fragment) {
		return errors.New("got error " + describe(err) + ", want " + string(code) + " mentioning " + `"` + fragment + `"`)
	}
	return nil
}

func describe(err error) string {
	if err == nil {
		return "none"
	}
	return err.Error()
}

// Field returns field name of a map Value, failing the test if absent.
func Field(t testing.TB, v sdk.Value, name string) sdk.Value {
	t.Helper()
	f, ok := v.Get(name)
	if !ok {
		t.Fatalf("%v has no field %q", v, name)
	}
	return f
}

// Str returns string field name of a map Value.
func Str(t testing.TB, v sdk.Value, name string) string {
	t.Helper()
	s, ok := Field(t, v, name).AsString()
	if !ok {
		t.Fatalf("field %q of %v is not a string", name, v)
	}
	return s
}

// Int returns integer field name of a map Value.
func Int(t testing.TB, v sdk.Value, name string) int64 {
	t.Helper()
	i, ok := Field(t, v, name).AsInt()
	if !ok {
		t.Fatalf("field %q of %v is not an integer", name, v)
	}
	return i
}

// Step is one call of a scripted session: the operation and its arguments,
// and the value it must return — or, when Code is set, the code of the
// error it must fail with, whose message contains Message.
type Step struct {
	Op      sdk.OpID
	Args    sdk.Value
	Want    sdk.Value
	Code    sdk.Code
	Message string
}

// Run makes the calls of steps in order, and fails the test at the first
// that does not answer as its step says.
func Run(t testing.TB, hs *sdktest.Harness, steps []Step) {
	t.Helper()
	for i, st := range steps {
		got, err := hs.Invoke(context.Background(), st.Op, st.Args)
		if st.Code != "" {
			if err := Check(err, st.Code, st.Message); err != nil {
				t.Fatalf("step %d %s(%v) = %v: %v", i, st.Op, st.Args, got, err)
			}
			continue
		}
		if err != nil || !got.Equal(st.Want) {
			t.Fatalf("step %d %s(%v) = %v, %v; want %v", i, st.Op, st.Args, got, err, st.Want)
		}
	}
}

// WaitCtx bounds a wait on a condition: reaching its deadline fails the
// test rather than hanging it; it is never what makes the test pass.
func WaitCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// Device answers device.sign as an agent's host does, with key, for a
// plugin under test that asks its host for device signatures (serve it
// with sdktest.WithHost). Every other operation is unknown_op.
func Device(key ed25519.PrivateKey) effects.Handler {
	return effects.HandlerFunc(func(_ context.Context, c *effects.Call) (effects.Value, error) {
		if c.Op != effects.DeviceSign {
			return effects.Value{}, &effects.Error{Code: effects.CodeUnknownOp, Op: c.Op}
		}
		msg, _ := c.Arg("message").AsBytes()
		purpose, _ := c.Arg("purpose").AsString()
		return effects.Bytes(ed25519.Sign(key, effects.DeviceSigningMessage(purpose, msg))), nil
	})
}

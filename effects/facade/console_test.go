package facade_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/effects/facade"
)

func consoleCases() []methodCase {
	field := effects.Field{Key: "peer", Value: str("bob")}
	withFields := args("message", str("hello"), "fields", obj(map[string]effects.Value{"peer": str("bob"), "n": i64(2)}))
	return []methodCase{
		{
			name: "Console.Debug",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return nil, fx.Console.Debug(ctx, "hello", field, effects.Field{Key: "n", Value: i64(2)})
			},
			op: effects.ConsoleLogDebug, args: withFields, reply: effects.Null(), want: nil,
		},
		{
			name: "Console.Info",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return nil, fx.Console.Info(ctx, "hello") },
			op:   effects.ConsoleLogInfo, args: args("message", str("hello")), reply: effects.Null(), want: nil,
		},
		{
			name: "Console.Warn",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return nil, fx.Console.Warn(ctx, "hello", field)
			},
			op: effects.ConsoleLogWarn, args: args("message", str("hello"), "fields", obj(map[string]effects.Value{"peer": str("bob")})),
			reply: effects.Null(), want: nil,
		},
		{
			name: "Console.Error",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return nil, fx.Console.Error(ctx, "", field)
			},
			op: effects.ConsoleLogError, args: args("message", str(""), "fields", obj(map[string]effects.Value{"peer": str("bob")})),
			reply: effects.Null(), want: nil,
		},
	}
}

// TestConsoleRefusesAFieldGivenTwice checks that a duplicate field name is
// the caller's error, found before any call.
func TestConsoleRefusesAFieldGivenTwice(t *testing.T) {
	f := newFake(t)
	err := f.clients().Console.Info(t.Context(), "x", effects.Field{Key: "a", Value: i64(1)}, effects.Field{Key: "a", Value: i64(2)})
	var e *effects.Error
	if !errors.As(err, &e) || e.Code != effects.CodeInvalidArgs || e.Op != effects.ConsoleLogInfo {
		t.Errorf("error %v, want invalid_args of console.log_info", err)
	}
	if calls := f.take(); len(calls) != 0 {
		t.Errorf("made %d calls, want none", len(calls))
	}
}

package facade

import (
	"context"

	"github.com/aurahost/aura-host/effects"
)

// Console is the client of the console family: log lines with structured
// fields, written to the host's log (with the call's session, when it has
// one).
type Console struct{ c caller }

var (
	opLogDebug = declare("Console.Debug", effects.ConsoleLogDebug, effects.KindNull, arg("message", effects.KindString), opt("fields", effects.KindMap))
	opLogInfo  = declare("Console.Info", effects.ConsoleLogInfo, effects.KindNull, arg("message", effects.KindString), opt("fields", effects.KindMap))
	opLogWarn  = declare("Console.Warn", effects.ConsoleLogWarn, effects.KindNull, arg("message", effects.KindString), opt("fields", effects.KindMap))
	opLogError = declare("Console.Error", effects.ConsoleLogError, effects.KindNull, arg("message", effects.KindString), opt("fields", effects.KindMap))
)

// Debug logs detail useful when diagnosing a problem.
func (x *Console) Debug(ctx context.Context, message string, fields ...effects.Field) error {
	return x.log(ctx, opLogDebug, message, fields)
}

// Info logs normal progress worth recording.
func (x *Console) Info(ctx context.Context, message string, fields ...effects.Field) error {
	return x.log(ctx, opLogInfo, message, fields)
}

// Warn logs something unexpected that the caller recovered from.
func (x *Console) Warn(ctx context.Context, message string, fields ...effects.Field) error {
	return x.log(ctx, opLogWarn, message, fields)
}

// Error logs a failure an operator should look at.
func (x *Console) Error(ctx context.Context, message string, fields ...effects.Field) error {
	return x.log(ctx, opLogError, message, fields)
}

// log writes one line. A field name given twice is an invalid_args error,
// and nothing is logged.
func (x *Console) log(ctx context.Context, op *operation, message string, fields []effects.Field) error {
	args := map[string]effects.Value{"message": effects.String(message)}
	if len(fields) > 0 {
		m, err := effects.MapOf(fields...)
		if err != nil {
			return argError(op.id, "fields: %v", err)
		}
		args["fields"] = m
	}
	v, err := x.c.invoke(ctx, op, args)
	if err != nil {
		return err
	}
	return decodeNull(op, v)
}

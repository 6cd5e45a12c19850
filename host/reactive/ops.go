package reactive

import (
	"context"

	"github.com/aurahost/aura-host/effects"
)

// Invoke serves the reactive family (effects.ReactiveOps). Every caller
// acts for the agent that hosts the pipeline (the Router scopes the call);
// the family is not reachable from a peer.
func (p *Pipeline) Invoke(ctx context.Context, call *effects.Call) (effects.Value, error) {
	if err := ctx.Err(); err != nil {
		return effects.Value{}, effects.AsError(err)
	}
	switch call.Op {
	case effects.ReactiveRegister:
		d, err := ParseDefinition(call.Arg("definition"))
		if err != nil {
			return effects.Value{}, err
		}
		replace, _ := call.Arg("replace").AsBool()
		return p.Register(ctx, d, replace)
	case effects.ReactiveRead:
		name, ok := call.Arg("signal").AsString()
		if !ok {
			return effects.Value{}, invalid(call.Op, "signal must be a signal's name (string)")
		}
		return p.Read(ctx, name)
	case effects.ReactiveEmit:
		name, ok := call.Arg("signal").AsString()
		if !ok {
			return effects.Value{}, invalid(call.Op, "signal must be a signal's name (string)")
		}
		return effects.Null(), p.Emit(name, call.Arg("value"))
	case effects.ReactiveList:
		infos := p.List()
		out := make([]effects.Value, len(infos))
		for i, s := range infos {
			out[i] = effects.Map(map[string]effects.Value{
				"name":        effects.String(s.Definition.Name),
				"kind":        effects.String(string(s.Definition.Kind)),
				"definition":  s.Definition.Value(),
				"subscribers": effects.Int(int64(s.Subscribers)),
			})
		}
		return effects.List(out...), nil
	}
	return effects.Value{}, &effects.Error{Code: effects.CodeUnknownOp, Op: call.Op}
}

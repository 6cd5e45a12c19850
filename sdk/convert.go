package sdk

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aurahost/aura-host/effects"
	pb "github.com/aurahost/aura-host/sdk/internal/proto/aura/plugin/v1"
	"github.com/aurahost/aura-host/sdk/internal/wire"
)

// This file is the one place where effects types and generated protobuf
// types meet. Everything that decodes wire input validates it: a plugin or
// host that sends garbage gets an error, never a panic or a silently
// different value.

func valueToProto(v effects.Value) *pb.Value {
	switch v.Kind() {
	case effects.KindNull:
		return &pb.Value{Kind: &pb.Value_Null{}}
	case effects.KindBool:
		b, _ := v.AsBool()
		return &pb.Value{Kind: &pb.Value_Bool{Bool: b}}
	case effects.KindInt:
		i, _ := v.AsInt()
		return &pb.Value{Kind: &pb.Value_Int{Int: i}}
	case effects.KindUint:
		u, _ := v.AsUint()
		return &pb.Value{Kind: &pb.Value_Uint{Uint: u}}
	case effects.KindString:
		s, _ := v.AsString()
		return &pb.Value{Kind: &pb.Value_String_{String_: s}}
	case effects.KindBytes:
		return &pb.Value{Kind: &pb.Value_Bytes{Bytes: []byte(v.BytesString())}}
	case effects.KindList:
		items := v.Items()
		out := make([]*pb.Value, len(items))
		for i, it := range items {
			out[i] = valueToProto(it)
		}
		return &pb.Value{Kind: &pb.Value_List{List: &pb.ValueList{Items: out}}}
	case effects.KindMap:
		return &pb.Value{Kind: &pb.Value_Map{Map: mapToProto(v)}}
	}
	panic(fmt.Sprintf("sdk: value of unknown kind %v", v.Kind()))
}

// mapToProto converts a map Value (or null, as an empty map).
func mapToProto(v effects.Value) *pb.ValueMap {
	fields := v.Fields()
	out := &pb.ValueMap{Entries: make([]*pb.MapEntry, len(fields))}
	for i, f := range fields {
		out.Entries[i] = &pb.MapEntry{Key: f.Key, Value: valueToProto(f.Value)}
	}
	return out
}

func valueFromProto(p *pb.Value, depth int) (effects.Value, error) {
	if depth > effects.MaxDepth {
		return effects.Value{}, fmt.Errorf("value nested deeper than %d", effects.MaxDepth)
	}
	if p == nil {
		return effects.Null(), nil
	}
	switch k := p.Kind.(type) {
	case nil, *pb.Value_Null:
		return effects.Null(), nil
	case *pb.Value_Bool:
		return effects.Bool(k.Bool), nil
	case *pb.Value_Int:
		return effects.Int(k.Int), nil
	case *pb.Value_Uint:
		return effects.Uint(k.Uint), nil
	case *pb.Value_String_:
		if !utf8.ValidString(k.String_) {
			return effects.Value{}, fmt.Errorf("string is not valid UTF-8")
		}
		return effects.String(k.String_), nil
	case *pb.Value_Bytes:
		return effects.Bytes(k.Bytes), nil
	case *pb.Value_List:
		items := k.List.GetItems()
		out := make([]effects.Value, len(items))
		for i, it := range items {
			v, err := valueFromProto(it, depth+1)
			if err != nil {
				return effects.Value{}, err
			}
			out[i] = v
		}
		return effects.List(out...), nil
	case *pb.Value_Map:
		return mapFromProto(k.Map, depth)
	}
	return effects.Value{}, fmt.Errorf("unknown value kind %T", p.Kind)
}

// mapFromProto converts a wire map, insisting on the contract's sorted,
// unique keys.
func mapFromProto(m *pb.ValueMap, depth int) (effects.Value, error) {
	entries := m.GetEntries()
	fields := make([]effects.Field, len(entries))
	for i, e := range entries {
		if i > 0 && strings.Compare(entries[i-1].Key, e.Key) >= 0 {
			return effects.Value{}, fmt.Errorf("map key %q is out of order or repeated (keys must be sorted and unique)", e.Key)
		}
		v, err := valueFromProto(e.Value, depth+1)
		if err != nil {
			return effects.Value{}, fmt.Errorf("map key %q: %w", e.Key, err)
		}
		fields[i] = effects.Field{Key: e.Key, Value: v}
	}
	return effects.MapOf(fields...)
}

func errorToProto(err error) *pb.Error {
	code, msg, retryable := errorFields(err)
	return &pb.Error{Code: code, Message: msg, Retryable: retryable}
}

// errorFields is what a result carries of err.
func errorFields(err error) (code, msg string, retryable bool) {
	e := effects.AsError(err)
	msg = e.Message
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	return string(e.Code), msg, e.Retryable
}

var knownCodes = map[effects.Code]bool{
	effects.CodeUnknownOp: true, effects.CodeInvalidArgs: true, effects.CodeDenied: true,
	effects.CodeUnavailable: true, effects.CodeTimeout: true, effects.CodeCancelled: true,
	effects.CodeNotFound: true, effects.CodeConflict: true, effects.CodeExhausted: true,
	effects.CodeInvalidConfig: true, effects.CodeInternal: true,
	effects.CodeInvalidSignature: true, effects.CodeUnknownDevice: true,
}

// errorFromWire is the error a result carried; a code outside the
// protocol's set is internal.
func errorFromWire(code, msg string, retryable bool, op effects.OpID, plugin string) *effects.Error {
	c := effects.Code(code)
	if !knownCodes[c] {
		msg = fmt.Sprintf("unknown error code %q: %s", code, msg)
		c = effects.CodeInternal
	}
	return &effects.Error{Code: c, Op: op, Plugin: plugin, Message: msg, Retryable: retryable}
}

func idBytes(id effects.ID) []byte {
	if id == (effects.ID{}) {
		return nil
	}
	return id[:]
}

func callToProto(c *effects.Call, id uint64, timeout time.Duration) *pb.Call {
	return &pb.Call{
		CallId:       id,
		Op:           string(c.Op),
		Args:         mapToProto(c.Args),
		Authority:    idBytes(effects.ID(c.Authority)),
		Context:      idBytes(effects.ID(c.Context)),
		Session:      idBytes(effects.ID(c.Session)),
		TimeoutNanos: int64(timeout),
	}
}

func callFromProto(p *pb.Call) (*effects.Call, error) {
	op, err := effects.ParseOpID(p.GetOp())
	if err != nil {
		return nil, err
	}
	args, err := mapFromProto(p.GetArgs(), 0)
	if err != nil {
		return nil, fmt.Errorf("arguments: %w", err)
	}
	auth, err := wire.IDFromBytes(p.GetAuthority(), "authority")
	if err != nil {
		return nil, err
	}
	ctxID, err := wire.IDFromBytes(p.GetContext(), "context")
	if err != nil {
		return nil, err
	}
	sess, err := wire.IDFromBytes(p.GetSession(), "session")
	if err != nil {
		return nil, err
	}
	return &effects.Call{Op: op, Args: args, Authority: effects.AuthorityID(auth),
		Context: effects.ContextID(ctxID), Session: effects.SessionID(sess)}, nil
}

// wireCallFromProto is a generated call as the data plane's codec decodes
// one: the one form calls take once read, whatever carried them. A call
// sdk cannot convert keeps its operation's name and the reason in Err.
func wireCallFromProto(p *pb.Call) wire.Call {
	c := wire.Call{ID: p.GetCallId(), TimeoutNanos: p.GetTimeoutNanos(), Traceparent: p.GetTraceparent(), Tracestate: p.GetTracestate()}
	call, err := callFromProto(p)
	if err != nil {
		call, c.Err = &effects.Call{Op: effects.OpID(p.GetOp())}, err
	}
	c.Call = call
	return c
}

// appendResult appends a ResultFrame carrying call id's result: v, or err.
func appendResult(b []byte, id uint64, v effects.Value, err error) []byte {
	if err != nil {
		code, msg, retryable := errorFields(err)
		return wire.AppendErrorResult(b, id, code, msg, retryable)
	}
	return wire.AppendValueResult(b, id, v)
}

func resultToProto(id uint64, v effects.Value, err error) *pb.Result {
	if err != nil {
		return &pb.Result{CallId: id, Outcome: &pb.Result_Error{Error: errorToProto(err)}}
	}
	return &pb.Result{CallId: id, Outcome: &pb.Result_Value{Value: valueToProto(v)}}
}

// resultFromProto turns a generated result into a value or a typed error
// (see outcome).
func resultFromProto(r *pb.Result, op effects.OpID, plugin string) (effects.Value, error) {
	w := resultFromPB(r)
	return outcome(&w, op, plugin)
}

// resultFromPB is a generated result as the data plane's codec decodes
// one: the one form results take once read, whatever carried them.
func resultFromPB(r *pb.Result) wire.Result {
	w := wire.Result{ID: r.GetCallId()}
	switch o := r.GetOutcome().(type) {
	case *pb.Result_Error:
		w.Outcome, w.Code, w.Message, w.Retryable = wire.Failed, o.Error.GetCode(), o.Error.GetMessage(), o.Error.GetRetryable()
	case *pb.Result_Value:
		w.Outcome = wire.Returned
		w.Value, w.ValueErr = valueFromProto(o.Value, 0)
	}
	return w
}

// outcome turns a result into a value or a typed error. A malformed value,
// or a result with neither a value nor an error, is a protocol violation,
// reported as internal.
func outcome(r *wire.Result, op effects.OpID, plugin string) (effects.Value, error) {
	switch r.Outcome {
	case wire.Failed:
		return effects.Value{}, errorFromWire(r.Code, r.Message, r.Retryable, op, plugin)
	case wire.Returned:
		if r.ValueErr != nil {
			return effects.Value{}, &effects.Error{Code: effects.CodeInternal, Op: op, Plugin: plugin,
				Message: "plugin returned a malformed value: " + r.ValueErr.Error()}
		}
		return r.Value, nil
	}
	return effects.Value{}, &effects.Error{Code: effects.CodeInternal, Op: op, Plugin: plugin,
		Message: "plugin returned a result with neither a value nor an error"}
}

var determinismToProto = map[effects.Determinism]pb.Determinism{
	effects.Pure:        pb.Determinism_DETERMINISM_PURE,
	effects.ReadsWorld:  pb.Determinism_DETERMINISM_READS_WORLD,
	effects.WritesWorld: pb.Determinism_DETERMINISM_WRITES_WORLD,
}

func determinismFromProto(d pb.Determinism) effects.Determinism {
	for k, v := range determinismToProto {
		if v == d {
			return k
		}
	}
	return effects.Determinism(fmt.Sprintf("unknown(%d)", d))
}

func opSpecToProto(s effects.OpSpec) *pb.Operation {
	params := make([]*pb.Param, len(s.Params))
	for i, p := range s.Params {
		params[i] = &pb.Param{Name: p.Name, Kind: pb.Kind(p.Kind), Optional: p.Optional, Doc: p.Doc}
	}
	return &pb.Operation{Id: string(s.ID), Doc: s.Doc, Params: params, Result: pb.Kind(s.Result),
		Idempotent: s.Idempotent, Determinism: determinismToProto[s.Determinism]}
}

func opSpecFromProto(p *pb.Operation) effects.OpSpec {
	params := make([]effects.Param, len(p.GetParams()))
	for i, pp := range p.GetParams() {
		params[i] = effects.Param{Name: pp.Name, Kind: effects.Kind(pp.Kind), Optional: pp.Optional, Doc: pp.Doc}
	}
	return effects.OpSpec{ID: effects.OpID(p.GetId()), Doc: p.GetDoc(), Params: params,
		Result: effects.Kind(p.GetResult()), Idempotent: p.GetIdempotent(),
		Determinism: determinismFromProto(p.GetDeterminism())}
}

func descriptorToProto(d effects.Descriptor) *pb.DescribeResponse {
	out := &pb.DescribeResponse{Name: d.Name, Version: d.Version, Kind: pb.PluginKind_PLUGIN_KIND_HANDLER}
	if d.Kind == effects.KindService {
		out.Kind = pb.PluginKind_PLUGIN_KIND_SERVICE
	}
	for _, op := range d.Ops {
		out.Operations = append(out.Operations, opSpecToProto(op))
	}
	for _, f := range d.Config {
		pf := &pb.ConfigField{Name: f.Name, Kind: pb.Kind(f.Kind), Required: f.Required, Doc: f.Doc}
		if !f.Default.IsNull() {
			pf.Default = valueToProto(f.Default)
		}
		out.Config = append(out.Config, pf)
	}
	return out
}

// descriptorFromProto converts and validates what a plugin says about
// itself; a malformed description is an error the host reports to the user.
func descriptorFromProto(p *pb.DescribeResponse) (effects.Descriptor, error) {
	d := effects.Descriptor{Name: p.GetName(), Version: p.GetVersion()}
	switch p.GetKind() {
	case pb.PluginKind_PLUGIN_KIND_HANDLER:
		d.Kind = effects.KindHandler
	case pb.PluginKind_PLUGIN_KIND_SERVICE:
		d.Kind = effects.KindService
	default:
		return d, fmt.Errorf("plugin kind %v is neither handler nor service", p.GetKind())
	}
	for _, op := range p.GetOperations() {
		d.Ops = append(d.Ops, opSpecFromProto(op))
	}
	for _, f := range p.GetConfig() {
		def, err := valueFromProto(f.GetDefault(), 0)
		if err != nil {
			return d, fmt.Errorf("config field %q default: %w", f.GetName(), err)
		}
		d.Config = append(d.Config, effects.ConfigField{Name: f.GetName(), Kind: effects.Kind(f.GetKind()),
			Required: f.GetRequired(), Default: def, Doc: f.GetDoc()})
	}
	return d, d.Validate()
}

var modeToProto = map[effects.Mode]pb.Mode{
	effects.Production: pb.Mode_MODE_PRODUCTION,
	effects.Testing:    pb.Mode_MODE_TESTING,
	effects.Simulation: pb.Mode_MODE_SIMULATION,
}

func modeFromProto(m pb.Mode) (effects.Mode, error) {
	for k, v := range modeToProto {
		if v == m {
			return k, nil
		}
	}
	return "", fmt.Errorf("unknown execution mode %v", m)
}

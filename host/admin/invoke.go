package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/aurahost/aura-host/effects"
)

// The admin endpoint also routes calls into the running host, so that
// `aura-host invoke` reaches the deployment that is serving instead of
// starting a second copy of it (whose storage would be locked by the
// first):
//
//	GET  /v1/operations/{op} → the operation's spec (opSpecJSON)
//	POST /v1/invoke          → {op, args (JSON value form), timeout_ms, as} → {value} | {error}
//
// Calls go through the host's router like every other call. A host that
// runs agents (an AgentTarget) routes each call through the router — and
// so the guard chain — of the agent it names in `as` (`aura-host invoke
// --as`), or of its only agent; a plain host refuses a call naming an
// agent, since it has none to act as.
//
// Limits: a request body over Config.MaxRequestBytes (default
// DefaultMaxRequestBytes, 1 MiB) is refused with 413 before it is decoded;
// a negative timeout_ms is refused with 400; a timeout_ms over
// MaxInvokeTimeout (24 hours) is clamped to it, so no value overflows into
// a deadline in the past. timeout_ms = 0 sets no deadline of its own (the
// plugin's call policy still bounds the call).

// MaxInvokeTimeout is the longest deadline POST /v1/invoke sets; a larger
// timeout_ms is clamped to it.
const MaxInvokeTimeout = 24 * time.Hour

// DefaultMaxRequestBytes is the default cap on an admin request's body.
// An `aura-host invoke` carries a few arguments; a value bigger than this
// belongs in a file a plugin reads, not in the admin endpoint's memory.
const DefaultMaxRequestBytes = 1 << 20

type opSpecJSON struct {
	ID          string      `json:"id"`
	Params      []paramJSON `json:"params"`
	Result      string      `json:"result"`
	Idempotent  bool        `json:"idempotent"`
	Determinism string      `json:"determinism"`
}

type paramJSON struct {
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Optional bool   `json:"optional,omitempty"`
}

type invokeRequest struct {
	Op        string        `json:"op"`
	Args      effects.Value `json:"args"`
	TimeoutMs int64         `json:"timeout_ms"`
	As        string        `json:"as,omitempty"`
}

// AgentTarget is a Target that runs a deployment's agents. The endpoint
// hands it every invoke with the agent the caller names ("" when none),
// and it acts as that agent — through the agent's guard chain — or
// refuses.
type AgentTarget interface {
	Target
	// InvokeAs routes one call as the named agent ("": the only one).
	InvokeAs(ctx context.Context, agent string, call *effects.Call) (effects.Value, error)
}

// invoke routes a call to the target, as the named agent if it runs agents.
func (a *Server) invoke(ctx context.Context, as string, call *effects.Call) (effects.Value, error) {
	if t, ok := a.cfg.Target.(AgentTarget); ok {
		return t.InvokeAs(ctx, as, call)
	}
	if as != "" {
		return effects.Value{}, &effects.Error{Code: effects.CodeInvalidArgs, Op: call.Op,
			Message: fmt.Sprintf("this deployment has no agents, so there is no agent %q to act as: drop --as", as)}
	}
	return a.cfg.Target.Invoke(ctx, call)
}

type invokeResponse struct {
	Value *effects.Value `json:"value,omitempty"`
	Error *errorJSON     `json:"error,omitempty"`
}

type errorJSON struct {
	Code      string `json:"code"`
	Op        string `json:"op,omitempty"`
	Plugin    string `json:"plugin,omitempty"`
	Message   string `json:"message"`
	Retryable bool   `json:"retryable,omitempty"`
}

func (a *Server) handleOperation(w http.ResponseWriter, r *http.Request) {
	spec, ok := a.cfg.Target.Operation(effects.OpID(r.PathValue("op")))
	if !ok {
		http.Error(w, fmt.Sprintf("no plugin serves %s", r.PathValue("op")), http.StatusNotFound)
		return
	}
	out := opSpecJSON{ID: string(spec.ID), Result: spec.Result.String(), Idempotent: spec.Idempotent,
		Determinism: string(spec.Determinism)}
	for _, p := range spec.Params {
		out.Params = append(out.Params, paramJSON{Name: p.Name, Kind: p.Kind.String(), Optional: p.Optional})
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

func (a *Server) handleInvoke(w http.ResponseWriter, r *http.Request) {
	var req invokeRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, fmt.Sprintf("request body over %d bytes: the admin endpoint refuses it", tooBig.Limit), http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "malformed request: "+err.Error(), http.StatusBadRequest)
		return
	}
	op, err := effects.ParseOpID(req.Op)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	timeout, err := invokeTimeout(req.TimeoutMs)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ctx := r.Context()
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	var res invokeResponse
	if v, err := a.invoke(ctx, req.As, &effects.Call{Op: op, Args: req.Args}); err != nil {
		e := effects.AsError(err)
		res.Error = &errorJSON{Code: string(e.Code), Op: string(e.Op), Plugin: e.Plugin, Message: e.Message, Retryable: e.Retryable}
		if res.Error.Message == "" && e.Err != nil {
			res.Error.Message = e.Err.Error()
		}
	} else {
		res.Value = &v
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(res)
}

// invokeTimeout turns timeout_ms into a duration without overflow: a
// negative value is an error, anything over MaxInvokeTimeout is clamped.
func invokeTimeout(ms int64) (time.Duration, error) {
	switch {
	case ms < 0:
		return 0, fmt.Errorf("timeout_ms is %d: it must be 0 (no deadline of its own) or a positive number of milliseconds", ms)
	case ms > MaxInvokeTimeout.Milliseconds():
		return MaxInvokeTimeout, nil
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// Operation fetches the spec of an operation the running host serves.
func (c *Client) Operation(ctx context.Context, op effects.OpID) (effects.OpSpec, error) {
	var spec effects.OpSpec
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://aura-host/v1/operations/"+string(op), nil)
	if err != nil {
		return spec, err
	}
	res, err := c.http.Do(req)
	if err != nil {
		return spec, fmt.Errorf("reach the host's admin endpoint: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusNotFound {
		return spec, &effects.Error{Code: effects.CodeUnknownOp, Op: op, Message: "no plugin in the running deployment serves this operation"}
	}
	if res.StatusCode != http.StatusOK {
		return spec, fmt.Errorf("admin endpoint answered %s", res.Status)
	}
	var out opSpecJSON
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		return spec, err
	}
	spec = effects.OpSpec{ID: effects.OpID(out.ID), Idempotent: out.Idempotent, Determinism: effects.Determinism(out.Determinism)}
	if spec.Result, err = effects.ParseKind(out.Result); err != nil {
		return spec, err
	}
	for _, p := range out.Params {
		k, err := effects.ParseKind(p.Kind)
		if err != nil {
			return spec, err
		}
		spec.Params = append(spec.Params, effects.Param{Name: p.Name, Kind: k, Optional: p.Optional})
	}
	return spec, nil
}

// InvokeText routes one call whose arguments are written as people give
// them (NAME=VALUE pairs, files, a JSON object) through the running host
// as agent ("": the only one), each read by the kind op declares for
// NAME: the spec is the host's (Operation), the parsing
// effects.OpSpec.ParseTextArgs.
func (c *Client) InvokeText(ctx context.Context, agent string, op effects.OpID, pairs effects.TextArgs) (effects.Value, error) {
	spec, err := c.Operation(ctx, op)
	if err != nil {
		return effects.Value{}, err
	}
	args, err := spec.ParseTextArgs(pairs)
	if err != nil {
		return effects.Value{}, err
	}
	return c.InvokeAs(ctx, agent, op, args)
}

// Invoke routes one call through the running host, as its only agent if
// it runs agents. A failed call is the *effects.Error the host's router
// returned.
func (c *Client) Invoke(ctx context.Context, op effects.OpID, args effects.Value) (effects.Value, error) {
	return c.InvokeAs(ctx, "", op, args)
}

// InvokeAs routes one call through the running host as the named agent
// ("": the only one), through that agent's guard chain.
func (c *Client) InvokeAs(ctx context.Context, agent string, op effects.OpID, args effects.Value) (effects.Value, error) {
	body := invokeRequest{Op: string(op), Args: args, As: agent}
	if dl, ok := ctx.Deadline(); ok {
		// Rounded up: the endpoint's deadline is never before this
		// client's, so a timeout is noticed here first.
		body.TimeoutMs = max((time.Until(dl) + time.Millisecond - 1).Milliseconds(), 1)
	}
	b, err := json.Marshal(body)
	if err != nil {
		return effects.Value{}, err
	}
	if len(b) > DefaultMaxRequestBytes {
		return effects.Value{}, &effects.Error{Code: effects.CodeInvalidArgs, Op: op,
			Message: fmt.Sprintf("the call's arguments take %d bytes; the admin endpoint accepts at most %d", len(b), DefaultMaxRequestBytes)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://aura-host/v1/invoke", bytes.NewReader(b))
	if err != nil {
		return effects.Value{}, err
	}
	res, err := c.http.Do(req)
	if err != nil {
		return effects.Value{}, fmt.Errorf("reach the host's admin endpoint: %w", err)
	}
	defer res.Body.Close()
	switch res.StatusCode {
	case http.StatusOK:
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		msg, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
		return effects.Value{}, &effects.Error{Code: effects.CodeInvalidArgs, Op: op,
			Message: "the host refused the request: " + string(trimNewline(msg))}
	default:
		return effects.Value{}, fmt.Errorf("admin endpoint answered %s", res.Status)
	}
	var out invokeResponse
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		return effects.Value{}, err
	}
	if out.Error != nil {
		return effects.Value{}, &effects.Error{Code: effects.Code(out.Error.Code), Op: effects.OpID(out.Error.Op),
			Plugin: out.Error.Plugin, Message: out.Error.Message, Retryable: out.Error.Retryable}
	}
	if out.Value == nil {
		return effects.Null(), nil
	}
	return *out.Value, nil
}

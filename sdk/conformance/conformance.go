package conformance

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"sync/atomic"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
)

// Config is what the suite needs besides the plugin.
type Config struct {
	// Config is the plugin's config block as Configure receives it (a map;
	// null is empty).
	Config effects.Value
	// Mode and Seed are sent in Configure (default production, 0).
	Mode effects.Mode
	Seed uint64
	// Authority is the authority the plugin is configured for (default
	// the zero authority).
	Authority effects.AuthorityID
	// StateDir is the plugin's state directory; empty: a new temporary
	// directory per instance, removed afterwards.
	StateDir string
	// Host, if set, is served as the host's callback service. Without it
	// the plugin is told there are no callbacks (host_broker_id 0).
	Host effects.Handler
	// Samples are valid arguments for operations whose zero arguments are
	// not (each required parameter's zero value is tried otherwise).
	Samples map[effects.OpID]effects.Value
	// Blocking is a call that blocks until cancelled or past its deadline
	// (a long sleep, a wait). The deadline and cancel checks need one and
	// are skipped without it. If it names a session, only calls in that
	// session are taken to block; other calls to its operation are checked
	// like any other.
	Blocking *effects.Call
	// Timeout bounds each answer the suite waits for (default 5 s). A
	// plugin slower than this fails the check that waited.
	Timeout time.Duration
}

// Check names, in the order they run.
const (
	CheckCookie      = "cookie"
	CheckHandshake   = "handshake"
	CheckDescribe    = "describe"
	CheckBlocking    = "blocking_call" // the run's blocking call is one the plugin declares
	CheckUnconfig    = "unconfigured"
	CheckBadConfig   = "configure_diagnostics"
	CheckConfigure   = "configure"
	CheckHealth      = "health"
	CheckLifecycle   = "lifecycle"
	CheckUnknownOp   = "unknown_op"
	CheckAnswers     = "answers/"      // + operation ID
	CheckResultKind  = "result_kind/"  // + operation ID
	CheckInvalidArgs = "invalid_args/" // + operation ID
	CheckCallID      = "call_id"
	CheckDeadline    = "deadline"
	CheckCancel      = "cancel"
	CheckDuplicateID = "duplicate_call_id"
	CheckHalfClose   = "half_close"
	CheckDepth       = "depth"
	CheckErrorCodes  = "error_codes"
	CheckDataPlane   = "dataplane"
	CheckShutdown    = "shutdown"
)

// probeOp is an operation ID no plugin declares.
const probeOp effects.OpID = "conformance.no_such_operation"

// Run runs every check against the target and returns the report. It
// stops early, with the checks it could not run left out, when the plugin
// cannot be started, described or configured.
func Run(ctx context.Context, t Target, cfg Config) *Report {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.Mode == "" {
		cfg.Mode = effects.Production
	}
	s := &suite{cfg: cfg, target: t, rep: &Report{}, valid: map[effects.OpID]bool{}}
	s.run(ctx)
	return s.rep
}

type suite struct {
	cfg    Config
	target Target
	rep    *Report
	desc   effects.Descriptor
	valid  map[effects.OpID]bool // operations whose valid call was answered as valid
	// hostCalls counts the plugin's calls into the host's callback service.
	hostCalls atomic.Int64
}

// hostDependent says why an unavailable answer is no fault of the plugin
// ("" if it may be): it called back into the host and the run's host
// service (NoHost, outside a deployment) had nothing behind it.
func (s *suite) hostDependent(code string) string {
	if _, none := s.cfg.Host.(noHost); !none || code != string(effects.CodeUnavailable) || s.hostCalls.Load() == 0 {
		return ""
	}
	return "unavailable after the plugin called back into the host, and this run's host service answers unavailable: check it in a deployment (aura-host invoke)"
}

func (s *suite) bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.cfg.Timeout)
}

func (s *suite) run(ctx context.Context) {
	if ct, ok := s.target.(CookieTarget); ok {
		cctx, cancel := s.bounded(ctx)
		err := ct.StartWithoutCookie(cctx)
		cancel()
		if err != nil {
			s.rep.fail(CheckCookie, "%v", err)
		} else {
			s.rep.pass(CheckCookie, "started without the magic cookie it printed no handshake line and exited non-zero")
		}
	}
	first, err := s.target.Launch(ctx)
	if err != nil {
		s.rep.fail(CheckHandshake, "%v", err)
		return
	}
	defer first.Close()
	if first.InProcess {
		s.rep.skip(CheckHandshake, "served in process: there is no handshake")
	} else {
		s.rep.pass(CheckHandshake, "go-plugin handshake, protocol version %d over gRPC", sdk.ProtocolVersion)
	}
	if !s.checkDescribe(ctx, first) {
		return
	}
	if b := s.cfg.Blocking; b != nil && !s.declares(b.Op) {
		s.rep.fail(CheckBlocking, "the blocking call names %s, which the plugin does not declare (it declares %s)", b.Op, s.opList())
		s.cfg.Blocking = nil
	}
	s.checkUnconfigured(ctx, first)
	s.checkBadConfig(ctx, first)
	first.Close()

	inst, err := s.target.Launch(ctx)
	if err != nil {
		s.rep.fail(CheckHandshake, "the second start failed: %v", err)
		return
	}
	defer inst.Close()
	brokerID, ok := s.checkConfigure(ctx, inst)
	if !ok {
		return
	}
	s.checkHealth(ctx, inst)
	w, err := openWire(ctx, inst.Client)
	if err != nil {
		s.rep.fail(CheckUnknownOp, "cannot open InvokeStream: %v", err)
		return
	}
	defer w.close()
	if s.desc.Kind == effects.KindService {
		s.checkLifecycle(ctx, inst, brokerID)
	}
	// call_id first: if results do not come back under their calls' IDs,
	// every other check on the stream would only time out.
	if s.checkCallIDs(w) {
		s.checkUnknownOp(w)
		for _, spec := range s.desc.Ops {
			s.checkOperation(w, spec)
		}
		s.checkDeadline(ctx, w, inst)
		s.checkCancel(w)
		s.checkDuplicateID(w)
		s.checkHalfClose(ctx, inst)
		s.checkDepth(w)
		s.checkErrorCodes(w)
	} else {
		s.rep.skip("stream checks", "results on the stream cannot be matched to their calls (see call_id)")
	}
	s.checkDataPlane(ctx, inst)
	if s.desc.Kind == effects.KindService {
		sctx, cancel := s.bounded(ctx)
		_ = inst.Client.Stop(sctx) // as the host does before closing the stream
		cancel()
	}
	w.close()
	s.checkShutdown(ctx, inst)
}

func (s *suite) checkDescribe(ctx context.Context, inst *Instance) bool {
	dctx, cancel := s.bounded(ctx)
	defer cancel()
	d, err := inst.Client.Describe(dctx)
	if err != nil {
		s.rep.fail(CheckDescribe, "%v (PROTOCOL.md §3.2 lists what a description must satisfy)", err)
		return false
	}
	s.desc, s.rep.Plugin = d, d.Name
	again, err := inst.Client.Describe(dctx)
	switch {
	case err != nil:
		s.rep.fail(CheckDescribe, "a second Describe failed: %v", err)
	case !reflect.DeepEqual(d, again):
		s.rep.fail(CheckDescribe, "two Describe calls gave different answers; Describe must have no side effects and answer the same every time")
	case d.Name == "" || d.Version == "":
		s.rep.fail(CheckDescribe, "name %q, version %q: give both (the Go SDK requires them)", d.Name, d.Version)
	default:
		s.rep.pass(CheckDescribe, "%s %s, %s, %d operations", d.Name, d.Version, d.Kind, len(d.Ops))
	}
	return true
}

// checkUnconfigured: before Configure every call is unavailable, retryable.
func (s *suite) checkUnconfigured(ctx context.Context, inst *Instance) {
	op := probeOp
	args := effects.Map(nil)
	if len(s.desc.Ops) > 0 {
		op, args = s.desc.Ops[0].ID, s.cfg.ValidArgs(s.desc.Ops[0])
	}
	cctx, cancel := s.bounded(ctx)
	defer cancel()
	_, err := inst.Client.Invoke(cctx, &effects.Call{Op: op, Args: args})
	e := effects.AsError(err)
	switch {
	case err == nil:
		s.rep.fail(CheckUnconfig, "a call to %s before Configure succeeded; answer unavailable (retryable) until Configure has succeeded, PROTOCOL.md §3.3", op)
	case e.Code != effects.CodeUnavailable || !e.Retryable:
		s.rep.fail(CheckUnconfig, "a call to %s before Configure got %s (retryable %v); want unavailable, retryable, PROTOCOL.md §3.3", op, e.Code, e.Retryable)
	default:
		s.rep.pass(CheckUnconfig, "unavailable, retryable")
	}
}

// checkBadConfig: an attribute the schema does not declare gets an error
// diagnostic, and the plugin lives on.
func (s *suite) checkBadConfig(ctx context.Context, inst *Instance) {
	req, cleanup, err := s.configureRequest(inst)
	if err != nil {
		s.rep.fail(CheckBadConfig, "%v", err)
		return
	}
	defer cleanup()
	bad := map[string]effects.Value{undeclared: effects.String("not declared")}
	for _, f := range s.cfg.Config.Fields() {
		bad[f.Key] = f.Value
	}
	req.Config = effects.Map(bad)
	cctx, cancel := s.bounded(ctx)
	defer cancel()
	diags, err := inst.Client.Configure(cctx, req)
	if err != nil {
		s.rep.fail(CheckBadConfig, "Configure with an undeclared attribute %q failed on the wire (%v); answer with an error diagnostic, PROTOCOL.md §7.2", undeclared, err)
		return
	}
	if !hasError(diags) {
		s.rep.fail(CheckBadConfig, "Configure accepted an undeclared attribute %q without an error diagnostic; check the config against your declared schema, PROTOCOL.md §7.1", undeclared)
		return
	}
	if err := inst.Client.Ping(cctx); err != nil {
		s.rep.fail(CheckBadConfig, "the plugin answered diagnostics but then failed its health check: %v", err)
		return
	}
	s.rep.pass(CheckBadConfig, "%s", diagText(firstError(diags)))
}

func (s *suite) configureRequest(inst *Instance) (sdk.ConfigureRequest, func(), error) {
	req := sdk.ConfigureRequest{Config: s.cfg.Config, Mode: s.cfg.Mode, Seed: s.cfg.Seed, Authority: s.cfg.Authority, StateDir: s.cfg.StateDir}
	if req.Config.IsNull() {
		req.Config = effects.Map(nil)
	}
	cleanup := func() {}
	if req.StateDir == "" {
		dir, err := os.MkdirTemp("", "aura-conf-state-")
		if err != nil {
			return req, cleanup, err
		}
		req.StateDir, cleanup = dir, func() { _ = os.RemoveAll(dir) }
	}
	if h := s.cfg.Host; h != nil {
		req.HostBrokerID = inst.Client.ServeHost(effects.HandlerFunc(func(ctx context.Context, c *effects.Call) (effects.Value, error) {
			s.hostCalls.Add(1)
			return h.Invoke(ctx, c)
		}))
	}
	return req, cleanup, nil
}

func (s *suite) checkConfigure(ctx context.Context, inst *Instance) (uint32, bool) {
	req, cleanup, err := s.configureRequest(inst)
	if err != nil {
		s.rep.fail(CheckConfigure, "%v", err)
		return 0, false
	}
	// The state directory lives as long as the instance.
	prevClose := inst.Close
	inst.Close = func() { prevClose(); cleanup() }
	cctx, cancel := s.bounded(ctx)
	defer cancel()
	diags, err := inst.Client.Configure(cctx, req)
	if err != nil {
		s.rep.fail(CheckConfigure, "Configure failed on the wire: %v; answer problems as diagnostics, PROTOCOL.md §7.2", err)
		return 0, false
	}
	if hasError(diags) {
		s.rep.fail(CheckConfigure, "the plugin rejected the config it was given: %s (give its config with --config FILE)", diagText(firstError(diags)))
		return 0, false
	}
	s.rep.pass(CheckConfigure, "")
	return req.HostBrokerID, true
}

func (s *suite) checkHealth(ctx context.Context, inst *Instance) {
	cctx, cancel := s.bounded(ctx)
	defer cancel()
	if err := inst.Client.Ping(cctx); err != nil {
		s.rep.fail(CheckHealth, "grpc.health.v1 Check for service \"plugin\": %v; report SERVING, PROTOCOL.md §2", err)
		return
	}
	s.rep.pass(CheckHealth, "grpc.health.v1: SERVING")
}

func (s *suite) checkLifecycle(ctx context.Context, inst *Instance, brokerID uint32) {
	cctx, cancel := s.bounded(ctx)
	defer cancel()
	if err := inst.Client.Start(cctx, brokerID); err != nil {
		if why := s.hostDependent(string(effects.AsError(err).Code)); why != "" {
			s.rep.skip(CheckLifecycle, "Lifecycle.Start: %s", why)
			return
		}
		s.rep.fail(CheckLifecycle, "Lifecycle.Start: %v", err)
		return
	}
	h, err := inst.Client.Health(cctx)
	if err != nil {
		s.rep.fail(CheckLifecycle, "Lifecycle.Health after Start: %v", err)
		return
	}
	s.rep.pass(CheckLifecycle, "started; health %v", h)
}

func (s *suite) checkUnknownOp(w *wire) {
	r, ok, why := w.call(&effects.Call{Op: probeOp}, 0, s.cfg.Timeout)
	switch {
	case !ok:
		s.rep.fail(CheckUnknownOp, "%s", why)
	case r.Code != string(effects.CodeUnknownOp):
		s.rep.fail(CheckUnknownOp, "an undeclared operation got %s; want unknown_op, PROTOCOL.md §5.2", describe(r))
	default:
		s.rep.pass(CheckUnknownOp, "")
	}
}

// checkDataPlane opens the data plane of a plugin that declares it, as the
// host would (PROTOCOL.md §5.10), and makes one call on it: an undeclared
// operation must come back unknown_op. A plugin that lists dataplane/v1
// but does not serve it fails here, not at the host's start. One that does
// not declare it is skipped: the host calls it over InvokeStream.
func (s *suite) checkDataPlane(ctx context.Context, inst *Instance) {
	dctx, cancel := s.bounded(ctx)
	defer cancel()
	if _, err := inst.Client.Describe(dctx); err != nil {
		s.rep.fail(CheckDataPlane, "Describe on the configured process: %v", err)
		return
	}
	if !inst.Client.OffersDataPlane() {
		s.rep.skip(CheckDataPlane, "the plugin does not declare "+sdk.DataPlaneCapability+": the host calls it over InvokeStream")
		return
	}
	dir, err := os.MkdirTemp("", "aura-conformance-dp.")
	if err != nil {
		s.rep.fail(CheckDataPlane, "cannot make the data-plane directory: %v", err)
		return
	}
	defer os.RemoveAll(dir)
	st, err := inst.Client.OpenDataPlane(dctx, dir)
	if err != nil {
		s.rep.fail(CheckDataPlane, "%v", err)
		return
	}
	defer st.Close()
	_, err = st.Invoke(dctx, &effects.Call{Op: probeOp})
	if !errors.Is(err, effects.ErrUnknownOp) {
		s.rep.fail(CheckDataPlane, "an undeclared operation on the data plane got %v; want unknown_op, PROTOCOL.md §5.2", err)
		return
	}
	s.rep.pass(CheckDataPlane, "opened, authenticated, and answered a call")
}

// wrongForValid are the codes a valid call must not get.
var wrongForValid = map[string]bool{
	string(effects.CodeUnknownOp): true, string(effects.CodeInvalidArgs): true,
	string(effects.CodeUnavailable): true, string(effects.CodeTimeout): true,
}

func (s *suite) declares(op effects.OpID) bool {
	for _, o := range s.desc.Ops {
		if o.ID == op {
			return true
		}
	}
	return false
}

func (s *suite) opList() string {
	var ids []string
	for _, o := range s.desc.Ops {
		ids = append(ids, string(o.ID))
	}
	if len(ids) == 0 {
		return "none"
	}
	return joinFew(ids)
}

// isBlocking reports whether every call to op may block: the blocking
// call's operation, unless it blocks only in the blocking call's session.
func (s *suite) isBlocking(op effects.OpID) bool {
	return s.cfg.Blocking != nil && s.cfg.Blocking.Op == op && s.cfg.Blocking.Session.IsZero()
}

func (s *suite) checkOperation(w *wire, spec effects.OpSpec) {
	args := s.cfg.ValidArgs(spec)
	answers, kind, invalid := CheckAnswers+string(spec.ID), CheckResultKind+string(spec.ID), CheckInvalidArgs+string(spec.ID)
	if s.isBlocking(spec.ID) {
		s.rep.skip(answers, "the blocking call: checked by deadline and cancel")
		s.rep.skip(kind, "the blocking call never returns a value")
	} else {
		r, ok, why := w.call(&effects.Call{Op: spec.ID, Args: args}, 0, s.cfg.Timeout)
		switch {
		case !ok:
			if w.broken() == "" {
				why += " (if it blocks until cancelled, name it as the blocking call: --blocking " + string(spec.ID) + ")"
			}
			s.rep.fail(answers, "%s", why)
			s.rep.skip(kind, "no answer to check")
		case r.Malformed != "":
			s.rep.fail(answers, "%s; a result carries exactly one of value and error, PROTOCOL.md §5.1", describe(r))
			s.rep.skip(kind, "no value to check")
		case s.hostDependent(r.Code) != "":
			s.rep.skip(answers, "%s", s.hostDependent(r.Code))
			s.rep.skip(kind, "no value to check")
		case wrongForValid[r.Code]:
			s.rep.fail(answers, "a valid call %s got %s (if zero values are not valid arguments for it, give a sample)", args, describe(r))
			s.rep.skip(kind, "no value to check")
		case r.Code != "":
			s.valid[spec.ID] = true
			s.rep.pass(answers, "answered %s", r.Code)
			s.rep.skip(kind, "answered with an error: no value to check")
		default:
			s.valid[spec.ID] = true
			s.rep.pass(answers, "answered a value")
			if spec.Result.Accepts(r.Value.Kind()) {
				s.rep.pass(kind, "%s", spec.Result)
			} else {
				s.rep.fail(kind, "declared result %s, returned a value of kind %s (%s); return what Describe declares", spec.Result, r.Value.Kind(), describe(r))
			}
		}
	}
	var bad []string
	for _, v := range invalidArgs(spec, args) {
		r, ok, why := w.call(&effects.Call{Op: spec.ID, Args: v.args}, 0, s.cfg.Timeout)
		switch {
		case !ok:
			bad = append(bad, v.name+": "+why)
		case r.Code != string(effects.CodeInvalidArgs):
			bad = append(bad, v.name+": got "+describe(r))
		}
	}
	if len(bad) > 0 {
		s.rep.fail(invalid, "want invalid_args naming the argument (PROTOCOL.md §5.2) for %s", joinFew(bad))
		return
	}
	s.rep.pass(invalid, "missing, wrong-kind and undeclared arguments are invalid_args")
}

// checkDeadline: a blocking call given a short deadline is answered
// timeout soon after it, and the plugin goes on answering.
func (s *suite) checkDeadline(ctx context.Context, w *wire, inst *Instance) {
	if s.cfg.Blocking == nil {
		s.rep.skip(CheckDeadline, "needs a call that blocks until cancelled (--blocking OP[=ARGS])")
		return
	}
	const short = 200 * time.Millisecond
	b := *s.cfg.Blocking
	r, ok, why := w.call(&b, short, s.cfg.Timeout)
	switch {
	case !ok:
		s.rep.fail(CheckDeadline, "a call to %s with a %v deadline: %s after it; stop the work and answer timeout when timeout_nanos runs out, PROTOCOL.md §5.3", b.Op, short, why)
		return
	case r.Code == "":
		s.rep.fail(CheckDeadline, "the blocking call %s returned %s before its %v deadline: name a call that blocks until cancelled", b.Op, describe(r), short)
		return
	case r.Code != string(effects.CodeTimeout):
		s.rep.fail(CheckDeadline, "a call past its %v deadline got %s; want timeout, PROTOCOL.md §5.3", short, describe(r))
		return
	}
	if reason := s.alive(ctx, w, inst); reason != "" {
		s.rep.fail(CheckDeadline, "after a call timed out: %s", reason)
		return
	}
	s.rep.pass(CheckDeadline, "timeout after %v, and the plugin answers on", short)
}

// alive says why the plugin is not answering any more ("" if it is).
func (s *suite) alive(ctx context.Context, w *wire, inst *Instance) string {
	r, ok, why := w.call(&effects.Call{Op: probeOp}, 0, s.cfg.Timeout)
	if !ok {
		return why
	}
	if r.Code != string(effects.CodeUnknownOp) {
		return "a follow-up call to an undeclared operation got " + describe(r)
	}
	cctx, cancel := s.bounded(ctx)
	defer cancel()
	if err := inst.Client.Ping(cctx); err != nil {
		return "health check: " + err.Error()
	}
	return ""
}

// checkCancel: a cancelled call is answered (the work stopped).
func (s *suite) checkCancel(w *wire) {
	if s.cfg.Blocking == nil {
		s.rep.skip(CheckCancel, "needs a call that blocks until cancelled (--blocking OP[=ARGS])")
		return
	}
	b := *s.cfg.Blocking
	ps, err := w.send([]*effects.Call{&b}, 0)
	if err != nil {
		s.rep.fail(CheckCancel, "%s", w.brokenOr(err))
		return
	}
	if err := w.cancel(ps[0].id); err != nil {
		s.rep.fail(CheckCancel, "%s", w.brokenOr(err))
		return
	}
	r, ok, why := w.await(ps[0], s.cfg.Timeout)
	switch {
	case !ok && w.broken() != "":
		s.rep.fail(CheckCancel, "%s", why)
	case !ok:
		s.rep.fail(CheckCancel, "call %d to %s was cancelled but not answered within %v: stop the work and answer it (cancelled), PROTOCOL.md §5.5", ps[0].id, b.Op, s.cfg.Timeout)
	case r.Code == "":
		s.rep.fail(CheckCancel, "call %d to %s was cancelled but answered %s: stop the work and answer cancelled", ps[0].id, b.Op, describe(r))
	case r.Code != string(effects.CodeCancelled):
		s.rep.pass(CheckCancel, "answered %s (cancelled is usual)", r.Code)
	default:
		s.rep.pass(CheckCancel, "answered cancelled")
	}
}

// checkDepth: a value nested to effects.MaxDepth is accepted through a
// parameter of kind any; one level deeper is invalid_args, and the stream
// survives both.
func (s *suite) checkDepth(w *wire) {
	var spec effects.OpSpec
	param := ""
	// A candidate is an operation whose valid call was answered as valid
	// and that still is with a shallow list in its parameter of kind any:
	// what it then says about a deep one is about the depth.
	for _, o := range s.desc.Ops {
		if param != "" || s.isBlocking(o.ID) || !s.valid[o.ID] {
			continue
		}
		for _, p := range o.Params {
			if p.Kind != effects.KindAny {
				continue
			}
			args := withArg(s.cfg.ValidArgs(o), p.Name, nested(1))
			r, ok, why := w.call(&effects.Call{Op: o.ID, Args: args}, 0, s.cfg.Timeout)
			if !ok {
				s.rep.fail(CheckDepth, "%s(%s: a list of one int): %s", o.ID, p.Name, why)
				return
			}
			if r.Malformed == "" && !wrongForValid[r.Code] {
				spec, param = o, p.Name
				break
			}
		}
	}
	if param == "" {
		s.rep.skip(CheckDepth, "no operation takes a list through a parameter of kind any")
		return
	}
	with := func(v effects.Value) effects.Value { return withArg(s.cfg.ValidArgs(spec), param, v) }
	// The args map is at depth 0 and the argument at 1, so n lists around a
	// scalar put the scalar at depth n+1.
	legal := nested(effects.MaxDepth - 1)
	r, ok, why := w.call(&effects.Call{Op: spec.ID, Args: with(legal)}, 0, s.cfg.Timeout)
	switch {
	case !ok:
		s.rep.fail(CheckDepth, "%s(%s: a value nested %d deep, the limit): %s; decode values up to effects.MaxDepth (raise your protobuf library's recursion limit), PROTOCOL.md §4", spec.ID, param, effects.MaxDepth, why)
		return
	case r.Malformed != "" || r.Code == string(effects.CodeInvalidArgs):
		s.rep.fail(CheckDepth, "%s(%s: a value nested %d deep, the limit) got %s; a value at the limit is legal, PROTOCOL.md §4", spec.ID, param, effects.MaxDepth, describe(r))
		return
	}
	echoed := r.Code == "" && r.Value.Equal(legal)
	r, ok, why = w.call(&effects.Call{Op: spec.ID, Args: with(nested(effects.MaxDepth))}, 0, s.cfg.Timeout)
	switch {
	case !ok:
		s.rep.fail(CheckDepth, "%s(%s: a value nested %d deep, one past the limit): %s; reject it with invalid_args, PROTOCOL.md §4", spec.ID, param, effects.MaxDepth+1, why)
		return
	case r.Code != string(effects.CodeInvalidArgs):
		s.rep.fail(CheckDepth, "%s(%s: a value nested %d deep, one past the limit) got %s; want invalid_args, PROTOCOL.md §4", spec.ID, param, effects.MaxDepth+1, describe(r))
		return
	}
	note := "accepted"
	if echoed {
		note = "round-tripped"
	}
	s.rep.pass(CheckDepth, "%s(%s): depth %d %s, depth %d invalid_args", spec.ID, param, effects.MaxDepth, note, effects.MaxDepth+1)
}

func (s *suite) checkErrorCodes(w *wire) {
	var bad []string
	for code, op := range w.seenCodes() {
		if !sdk.KnownCode(code) {
			bad = append(bad, fmt.Sprintf("%q (from %s)", code, op))
		}
	}
	if len(bad) > 0 {
		s.rep.fail(CheckErrorCodes, "error codes outside the protocol's set: %s; hosts read them as internal, PROTOCOL.md §6", joinFew(bad))
		return
	}
	s.rep.pass(CheckErrorCodes, "every error code is one of the protocol's")
}

func (s *suite) checkShutdown(ctx context.Context, inst *Instance) {
	if inst.Shutdown == nil {
		s.rep.skip(CheckShutdown, "served in process: no process to exit")
		return
	}
	cctx, cancel := s.bounded(ctx)
	defer cancel()
	if err := inst.Shutdown(cctx); err != nil {
		s.rep.fail(CheckShutdown, "%v", err)
		return
	}
	s.rep.pass(CheckShutdown, "exited with status 0 when asked, nothing left in its process group")
}

func hasError(diags []sdk.Diagnostic) bool { return firstError(diags) != nil }

func firstError(diags []sdk.Diagnostic) *sdk.Diagnostic {
	for i := range diags {
		if diags[i].Error {
			return &diags[i]
		}
	}
	return nil
}

func diagText(d *sdk.Diagnostic) string {
	if d == nil {
		return ""
	}
	out := d.Summary
	if d.Detail != "" {
		out += ": " + d.Detail
	}
	if len(d.Path) > 0 {
		out += fmt.Sprintf(" (at %v)", d.Path)
	}
	return out
}

// joinFew joins up to three items and says how many more there were.
func joinFew(items []string) string {
	const few = 3
	out := ""
	for i, it := range items {
		if i == few {
			out += fmt.Sprintf("; and %d more", len(items)-few)
			break
		}
		if i > 0 {
			out += "; "
		}
		out += it
	}
	return out
}

// withArg returns args with name set to v.
func withArg(args effects.Value, name string, v effects.Value) effects.Value {
	m := map[string]effects.Value{name: v}
	for _, f := range args.Fields() {
		if f.Key != name {
			m[f.Key] = f.Value
		}
	}
	return effects.Map(m)
}

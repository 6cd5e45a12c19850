package host_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/tracing"
	"github.com/aurahost/aura-host/vm"
)

// memoryTracing is a tracer provider exporting every ended span at once to
// an in-memory exporter.
func memoryTracing(t testing.TB) (*sdktrace.TracerProvider, *tracetest.InMemoryExporter) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return tp, exp
}

func attrOf(s tracetest.SpanStub, key attribute.Key) (attribute.Value, bool) {
	for _, kv := range s.Attributes {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return attribute.Value{}, false
}

func wantAttr(t *testing.T, s tracetest.SpanStub, key attribute.Key, want string) {
	t.Helper()
	v, ok := attrOf(s, key)
	if !ok || v.String() != want {
		t.Errorf("span %q: %s = %q (present %v), want %q", s.Name, key, v.String(), ok, want)
	}
}

// inProcessRouter is a router over one in-process plugin "inproc" serving
// test.echo and test.refuse (always denied).
func inProcessRouter(t testing.TB) *host.Router {
	reg := effects.NewRegistry()
	h := effects.HandlerFunc(func(_ context.Context, c *effects.Call) (effects.Value, error) {
		if c.Op == "test.refuse" {
			return effects.Value{}, &effects.Error{Code: effects.CodeDenied, Op: c.Op, Message: "refused: secret=hunter2"}
		}
		return c.Arg("value"), nil
	})
	specs := []effects.OpSpec{
		{ID: "test.echo", Params: []effects.Param{{Name: "value", Kind: effects.KindAny}}, Result: effects.KindAny, Determinism: effects.Pure},
		{ID: "test.refuse", Result: effects.KindNull, Determinism: effects.Pure},
	}
	if err := reg.Register("inproc", h, specs...); err != nil {
		t.Fatal(err)
	}
	return host.NewRouter(reg, effects.DeriveAuthorityID("tracing", 0))
}

func TestRoutedCallSpansCarryOpPluginAndCode(t *testing.T) {
	tp, exp := memoryTracing(t)
	r := inProcessRouter(t)
	r.Trace(tp)

	parentCtx, parent := tp.Tracer("test").Start(context.Background(), "caller")
	secret := effects.String("do-not-export-me")
	if _, err := r.Invoke(parentCtx, &effects.Call{Op: "test.echo", Args: effects.Map(map[string]effects.Value{"value": secret})}); err != nil {
		t.Fatal(err)
	}
	_, err := r.Invoke(parentCtx, &effects.Call{Op: "test.refuse", Args: effects.Map(nil)})
	if !errors.Is(err, effects.ErrDenied) {
		t.Fatalf("test.refuse: %v, want denied", err)
	}
	if _, err := r.Invoke(parentCtx, &effects.Call{Op: "nobody.serves", Args: effects.Map(nil)}); !errors.Is(err, effects.ErrUnknownOp) {
		t.Fatalf("nobody.serves: %v, want unknown_op", err)
	}
	parent.End()

	spans := exp.GetSpans()
	if len(spans) != 4 {
		t.Fatalf("%d spans, want 3 calls and the caller's: %v", len(spans), spans.Snapshots())
	}
	byName := map[string]tracetest.SpanStub{}
	for _, s := range spans {
		byName[s.Name] = s
	}
	for _, c := range []struct{ op, plugin, code string }{
		{"test.echo", "inproc", "ok"},
		{"test.refuse", "inproc", "denied"},
		{"nobody.serves", "", "unknown_op"},
	} {
		s, ok := byName[c.op]
		if !ok {
			t.Fatalf("no span named %s", c.op)
		}
		wantAttr(t, s, tracing.AttrOp, c.op)
		wantAttr(t, s, tracing.AttrPlugin, c.plugin)
		wantAttr(t, s, tracing.AttrCode, c.code)
		wantAttr(t, s, tracing.AttrAuthority, r.Authority().String())
		if s.Parent.SpanID() != parent.SpanContext().SpanID() || s.SpanContext.TraceID() != parent.SpanContext().TraceID() {
			t.Errorf("span %s: parent %v, want the caller's span %v", c.op, s.Parent.SpanID(), parent.SpanContext().SpanID())
		}
		if s.SpanKind != trace.SpanKindClient {
			t.Errorf("span %s: kind %v, want client", c.op, s.SpanKind)
		}
		if s.EndTime.Before(s.StartTime) {
			t.Errorf("span %s ends before it starts", c.op)
		}
		wantStatus := codes.Unset
		if c.code != "ok" {
			wantStatus = codes.Error
		}
		if s.Status.Code != wantStatus || (wantStatus == codes.Error && s.Status.Description != c.code) {
			t.Errorf("span %s: status %v %q, want %v %q", c.op, s.Status.Code, s.Status.Description, wantStatus, c.code)
		}
		// Spans leave the host: no argument value, no error message.
		for _, kv := range s.Attributes {
			if v := kv.Value.String(); v == "do-not-export-me" || v == "refused: secret=hunter2" {
				t.Errorf("span %s carries %s = %q", c.op, kv.Key, v)
			}
		}
		if len(s.Events) != 0 {
			t.Errorf("span %s has events %v: an error's message may quote arguments", c.op, s.Events)
		}
	}
}

func TestRouterWithoutTracingMakesNoSpan(t *testing.T) {
	tp, exp := memoryTracing(t)
	r := inProcessRouter(t)
	r.Trace(nil)
	ctx, parent := tp.Tracer("test").Start(context.Background(), "caller")
	if _, err := r.Invoke(ctx, &effects.Call{Op: "test.echo", Args: effects.Map(map[string]effects.Value{"value": effects.Int(1)})}); err != nil {
		t.Fatal(err)
	}
	parent.End()
	if spans := exp.GetSpans(); len(spans) != 1 {
		t.Fatalf("%d spans, want only the caller's: %v", len(spans), spans.Snapshots())
	}
}

// TestPluginProcessJoinsTheHostsTrace: a real plugin process receives the
// routed call's span context in the call — on the stream the router uses
// and on unary Invoke — and the SDK hands it to the handler as its remote
// parent, so spans the plugin makes join the host's trace.
func TestPluginProcessJoinsTheHostsTrace(t *testing.T) {
	tp, exp := memoryTracing(t)
	h, err := host.New(host.Config{Deployment: deployment(t, testDeployment), Executable: auraHost, Logger: testLogger(t),
		StopTimeout: 2 * time.Second, TracerProvider: tp})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := h.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { shutdownHost(t, h) })

	rootCtx, root := tp.Tracer("test").Start(ctx, "operator")
	seen := invokeCtx(t, rootCtx, h.Invoke, "test.trace_context")
	root.End()
	var routed tracetest.SpanStub
	for _, s := range exp.GetSpans() {
		if s.Name == "test.trace_context" {
			routed = s
		}
	}
	if !routed.SpanContext.IsValid() {
		t.Fatalf("no span of the routed call: %v", exp.GetSpans().Snapshots())
	}
	wantAttr(t, routed, tracing.AttrPlugin, "tp")
	wantAttr(t, routed, tracing.AttrCode, "ok")
	if routed.Parent.SpanID() != root.SpanContext().SpanID() {
		t.Errorf("routed call's parent = %v, want the operator's span %v", routed.Parent.SpanID(), root.SpanContext().SpanID())
	}
	checkSeen(t, "stream", seen, routed.SpanContext)

	// The unary path carries it too.
	unaryCtx, unary := tp.Tracer("test").Start(ctx, "unary")
	seen = invokeCtx(t, unaryCtx, h.PluginClient("tp").Invoke, "test.trace_context")
	unary.End()
	checkSeen(t, "unary", seen, unary.SpanContext())

	// A call made with no span carries none.
	seen = invokeCtx(t, ctx, h.PluginClient("tp").Invoke, "test.trace_context")
	if id, _ := seen.Get("trace_id"); id.String() != `""` {
		t.Errorf("untraced call: the plugin saw trace %v", id)
	}
}

func invokeCtx(t *testing.T, ctx context.Context, invoke func(context.Context, *effects.Call) (effects.Value, error), op string) effects.Value {
	t.Helper()
	v, err := invoke(ctx, call(op, nil))
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	return v
}

// checkSeen compares what the plugin's handler saw with the span the call
// was made under.
func checkSeen(t *testing.T, path string, seen effects.Value, want trace.SpanContext) {
	t.Helper()
	traceID, _ := seen.Get("trace_id")
	spanID, _ := seen.Get("span_id")
	remote, _ := seen.Get("remote")
	if s, _ := traceID.AsString(); s != want.TraceID().String() {
		t.Errorf("%s: plugin saw trace %q, want the host's %s", path, s, want.TraceID())
	}
	if s, _ := spanID.AsString(); s != want.SpanID().String() {
		t.Errorf("%s: plugin's parent span %q, want the host's call span %s", path, s, want.SpanID())
	}
	if b, _ := remote.AsBool(); !b {
		t.Errorf("%s: the plugin's span context is not marked remote", path)
	}
}

// TestVMEffectsPutsRoleCallsUnderRoleSpans: a session an agent runs over
// its router (VMEffects, as Agent.RunProtocol does) makes its role's
// routed calls children of the role's span.
func TestVMEffectsPutsRoleCallsUnderRoleSpans(t *testing.T) {
	tp, exp := memoryTracing(t)
	r := inProcessRouter(t)
	r.Trace(tp)
	p, diags := vm.Load([]byte(`
protocol "echoes" {
  roles = ["A", "B"]
  invoke "A" "test.echo" {
    args   = { value = 1 }
    result = "x"
  }
  send "A" "B" "Go" {}
  invoke "B" "test.refuse" {
    result = "y"
  }
}
`), "echoes.hcl")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	prog, diags := vm.Compile(p)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	session := effects.DeriveSessionID("echoes", 1)
	effs := host.NewVMEffects(r, effects.Testing, vm.RegistryEffectsConfig{Seed: 1})
	spans := tracing.StartSession(context.Background(), tp, "echoes", session, r.Authority(), host.ProgramRoles(prog))
	effs.TraceSession(spans)
	_, err := vm.RunSession(context.Background(), prog, vm.Config{Effects: effs, Session: session, Authority: r.Authority(), Seed: 1})
	var fault *vm.Fault
	if !errors.As(err, &fault) || fault.Role != "B" {
		t.Fatalf("run: %v, want B's fault (test.refuse is denied)", err)
	}
	spans.End(host.SessionStatus(err))

	byName := map[string]tracetest.SpanStub{}
	for _, s := range exp.GetSpans() {
		byName[s.Name] = s
	}
	for call, role := range map[string]string{"test.echo": "role A", "test.refuse": "role B"} {
		c, r := byName[call], byName[role]
		if !c.SpanContext.IsValid() || !r.SpanContext.IsValid() || c.Parent.SpanID() != r.SpanContext.SpanID() {
			t.Errorf("%s: parent %v, want %s's span %v", call, c.Parent.SpanID(), role, r.SpanContext.SpanID())
		}
	}
	wantAttr(t, byName["role A"], tracing.AttrStatus, "stopped")
	wantAttr(t, byName["role B"], tracing.AttrStatus, "faulted")
	wantAttr(t, byName["session echoes"], tracing.AttrStatus, "faulted")
	wantAttr(t, byName["test.refuse"], tracing.AttrCode, "denied")
}

// TestHugeOperationNameIsClippedInTheSpan: an operation nobody serves still
// gets a span, but a megabyte-long ID (a plugin's callback, an admin
// request) does not make a megabyte-long span.
func TestHugeOperationNameIsClippedInTheSpan(t *testing.T) {
	tp, exp := memoryTracing(t)
	r := inProcessRouter(t)
	r.Trace(tp)
	op := "x." + strings.Repeat("y", 1<<20)
	if _, err := r.Invoke(context.Background(), &effects.Call{Op: effects.OpID(op), Args: effects.Map(nil)}); !errors.Is(err, effects.ErrUnknownOp) {
		t.Fatalf("huge op: %v, want unknown_op", err)
	}
	spans := exp.GetSpans()
	if len(spans) != 1 {
		t.Fatalf("%d spans, want 1", len(spans))
	}
	s := spans[0]
	if v, _ := attrOf(s, tracing.AttrOp); len(s.Name) > tracing.MaxNameBytes || len(v.AsString()) > tracing.MaxNameBytes || !strings.HasPrefix(s.Name, "x.yyy") {
		t.Fatalf("span name of %d bytes, aura.op of %d: want at most %d", len(s.Name), len(v.AsString()), tracing.MaxNameBytes)
	}
}

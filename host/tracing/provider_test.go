package tracing_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/tracing"
)

// tracingBlock decodes a deployment whose telemetry block holds tracing.
func tracingBlock(t *testing.T, tracingHCL string) *config.Tracing {
	t.Helper()
	src := "deployment \"traced\" {}\ntelemetry {\n" + tracingHCL + "\n}\n"
	d, diags := config.Parse([]byte(src), "t.hcl", config.Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if d.Telemetry == nil || d.Telemetry.Tracing == nil {
		t.Fatal("no tracing block decoded")
	}
	return d.Telemetry.Tracing
}

// oneCallSpan makes the span of one routed call through p and shuts p
// down, which flushes it.
func oneCallSpan(t *testing.T, p *tracing.Provider, code effects.Code) {
	t.Helper()
	calls := tracing.NewCalls(p.TracerProvider())
	_, span := calls.Start(context.Background(), &effects.Call{Op: "crypto.ed25519_sign",
		Args: effects.Map(map[string]effects.Value{"message": effects.String("private words")})}, "crypto", effects.DeriveAuthorityID("alice", 0))
	var err error
	if code != "" {
		err = &effects.Error{Code: code, Message: "refused: private words"}
	}
	tracing.End(span, err)
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestStdoutExporterWritesOneJSONSpanPerLine(t *testing.T) {
	var out bytes.Buffer
	p, err := tracing.Start(context.Background(), tracingBlock(t, `tracing { exporter = "stdout" }`),
		tracing.Options{Stdout: &out, Deployment: "traced"})
	if err != nil {
		t.Fatal(err)
	}
	oneCallSpan(t, p, effects.CodeDenied)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d lines, want one span: %s", len(lines), out.String())
	}
	var span struct {
		Name       string
		Attributes []struct {
			Key   string
			Value struct{ Value any }
		}
		Status   struct{ Code, Description string }
		Resource []struct {
			Key   string
			Value struct{ Value any }
		}
	}
	if err := json.Unmarshal([]byte(lines[0]), &span); err != nil {
		t.Fatalf("not JSON: %v: %s", err, lines[0])
	}
	attrs := map[string]any{}
	for _, a := range span.Attributes {
		attrs[a.Key] = a.Value.Value
	}
	res := map[string]any{}
	for _, a := range span.Resource {
		res[a.Key] = a.Value.Value
	}
	if span.Name != "crypto.ed25519_sign" || attrs["aura.op"] != "crypto.ed25519_sign" || attrs["aura.plugin"] != "crypto" ||
		attrs["aura.code"] != "denied" || span.Status.Code != "Error" || span.Status.Description != "denied" {
		t.Fatalf("span %+v, attributes %v", span, attrs)
	}
	if res["service.name"] != "aura-host" || res["aura.deployment"] != "traced" {
		t.Fatalf("resource %v", res)
	}
	if strings.Contains(out.String(), "private words") {
		t.Fatalf("the exported span carries an argument or an error message: %s", out.String())
	}
}

// collector is an OTLP/gRPC trace collector on loopback: it keeps what it
// receives; with block set, each export waits until the test ends.
type collector struct {
	collectortrace.UnimplementedTraceServiceServer
	mu    sync.Mutex
	spans []*tracepb.Span
	block chan struct{}
}

func (c *collector) Export(ctx context.Context, req *collectortrace.ExportTraceServiceRequest) (*collectortrace.ExportTraceServiceResponse, error) {
	if c.block != nil {
		select {
		case <-c.block:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rs := range req.GetResourceSpans() {
		for _, ss := range rs.GetScopeSpans() {
			c.spans = append(c.spans, ss.GetSpans()...)
		}
	}
	return &collectortrace.ExportTraceServiceResponse{}, nil
}

func startCollector(t *testing.T, c *collector) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	collectortrace.RegisterTraceServiceServer(srv, c)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return lis.Addr().String()
}

func TestOTLPExporterDeliversToTheCollector(t *testing.T) {
	c := &collector{}
	addr := startCollector(t, c)
	p, err := tracing.Start(context.Background(), tracingBlock(t, `tracing {
  exporter = "otlp"
  endpoint = "`+addr+`"
}`), tracing.Options{})
	if err != nil {
		t.Fatal(err)
	}
	oneCallSpan(t, p, "")
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.spans) != 1 {
		t.Fatalf("collector received %d spans, want 1", len(c.spans))
	}
	s := c.spans[0]
	attrs := map[string]string{}
	for _, kv := range s.GetAttributes() {
		attrs[kv.GetKey()] = kv.GetValue().GetStringValue()
	}
	if s.GetName() != "crypto.ed25519_sign" || attrs["aura.code"] != "ok" || attrs["aura.plugin"] != "crypto" || s.GetKind() != tracepb.Span_SPAN_KIND_CLIENT {
		t.Fatalf("span %v", s)
	}
}

// TestShutdownIsBoundedWhenTheCollectorHangs: a collector that never
// answers costs the host its shutdown timeout, not a hang.
func TestShutdownIsBoundedWhenTheCollectorHangs(t *testing.T) {
	c := &collector{block: make(chan struct{})}
	t.Cleanup(func() { close(c.block) })
	addr := startCollector(t, c)
	p, err := tracing.Start(context.Background(), &config.Tracing{Exporter: config.TracingOTLP, Endpoint: addr},
		tracing.Options{ShutdownTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, span := tracing.NewCalls(p.TracerProvider()).Start(context.Background(), &effects.Call{Op: "clock.physical_time"}, "clock", effects.AuthorityID{})
	tracing.End(span, nil)
	if err := p.Shutdown(context.Background()); err == nil {
		t.Fatal("shutdown reported success though the collector never answered")
	}
}

func TestNoTracingBlockIsNoProvider(t *testing.T) {
	p, err := tracing.Start(context.Background(), nil, tracing.Options{})
	if err != nil || p != nil || p.TracerProvider() != nil || p.Shutdown(context.Background()) != nil {
		t.Fatalf("Start(nil) = %v, %v", p, err)
	}
}

func TestOnlyLoopbackEndpointsArePlaintext(t *testing.T) {
	for endpoint, want := range map[string]bool{
		"127.0.0.1:4317": true, "127.8.9.10:4317": true, "[::1]:4317": true, "localhost:4317": true,
		"10.0.0.1:4317": false, "collector.example:4317": false, "[2001:db8::1]:4317": false,
		"localhost.evil.example:4317": false, "0.0.0.0:4317": false,
	} {
		if got := tracing.Loopback(endpoint); got != want {
			t.Errorf("Loopback(%q) = %v, want %v", endpoint, got, want)
		}
	}
}

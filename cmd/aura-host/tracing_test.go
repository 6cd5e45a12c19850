package main_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"

	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"
)

// TestProtocolRunTracesToStderr: with a stdout tracing exporter, `protocol
// run --json` keeps standard output the outcome alone and writes the
// spans — the session, each role, each routed call under its role — as
// JSON lines to standard error.
func TestProtocolRunTracesToStderr(t *testing.T) {
	dep := protocolsDeployment(t)
	appendTelemetry(t, dep, `exporter = "stdout"`)
	out, stderr, code := runProtocolJSON(t, exampleProtocol("guardian_recovery"), "--deployment", dep, "--decide", "Guardian[*]=Approve")
	if code != 0 || out.Status != "done" {
		t.Fatalf("exit %d, status %q\n%s", code, out.Status, stderr)
	}
	type span struct {
		Name        string
		SpanContext struct{ TraceID, SpanID string }
		Parent      struct{ SpanID string }
	}
	var spans []span
	for line := range strings.Lines(stderr) {
		if !strings.HasPrefix(line, `{"Name":`) {
			continue
		}
		var s span
		if err := json.Unmarshal([]byte(line), &s); err != nil {
			t.Fatalf("span line is not JSON: %v: %s", err, line)
		}
		spans = append(spans, s)
	}
	byID := map[string]span{}
	var session span
	for _, s := range spans {
		byID[s.SpanContext.SpanID] = s
		if s.Name == "session guardian_recovery" {
			session = s
		}
	}
	if session.Name == "" {
		t.Fatalf("no session span in stderr:\n%s", stderr)
	}
	roles, signs := 0, 0
	for _, s := range spans {
		if s.SpanContext.TraceID != session.SpanContext.TraceID {
			t.Errorf("span %s is in another trace", s.Name)
		}
		switch {
		case strings.HasPrefix(s.Name, "role "):
			roles++
			if s.Parent.SpanID != session.SpanContext.SpanID {
				t.Errorf("%s: parent is not the session", s.Name)
			}
		case s.Name == "crypto.ed25519_sign":
			signs++
			if p := byID[s.Parent.SpanID]; !strings.HasPrefix(p.Name, "role Guardian[") {
				t.Errorf("a signature's parent is %q, want a guardian's role", p.Name)
			}
		}
	}
	if roles != 4 || signs != 3 {
		t.Fatalf("%d role spans and %d signature spans, want 4 and 3:\n%s", roles, signs, stderr)
	}
}

// otlpCollector is an OTLP/gRPC trace collector on loopback that keeps the
// names and codes of the spans it receives.
type otlpCollector struct {
	collectortrace.UnimplementedTraceServiceServer
	mu    sync.Mutex
	codes map[string]string // span name → aura.code
}

func (c *otlpCollector) Export(_ context.Context, req *collectortrace.ExportTraceServiceRequest) (*collectortrace.ExportTraceServiceResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rs := range req.GetResourceSpans() {
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				for _, kv := range s.GetAttributes() {
					if kv.GetKey() == "aura.code" {
						c.codes[s.GetName()] = kv.GetValue().GetStringValue()
					}
				}
			}
		}
	}
	return &collectortrace.ExportTraceServiceResponse{}, nil
}

// TestRunExportsCallSpansOverOTLP: `run` with an otlp exporter sends the
// span of a call made through its admin endpoint to the collector by the
// time it has shut down.
func TestRunExportsCallSpansOverOTLP(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &otlpCollector{codes: map[string]string{}}
	srv := grpc.NewServer()
	collectortrace.RegisterTraceServiceServer(srv, c)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)

	file := quickstart(t)
	appendTelemetry(t, file, fmt.Sprintf("exporter = \"otlp\"\n    endpoint = %q", lis.Addr().String()))
	rh := startRun(t, file)
	mustCLI(t, "invoke", file, "crypto.ed25519_generate_keypair")
	_, _, code := cli(t, "invoke", file, "storage.retrieve", "key=missing")
	if code == 0 {
		t.Fatal("retrieving a missing key succeeded")
	}
	if err := rh.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := rh.cmd.Wait(); err != nil {
		t.Fatalf("run: %v\n%s", err, rh.stderr.String())
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.codes["crypto.ed25519_generate_keypair"] != "ok" || c.codes["storage.retrieve"] != "not_found" {
		t.Fatalf("collector received %v, want the keypair call ok and the retrieve not_found\n%s", c.codes, rh.stderr.String())
	}
}

// TestInvokeTracesToStderr: with a stdout tracing exporter, `invoke` of a
// deployment started for the call prints the result alone on standard
// output and the routed call's span, named after its operation, on
// standard error.
func TestInvokeTracesToStderr(t *testing.T) {
	file := quickstart(t)
	appendTelemetry(t, file, `exporter = "stdout"`)
	stdout, stderr, code := cli(t, "invoke", file, "crypto.hash", "data=68656c6c6f", "--mode", "testing")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if got := strings.TrimSpace(stdout); strings.Contains(got, "{") || len(got) != 64 {
		t.Errorf("stdout %q, want the hash's 64 hex digits alone", stdout)
	}
	found := false
	for line := range strings.Lines(stderr) {
		var s struct{ Name string }
		if strings.HasPrefix(line, `{"Name":`) && json.Unmarshal([]byte(line), &s) == nil && s.Name == "crypto.hash" {
			found = true
		}
	}
	if !found {
		t.Errorf("no span named crypto.hash on stderr:\n%s", stderr)
	}
}

// appendTelemetry appends a telemetry block whose tracing block holds
// settings to the deployment file.
func appendTelemetry(t *testing.T, file, settings string) {
	t.Helper()
	f, err := os.OpenFile(file, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fmt.Fprintf(f, "\ntelemetry {\n  tracing {\n    %s\n  }\n}\n", settings); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

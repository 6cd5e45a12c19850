package metrics_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/metrics"
)

// TestTakenPortIsADiagnostic: an address another socket holds fails
// start-up with a diagnostic at the prometheus attribute's line that
// names the address and what to do.
func TestTakenPortIsADiagnostic(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	rng := hcl.Range{Filename: "deployment.hcl", Start: hcl.Pos{Line: 7, Column: 16}, End: hcl.Pos{Line: 7, Column: 32}}
	tel := &config.Telemetry{Prometheus: ln.Addr().String(), PrometheusRange: rng}
	ep, err := metrics.Start(tel, metrics.New(), nil)
	if err == nil {
		ep.Close(context.Background())
		t.Fatal("Start on a taken port succeeded")
	}
	var de *host.DiagnosticsError
	if !errors.As(err, &de) || len(de.Diagnostics) != 1 {
		t.Fatalf("got %T %v, want one diagnostic", err, err)
	}
	d := de.Diagnostics[0]
	if d.Subject == nil || *d.Subject != rng || !strings.Contains(d.Detail, ln.Addr().String()) || !strings.Contains(d.Detail, "Choose a free port") {
		t.Errorf("diagnostic %q at %v; want the address and the fix, at %v", d.Detail, d.Subject, rng)
	}
}

// TestEndpointServesOnlyGETMetrics: the endpoint answers GET and HEAD on
// /metrics; other methods get 405, other paths 404, and headers over its
// limit 431. Close is idempotent and stops it listening.
func TestEndpointServesOnlyGETMetrics(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ep := metrics.Serve(ln, metrics.New(), nil)
	do := func(method, path string, header http.Header) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, "http://"+ep.Addr().String()+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range header {
			req.Header[k] = v
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := do("GET", "/metrics", nil); code != 200 || !strings.Contains(body, metrics.ProtocolSessions) {
		t.Errorf("GET /metrics: %d\n%.300s", code, body)
	}
	if code, _ := do("HEAD", "/metrics", nil); code != 200 {
		t.Errorf("HEAD /metrics: %d", code)
	}
	if code, _ := do("POST", "/metrics", nil); code != http.StatusMethodNotAllowed {
		t.Errorf("POST /metrics: %d, want 405", code)
	}
	if code, body := do("GET", "/debug/pprof/", nil); code != http.StatusNotFound || !strings.Contains(body, "/metrics") {
		t.Errorf("GET /debug/pprof/: %d %q, want 404 pointing at /metrics", code, body)
	}
	if code, _ := do("GET", "/metrics", http.Header{"X-Big": {strings.Repeat("a", 64<<10)}}); code != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("64 KiB of headers: %d, want 431", code)
	}
	if err := ep.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := ep.Close(context.Background()); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if c, err := net.Dial("tcp", ep.Addr().String()); err == nil {
		c.Close()
		t.Error("the endpoint still accepts connections after Close")
	}
}

// TestSessionEndedCountsByOutcome: a run's fault text decides its
// outcome, and each outcome has its own counter.
func TestSessionEndedCountsByOutcome(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	m.SessionEnded(metrics.RunOutcome(""))
	m.SessionEnded(metrics.RunOutcome("role Server: timed out waiting for Ping"))
	m.SessionEnded(metrics.RunOutcome(""))
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range fams {
		if f.GetName() != metrics.ProtocolSessions {
			continue
		}
		for _, s := range f.Metric {
			got[s.Label[0].GetValue()] = s.Counter.GetValue()
		}
	}
	if got[metrics.OutcomeCompleted] != 2 || got[metrics.OutcomeFailed] != 1 || len(got) != 2 {
		t.Errorf("sessions by outcome %v, want completed 2, failed 1", got)
	}
}

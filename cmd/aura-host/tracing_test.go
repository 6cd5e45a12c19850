package main_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestProtocolRunTracesToStderr: with a stdout tracing exporter, `protocol
// run --json` keeps standard output the outcome alone and writes the
// spans — the session, each role, each routed call under its role — as
// JSON lines to standard error.
func TestProtocolRunTracesToStderr(t *testing.T) {
	dep := protocolsDeployment(t)
	f, err := os.OpenFile(dep, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("\ntelemetry {\n  tracing {\n    exporter = \"stdout\"\n  }\n}\n"); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
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

package config

import "testing"

func TestParseTelemetry(t *testing.T) {
	src := `
deployment "watched" {}
telemetry {
  prometheus = "127.0.0.1:9464"
  tracing {
    exporter = "otlp"
    endpoint = "localhost:4317"
  }
}
`
	d, diags := Parse([]byte(src), "t.hcl", Options{Builtins: testBuiltins})
	if diags.HasErrors() {
		t.Fatal(render(d, diags))
	}
	tel := d.Telemetry
	if tel == nil || tel.Prometheus != "127.0.0.1:9464" || tel.Tracing == nil ||
		tel.Tracing.Exporter != TracingOTLP || tel.Tracing.Endpoint != "localhost:4317" {
		t.Fatalf("telemetry = %+v, tracing %+v", tel, tel.Tracing)
	}

	d, diags = Parse([]byte(`deployment "quiet" {}`), "t.hcl", Options{Builtins: testBuiltins})
	if diags.HasErrors() || d.Telemetry != nil {
		t.Fatalf("no telemetry block: %+v, %v", d.Telemetry, diags)
	}
}

package config

import (
	"fmt"
	"net"
	"strconv"

	"github.com/hashicorp/hcl/v2"
)

// Telemetry is the telemetry block: what the host tells an operator's
// monitoring about itself.
//
//	telemetry {
//	  prometheus = "127.0.0.1:9464"   # serve /metrics here
//	  tracing {
//	    exporter = "otlp"             # or "stdout"
//	    endpoint = "127.0.0.1:4317"   # the OTLP/gRPC collector (otlp only)
//	  }
//	}
type Telemetry struct {
	DeclRange hcl.Range

	// Prometheus is the host:port the /metrics endpoint listens on; ""
	// when the block does not say, and no endpoint is served.
	Prometheus      string
	PrometheusRange hcl.Range

	// Tracing is the tracing block; nil when absent, and no spans are
	// exported.
	Tracing *Tracing
}

// Tracing chooses where OpenTelemetry spans go.
type Tracing struct {
	DeclRange hcl.Range

	// Exporter is TracingOTLP or TracingStdout.
	Exporter      string
	ExporterRange hcl.Range

	// Endpoint is the OTLP/gRPC collector's host:port (TracingOTLP only).
	Endpoint      string
	EndpointRange hcl.Range
}

// The tracing exporters.
const (
	TracingOTLP   = "otlp"
	TracingStdout = "stdout"
)

var telemetrySpec = bodySpec[Telemetry]{
	where: "in a telemetry block",
	attrs: []attrSpec[Telemetry]{
		{name: "prometheus", decode: func(d *decoder, t *Telemetry, a *hcl.Attribute) {
			if addr, ok := d.hostPortAttr(a, `"127.0.0.1:9464"`); ok {
				t.Prometheus, t.PrometheusRange = addr, a.Expr.Range()
			}
		}},
	},
	blocks: []blockSpec[Telemetry]{
		{typ: "tracing", single: true, decode: func(d *decoder, t *Telemetry, b *hcl.Block) {
			t.Tracing = &Tracing{DeclRange: b.DefRange}
			tracingSpec.decode(d, t.Tracing, b.Body)
			t.Tracing.check(d)
		}},
	},
}

var tracingSpec = bodySpec[Tracing]{
	where: "in a tracing block",
	attrs: []attrSpec[Tracing]{
		{name: "exporter", required: true, example: `"otlp"`, decode: func(d *decoder, t *Tracing, a *hcl.Attribute) {
			t.Exporter, t.ExporterRange = d.oneOf(a, "tracing exporter", []string{TracingOTLP, TracingStdout},
				`"otlp" sends spans to an OpenTelemetry collector over OTLP/gRPC at endpoint; "stdout" writes them as JSON lines to standard output (standard error under protocol run, whose standard output is its outcome)`)
		}},
		{name: "endpoint", decode: func(d *decoder, t *Tracing, a *hcl.Attribute) {
			if addr, ok := d.hostPortAttr(a, `"127.0.0.1:4317"`); ok {
				t.Endpoint, t.EndpointRange = addr, a.Expr.Range()
			}
		}},
	},
}

// check reports an endpoint the exporter cannot use or lacks.
func (t *Tracing) check(d *decoder) {
	switch {
	case t.Exporter == TracingOTLP && t.EndpointRange == (hcl.Range{}):
		d.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Missing tracing endpoint",
			Detail:   `The otlp exporter sends spans to a collector: add endpoint = "127.0.0.1:4317" (its OTLP/gRPC host:port).`,
			Subject:  t.DeclRange.Ptr(),
		})
	case t.Exporter == TracingStdout && t.EndpointRange != (hcl.Range{}):
		d.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Endpoint without a collector",
			Detail:   `The stdout exporter writes spans to the host's standard output and has no endpoint: remove it, or write exporter = "otlp".`,
			Subject:  t.EndpointRange.Ptr(),
		})
	}
}

func decodeTelemetryBlock(d *decoder, dep *Deployment, b *hcl.Block) {
	dep.Telemetry = &Telemetry{DeclRange: b.DefRange}
	telemetrySpec.decode(d, dep.Telemetry, b.Body)
}

// hostPortAttr decodes a "host:port" string with a numeric port.
func (d *decoder) hostPortAttr(a *hcl.Attribute, example string) (string, bool) {
	s, ok := d.stringAttr(a, example)
	if !ok {
		return "", false
	}
	host, port, err := net.SplitHostPort(s)
	n, perr := strconv.ParseUint(port, 10, 16)
	if err != nil || perr != nil || host == "" || n == 0 {
		d.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid address",
			Detail:   fmt.Sprintf("%s is a host and a port between 1 and 65535, such as %s, not %q.", a.Name, example, s),
			Subject:  a.Expr.Range().Ptr(),
		})
		return "", false
	}
	return s, true
}

package tracing

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/credentials"

	"github.com/aurahost/aura-host/config"
)

// Defaults of Options.
const (
	DefaultServiceName     = "aura-host"
	DefaultShutdownTimeout = 5 * time.Second
	// DefaultExportTimeout bounds one export of a batch to the collector.
	DefaultExportTimeout = 5 * time.Second
)

// Options are what Start needs besides the tracing block.
type Options struct {
	// Stdout is where the stdout exporter writes its JSON lines, one span
	// per line. Default: os.Stdout. A command whose standard output is its
	// result (`aura-host protocol run`) passes its standard error instead.
	Stdout io.Writer

	// ServiceName is the resource's service.name. Default DefaultServiceName.
	ServiceName string

	// Deployment, if set, is the resource's aura.deployment attribute: the
	// deployment's name.
	Deployment string

	// ShutdownTimeout bounds Shutdown's flush of the spans still queued.
	// Default DefaultShutdownTimeout.
	ShutdownTimeout time.Duration
}

// Provider is the tracer provider a tracing block chose. A nil *Provider
// is tracing off: TracerProvider returns nil and Shutdown does nothing.
type Provider struct {
	sdk             *sdktrace.TracerProvider
	shutdownTimeout time.Duration
}

// Start builds the tracer provider cfg chooses: spans batched (the
// SDK's batch span processor) to an OTLP/gRPC collector at cfg.Endpoint,
// or to opt.Stdout as JSON lines. An endpoint on a loopback address
// (127.0.0.0/8, ::1, localhost) is dialled in plaintext — a collector
// agent beside the host; any other with TLS, verified against the
// system's roots, since spans name the deployment's authorities and
// operations. Nothing is dialled here: the connection is made by the
// first export, and an unreachable collector costs dropped spans and a
// logged error, never a routed call. A nil cfg returns a nil Provider.
func Start(ctx context.Context, cfg *config.Tracing, opt Options) (*Provider, error) {
	if cfg == nil {
		return nil, nil
	}
	var exp sdktrace.SpanExporter
	var err error
	switch cfg.Exporter {
	case config.TracingOTLP:
		opts := []otlptracegrpc.Option{otlptracegrpc.WithEndpoint(cfg.Endpoint), otlptracegrpc.WithTimeout(DefaultExportTimeout)}
		if Loopback(cfg.Endpoint) {
			opts = append(opts, otlptracegrpc.WithInsecure())
		} else {
			opts = append(opts, otlptracegrpc.WithTLSCredentials(credentials.NewClientTLSFromCert(nil, "")))
		}
		exp, err = otlptracegrpc.New(ctx, opts...)
	case config.TracingStdout:
		exp, err = stdouttrace.New(stdouttrace.WithWriter(cmp.Or[io.Writer](opt.Stdout, os.Stdout)))
	default:
		return nil, fmt.Errorf("tracing: unknown exporter %q (otlp or stdout)", cfg.Exporter)
	}
	if err != nil {
		return nil, fmt.Errorf("tracing: %s exporter: %w", cfg.Exporter, err)
	}
	return NewProvider(exp, opt), nil
}

// StartDeployment is Start for the tracing block of dep's telemetry block,
// with dep's name as the resource's aura.deployment: nil without one.
func StartDeployment(ctx context.Context, dep *config.Deployment, opt Options) (*Provider, error) {
	if dep.Telemetry == nil || dep.Telemetry.Tracing == nil {
		return nil, nil
	}
	opt.Deployment = cmp.Or(opt.Deployment, dep.Name)
	return Start(ctx, dep.Telemetry.Tracing, opt)
}

// NewProvider is a Provider batching spans to exp: what Start builds, for
// an exporter of the caller's.
func NewProvider(exp sdktrace.SpanExporter, opt Options) *Provider {
	attrs := []attribute.KeyValue{attribute.String("service.name", cmp.Or(opt.ServiceName, DefaultServiceName))}
	if opt.Deployment != "" {
		attrs = append(attrs, attribute.String("aura.deployment", opt.Deployment))
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp, sdktrace.WithExportTimeout(DefaultExportTimeout)),
		// No attribute the host sets is longer; this bounds any other.
		sdktrace.WithRawSpanLimits(spanLimits()),
		// The service and the deployment, nothing of the machine (no host
		// name, no process arguments, which may name private files).
		sdktrace.WithResource(resource.NewSchemaless(attrs...)),
	)
	return &Provider{sdk: tp, shutdownTimeout: cmp.Or(opt.ShutdownTimeout, DefaultShutdownTimeout)}
}

// spanLimits are the SDK's defaults with attribute values capped at
// MaxNameBytes×2 bytes.
func spanLimits() sdktrace.SpanLimits {
	l := sdktrace.NewSpanLimits()
	l.AttributeValueLengthLimit = 2 * MaxNameBytes
	return l
}

// TracerProvider is what host.Config.TracerProvider and
// session.Config.TracerProvider take: nil for a nil Provider.
func (p *Provider) TracerProvider() trace.TracerProvider {
	if p == nil {
		return nil
	}
	return p.sdk
}

// Shutdown exports the spans still queued and stops the exporter, waiting
// at most Options.ShutdownTimeout (or until ctx ends): spans that cannot
// be delivered by then are dropped.
func (p *Provider) Shutdown(ctx context.Context) error {
	if p == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, p.shutdownTimeout)
	defer cancel()
	if err := p.sdk.Shutdown(ctx); err != nil {
		return fmt.Errorf("tracing: shutdown: %w", err)
	}
	return nil
}

// Loopback reports whether endpoint (host:port) names this machine: a
// loopback IP or "localhost".
func Loopback(endpoint string) bool {
	host, _, err := net.SplitHostPort(endpoint)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

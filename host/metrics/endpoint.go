package metrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/host"
)

// Limits of the endpoint, which anyone who can reach its address may call.
const (
	maxScrapes        = 4                // scrapes at once; more get 503
	scrapeTimeout     = 10 * time.Second // one scrape's collection
	readHeaderTimeout = 5 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 60 * time.Second
	maxHeaderBytes    = 8 << 10
)

// Path is where the endpoint serves the metrics.
const Path = "/metrics"

// Endpoint is the HTTP server of /metrics at the telemetry block's
// address. Close stops it.
type Endpoint struct {
	ln   net.Listener
	srv  *http.Server
	done chan struct{}

	closeOnce sync.Once
	closeErr  error
}

// Start listens at tel.Prometheus and serves m there until Close. A
// listen failure (the port is taken, the address is not this machine's)
// is a *host.DiagnosticsError at the prometheus attribute's line, naming
// the address. Port 0 picks a free port (a test's deployment can say
// "127.0.0.1:0" in its decoded Telemetry; the file's schema asks for a
// real one): Addr says which.
func Start(tel *config.Telemetry, m *Metrics, logger hclog.Logger) (*Endpoint, error) {
	if tel == nil || tel.Prometheus == "" {
		return nil, errors.New("metrics: the telemetry block names no prometheus address")
	}
	ln, err := net.Listen("tcp", tel.Prometheus)
	if err != nil {
		d := &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Cannot serve metrics",
			Detail: fmt.Sprintf("The telemetry block's prometheus address %s cannot be listened on (%v). "+
				"Choose a free port, or stop the process that holds this one (ss -ltnp shows it); the host must be an address of this machine.", tel.Prometheus, err),
		}
		if tel.PrometheusRange.Filename != "" {
			d.Subject = tel.PrometheusRange.Ptr()
		}
		return nil, &host.DiagnosticsError{Diagnostics: hcl.Diagnostics{d}}
	}
	return Serve(ln, m, logger), nil
}

// Serve serves m's /metrics on ln until Close, which closes ln.
func Serve(ln net.Listener, m *Metrics, logger hclog.Logger) *Endpoint {
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	mux := http.NewServeMux()
	h := m.Handler()
	mux.HandleFunc(Path, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "metrics are read with GET", http.StatusMethodNotAllowed)
			return
		}
		h.ServeHTTP(w, r)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "not found: the metrics are at "+Path, http.StatusNotFound)
	})
	e := &Endpoint{ln: ln, done: make(chan struct{}), srv: &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readHeaderTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          logger.StandardLogger(&hclog.StandardLoggerOptions{InferLevels: true}),
	}}
	go func() {
		defer close(e.done)
		if err := e.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("metrics endpoint stopped", "address", ln.Addr().String(), "error", err)
		}
	}()
	return e
}

// Addr is the address the endpoint listens on.
func (e *Endpoint) Addr() net.Addr { return e.ln.Addr() }

// URL is the endpoint's metrics URL: http://ADDR/metrics.
func (e *Endpoint) URL() string { return "http://" + e.ln.Addr().String() + Path }

// Close stops the endpoint: it stops listening, lets scrapes in progress
// finish until ctx ends, then closes their connections, and returns once
// the server is done. It is idempotent.
func (e *Endpoint) Close(ctx context.Context) error {
	e.closeOnce.Do(func() {
		if err := e.srv.Shutdown(ctx); err != nil {
			e.srv.Close()
			e.closeErr = fmt.Errorf("metrics endpoint: scrapes still running at shutdown: %w", err)
		}
		<-e.done
	})
	return e.closeErr
}

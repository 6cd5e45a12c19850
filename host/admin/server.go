package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/lifecycle"
	"github.com/aurahost/aura-host/host/owned"
	"github.com/aurahost/aura-host/host/supervise"
)

// The admin endpoint lets `aura-host status` and `aura-host reset`, run
// from another terminal, inspect and steer a running host. It is HTTP over
// a unix socket that only the host's user can reach: the socket is mode
// 0600 in a 0700 directory.
//
//	GET  /v1/status               → AdminStatus as JSON
//	POST /v1/plugins/{name}/reset → 204, or an error message
//	GET  /v1/operations/{op}, POST /v1/invoke → see invoke.go
//	GET  /v1/watch?signal=NAME[&agent=NAME]   → see watch.go

// AddrFile is the file, in a deployment's state directory (and in the
// host's socket directory), that holds the admin socket's path.
const AddrFile = "admin.addr"

// maxSocketPath keeps socket paths under the kernel's ~108-byte limit.
const maxSocketPath = 100

// Status is what GET /v1/status returns.
type Status struct {
	Deployment string                   `json:"deployment"`
	Mode       string                   `json:"mode"`
	Authority  string                   `json:"authority"`
	PID        int                      `json:"pid"`
	Started    time.Time                `json:"started"`
	Plugins    []supervise.PluginStatus `json:"plugins"`
	// Services are the host-owned services of the agents (builtin service
	// blocks), named agent/service when there are several agents.
	Services []lifecycle.Status `json:"services,omitempty"`
}

// Target is what the endpoint serves: the running host, seen only
// through these methods.
type Target interface {
	// Status is the host's status.
	Status() Status
	// Reset brings a failed plugin back.
	Reset(ctx context.Context, plugin string) error
	// Operation is the spec of an operation the host serves.
	Operation(op effects.OpID) (effects.OpSpec, bool)
	// Invoke routes one call through the host's router.
	Invoke(ctx context.Context, call *effects.Call) (effects.Value, error)
}

// Config configures the admin endpoint.
type Config struct {
	// StateDir is the deployment's state directory: the socket goes there
	// when its path is short enough, and AddrFile always does. Required.
	StateDir string
	// SocketDir is the host's private socket directory (0700), where the
	// socket goes when StateDir's path is too long, and where AddrFile is
	// also written (FindAdmin looks there). Required.
	SocketDir string
	// Target is the host served. Required.
	Target Target
	// ResetTimeout bounds a reset (a plugin's start-up). Default 10s.
	ResetTimeout time.Duration
	// Logger receives the endpoint's errors. Default: discard.
	Logger hclog.Logger
	// MaxRequestBytes caps a request's body; a larger one is refused
	// with 413 Request Entity Too Large before it is decoded. Default
	// DefaultMaxRequestBytes (1 MiB).
	MaxRequestBytes int64
}

// Server is a running admin endpoint.
type Server struct {
	cfg      Config
	srv      *http.Server
	path     string
	pointers []string
	done     chan struct{}
	closing  chan struct{} // closed by Close: ends the watch streams
	closeMu  sync.Once
}

// Serve starts the admin endpoint. The socket goes in the state
// directory when its path is short enough, else in the host's socket
// directory; either way AddrFile says where. It serves until Close.
func Serve(cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = hclog.NewNullLogger()
	}
	if cfg.ResetTimeout <= 0 {
		cfg.ResetTimeout = 10 * time.Second
	}
	if cfg.MaxRequestBytes <= 0 {
		cfg.MaxRequestBytes = DefaultMaxRequestBytes
	}
	stateDir := cfg.StateDir
	// The address file and (usually) the socket live here: a directory
	// another user can write would let them point clients elsewhere.
	if err := owned.EnsureDir(stateDir, "state directory"); err != nil {
		return nil, fmt.Errorf("admin endpoint: %w", err)
	}
	if err := owned.PrivateDir(cfg.SocketDir); err != nil {
		return nil, fmt.Errorf("admin endpoint: %w", err)
	}
	path := filepath.Join(stateDir, "admin.sock")
	if len(path) > maxSocketPath {
		path = filepath.Join(cfg.SocketDir, "admin.sock")
	}
	_ = os.Remove(path) // a stale socket of a host that was killed
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("admin endpoint: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("admin endpoint: %w", err)
	}
	a := &Server{cfg: cfg, path: path, done: make(chan struct{}), closing: make(chan struct{}),
		pointers: []string{filepath.Join(stateDir, AddrFile), filepath.Join(cfg.SocketDir, AddrFile)}}
	for _, p := range a.pointers {
		if err := writePointer(p, path); err != nil {
			ln.Close()
			return nil, fmt.Errorf("admin endpoint: %w", err)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/status", a.handleStatus)
	mux.HandleFunc("POST /v1/plugins/{name}/reset", a.handleReset)
	mux.HandleFunc("GET /v1/operations/{op}", a.handleOperation)
	mux.HandleFunc("POST /v1/invoke", a.handleInvoke)
	mux.HandleFunc("GET /v1/watch", a.handleWatch)
	a.srv = &http.Server{Handler: http.MaxBytesHandler(mux, cfg.MaxRequestBytes), ReadHeaderTimeout: 5 * time.Second,
		MaxHeaderBytes: 64 << 10}
	go func() {
		defer close(a.done)
		if err := a.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			cfg.Logger.Error("admin endpoint stopped", "error", err)
		}
	}()
	cfg.Logger.Debug("admin endpoint listening", "socket", path)
	return a, nil
}

// writePointer writes a fresh address file (0600): whatever was at p, a
// stale file or anything else, is replaced, never written through.
func writePointer(p, sock string) error {
	_ = os.Remove(p)
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.WriteString(sock + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Close stops serving (within ctx) and removes the socket and its
// address files.
func (a *Server) Close(ctx context.Context) {
	a.closeMu.Do(func() { close(a.closing) })
	_ = a.srv.Shutdown(ctx)
	<-a.done
	_ = os.Remove(a.path)
	for _, p := range a.pointers {
		_ = os.Remove(p)
	}
}

func (a *Server) handleStatus(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(a.cfg.Target.Status())
}

func (a *Server) handleReset(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), a.cfg.ResetTimeout)
	defer cancel()
	if err := a.cfg.Target.Reset(ctx, r.PathValue("name")); err != nil {
		http.Error(w, err.Error(), http.StatusConflict)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

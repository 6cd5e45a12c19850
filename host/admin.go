package host

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// The admin endpoint lets `aura-host status` and `aura-host reset`, run
// from another terminal, inspect and steer a running host. It is HTTP over
// a unix socket that only the host's user can reach: the socket is mode
// 0600 in a 0700 directory.
//
//	GET  /v1/status               → AdminStatus as JSON
//	POST /v1/plugins/{name}/reset → 204, or an error message
//	GET  /v1/operations/{op}, POST /v1/invoke → see admin_invoke.go

// AdminAddrFile is the file, in a deployment's state directory (and in the
// host's socket directory), that holds the admin socket's path.
const AdminAddrFile = "admin.addr"

// maxSocketPath keeps socket paths under the kernel's ~108-byte limit.
const maxSocketPath = 100

// AdminStatus is what GET /v1/status returns.
type AdminStatus struct {
	Deployment string         `json:"deployment"`
	Mode       string         `json:"mode"`
	Authority  string         `json:"authority"`
	PID        int            `json:"pid"`
	Started    time.Time      `json:"started"`
	Plugins    []PluginStatus `json:"plugins"`
}

type adminServer struct {
	srv      *http.Server
	path     string
	pointers []string
	done     chan struct{}
}

// serveAdmin starts the admin endpoint. The socket goes in the state
// directory when its path is short enough, else in the host's socket
// directory; either way AdminAddrFile says where.
func (h *Host) serveAdmin() error {
	stateDir := h.cfg.Deployment.StateDir
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return fmt.Errorf("admin endpoint: %w", err)
	}
	path := filepath.Join(stateDir, "admin.sock")
	if len(path) > maxSocketPath {
		path = filepath.Join(h.socketDir, "admin.sock")
	}
	_ = os.Remove(path) // a stale socket of a host that was killed
	ln, err := net.Listen("unix", path)
	if err != nil {
		return fmt.Errorf("admin endpoint: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return fmt.Errorf("admin endpoint: %w", err)
	}
	a := &adminServer{path: path, done: make(chan struct{}),
		pointers: []string{filepath.Join(stateDir, AdminAddrFile), filepath.Join(h.socketDir, AdminAddrFile)}}
	for _, p := range a.pointers {
		if err := os.WriteFile(p, []byte(path+"\n"), 0o600); err != nil {
			ln.Close()
			return fmt.Errorf("admin endpoint: %w", err)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/status", h.handleStatus)
	mux.HandleFunc("POST /v1/plugins/{name}/reset", h.handleReset)
	mux.HandleFunc("GET /v1/operations/{op}", h.handleOperation)
	mux.HandleFunc("POST /v1/invoke", h.handleInvoke)
	a.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		defer close(a.done)
		if err := a.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			h.cfg.Logger.Error("admin endpoint stopped", "error", err)
		}
	}()
	h.admin = a
	h.cfg.Logger.Debug("admin endpoint listening", "socket", path)
	return nil
}

func (a *adminServer) close(ctx context.Context) {
	_ = a.srv.Shutdown(ctx)
	<-a.done
	_ = os.Remove(a.path)
	for _, p := range a.pointers {
		_ = os.Remove(p)
	}
}

// Status is the host's status, as the admin endpoint serves it.
func (h *Host) Status() AdminStatus {
	d := h.cfg.Deployment
	return AdminStatus{Deployment: d.Name, Mode: string(d.Mode), Authority: h.authority.String(),
		PID: os.Getpid(), Started: h.started, Plugins: h.Plugins()}
}

func (h *Host) handleStatus(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(h.Status())
}

func (h *Host) handleReset(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), h.cfg.StartTimeout)
	defer cancel()
	if err := h.Reset(ctx, r.PathValue("name")); err != nil {
		http.Error(w, err.Error(), http.StatusConflict)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// AdminClient talks to a running host's admin endpoint.
type AdminClient struct {
	http *http.Client
}

// DialAdmin returns a client for the admin socket at path.
func DialAdmin(path string) *AdminClient {
	return &AdminClient{http: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		}}}}
}

// FindAdmin returns the admin socket of the host running a deployment
// whose state directory is stateDir; with stateDir empty, of the only host
// this user runs. It says what to do when there is none or several.
func FindAdmin(stateDir string) (string, error) {
	if stateDir != "" {
		b, err := os.ReadFile(filepath.Join(stateDir, AdminAddrFile))
		if err != nil {
			return "", fmt.Errorf("no running host found for this deployment (%v): start it with `aura-host run`", err)
		}
		return string(trimNewline(b)), nil
	}
	pointers, _ := filepath.Glob(filepath.Join(socketRoot(), "*", AdminAddrFile))
	var live []string
	for _, p := range pointers {
		b, err := os.ReadFile(p)
		if err == nil {
			live = append(live, string(trimNewline(b)))
		}
	}
	switch len(live) {
	case 0:
		return "", errors.New("no running aura-host found: start one with `aura-host run FILE`")
	case 1:
		return live[0], nil
	}
	return "", fmt.Errorf("%d hosts are running; name the deployment file to pick one", len(live))
}

func trimNewline(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// Status fetches the host's status.
func (c *AdminClient) Status(ctx context.Context) (AdminStatus, error) {
	var st AdminStatus
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://aura-host/v1/status", nil)
	if err != nil {
		return st, err
	}
	res, err := c.http.Do(req)
	if err != nil {
		return st, fmt.Errorf("reach the host's admin endpoint: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return st, fmt.Errorf("admin endpoint answered %s", res.Status)
	}
	return st, json.NewDecoder(res.Body).Decode(&st)
}

// Reset asks the host to reset a failed plugin.
func (c *AdminClient) Reset(ctx context.Context, plugin string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://aura-host/v1/plugins/"+plugin+"/reset", nil)
	if err != nil {
		return err
	}
	res, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("reach the host's admin endpoint: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusNoContent {
		var msg [512]byte
		n, _ := res.Body.Read(msg[:])
		return fmt.Errorf("reset %s: %s", plugin, string(trimNewline(msg[:n])))
	}
	return nil
}

package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/aurahost/aura-host/host/owned"
	"github.com/aurahost/aura-host/host/supervise"
)

// Client talks to a running host's admin endpoint.
type Client struct {
	http *http.Client
}

// Dial returns a client for the admin socket at path. Before every
// connection it checks that the socket and its directory belong to the
// running user and that no other user can write them (CheckSocket): a
// socket another user could have put there is refused with an
// *UnsafePathError, and nothing is sent to it.
func Dial(path string) *Client {
	return &Client{http: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			if err := CheckSocket(path); err != nil {
				return nil, err
			}
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		}}}}
}

// UnsafePathError reports a state directory, address file or socket
// another user could have written or replaced; see owned.UnsafePathError.
type UnsafePathError = owned.UnsafePathError

// CheckSocket checks an admin socket before anything connects to it: a
// socket owned by the running user, not writable by group or others, in a
// directory owned by the running user that group and others cannot write
// (and every directory above it safe). It returns an *UnsafePathError
// otherwise.
func CheckSocket(path string) error {
	if err := owned.Dir(filepath.Dir(path), "admin socket directory"); err != nil {
		return err
	}
	return owned.File(path, "admin socket", fs.ModeSocket)
}

// FindRunning is the client of the host serving deployment from stateDir
// (Find), with its status, if one runs there; ok is false when none does:
// no address, no answer, or an answer from another deployment (a stale
// address left by a host that was killed).
func FindRunning(ctx context.Context, stateDir, deployment string) (c *Client, st Status, ok bool) {
	sock, err := Find(stateDir)
	if err != nil {
		return nil, Status{}, false
	}
	c = Dial(sock)
	st, err = c.Status(ctx)
	if err != nil || st.Deployment != deployment {
		return nil, Status{}, false
	}
	return c, st, true
}

// Find returns the admin socket of the host running a deployment
// whose state directory is stateDir; with stateDir empty, of the only host
// this user runs. It says what to do when there is none or several. The
// state directory (or the socket root), the address file and the socket it
// names must belong to the running user and be writable by no one else; if
// not, Find returns an *UnsafePathError and connects to nothing.
func Find(stateDir string) (string, error) {
	if stateDir != "" {
		if _, err := os.Lstat(stateDir); errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("no running host found for this deployment (%v): start it with `aura-host run`", err)
		}
		if err := owned.Dir(stateDir, "state directory"); err != nil {
			return "", err
		}
		pointer := filepath.Join(stateDir, AddrFile)
		sock, err := readPointer(pointer)
		if errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("no running host found for this deployment (%v): start it with `aura-host run`", err)
		}
		if err != nil {
			return "", err
		}
		if err := CheckSocket(sock); err != nil {
			return "", err
		}
		if removeStale(sock, pointer) {
			return "", fmt.Errorf("no running host found for this deployment: the host that served it from %s is gone "+
				"(killed?) and left its admin socket behind, which no longer answers; the stale admin files were removed. "+
				"Start it again with `aura-host run`", stateDir)
		}
		return sock, nil
	}
	root := supervise.SocketRoot()
	if _, err := os.Lstat(root); errors.Is(err, os.ErrNotExist) {
		return "", errors.New("no running aura-host found: start one with `aura-host run FILE`")
	}
	if err := owned.PrivateDir(root); err != nil {
		return "", err
	}
	pointers, _ := filepath.Glob(filepath.Join(root, "*", AddrFile))
	var live []string
	for _, p := range pointers {
		sock, err := readPointer(p)
		switch {
		case errors.Is(err, os.ErrNotExist): // the host is stopping
		case err != nil:
			return "", err
		case CheckSocket(sock) == nil && removeStale(sock, p): // a killed host's
		default:
			live = append(live, sock)
		}
	}
	switch len(live) {
	case 0:
		return "", errors.New("no running aura-host found: start one with `aura-host run FILE`")
	case 1:
		return live[0], CheckSocket(live[0])
	}
	return "", fmt.Errorf("%d hosts are running; name the deployment file to pick one", len(live))
}

// removeStale removes an admin socket nobody listens on any more (a host
// that was killed cannot remove its own), with the address file that
// named it, and reports whether it did. A socket that refuses connections
// has no listener: a host that is starting writes its address file only
// once it listens.
func removeStale(sock, pointer string) bool {
	conn, err := net.DialTimeout("unix", sock, time.Second)
	if err == nil {
		conn.Close()
		return false
	}
	if !errors.Is(err, syscall.ECONNREFUSED) && !errors.Is(err, os.ErrNotExist) {
		return false // busy, or slow: not proof that nobody listens
	}
	_ = os.Remove(sock)
	_ = os.Remove(pointer)
	return true
}

// readPointer reads an admin address file after checking it.
func readPointer(path string) (string, error) {
	if err := owned.File(path, "admin address file", 0); err != nil {
		return "", err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return string(trimNewline(b)), nil
}

func trimNewline(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// Status fetches the host's status.
func (c *Client) Status(ctx context.Context) (Status, error) {
	var st Status
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
func (c *Client) Reset(ctx context.Context, plugin string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://aura-host/v1/plugins/"+url.PathEscape(plugin)+"/reset", nil)
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

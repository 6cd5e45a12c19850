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
	"time"

	"github.com/aurahost/aura-host/host/supervise"
)

// Client talks to a running host's admin endpoint.
type Client struct {
	http *http.Client
}

// Dial returns a client for the admin socket at path.
func Dial(path string) *Client {
	return &Client{http: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		}}}}
}

// Find returns the admin socket of the host running a deployment
// whose state directory is stateDir; with stateDir empty, of the only host
// this user runs. It says what to do when there is none or several.
func Find(stateDir string) (string, error) {
	if stateDir != "" {
		b, err := os.ReadFile(filepath.Join(stateDir, AddrFile))
		if err != nil {
			return "", fmt.Errorf("no running host found for this deployment (%v): start it with `aura-host run`", err)
		}
		return string(trimNewline(b)), nil
	}
	pointers, _ := filepath.Glob(filepath.Join(supervise.SocketRoot(), "*", AddrFile))
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

package sdk

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"slices"
	"time"

	"github.com/aurahost/aura-host/sdk/internal/frame"
	pb "github.com/aurahost/aura-host/sdk/internal/proto/aura/plugin/v1"
	"github.com/aurahost/aura-host/sdk/internal/wire"
)

// DataPlaneError is a data plane a plugin declared but could not open: it
// refused OpenDataPlane, named a socket outside the host's directory, never
// accepted, or did not answer the authentication frame. The plugin is
// broken; the host does not fall back to InvokeStream, because a plugin
// that lies about one capability cannot be trusted with the rest.
type DataPlaneError struct {
	Plugin string
	Step   string // what failed, e.g. "connect to its socket"
	Err    error
}

func (e *DataPlaneError) Error() string {
	return fmt.Sprintf("plugin %s declared %s but its data plane failed: %s: %v", e.Plugin, DataPlaneCapability, e.Step, e.Err)
}

func (e *DataPlaneError) Unwrap() error { return e.Err }

// dataPlaneHandshakeTimeout bounds connecting and authenticating when ctx
// has no earlier deadline: a plugin that never accepts is a launch error,
// not a hang.
const dataPlaneHandshakeTimeout = 5 * time.Second

// OffersDataPlane reports whether the plugin listed DataPlaneCapability in
// its last Describe.
func (c *Client) OffersDataPlane() bool {
	return slices.Contains(c.capabilities, DataPlaneCapability)
}

// OpenDataPlane asks the plugin to listen on a socket in dir (which the
// caller made, private to its user), connects, authenticates with a fresh
// random token, and returns a Stream over the connection: the same calls,
// deadlines and cancellation as OpenStream's, over length-prefixed frames
// with no sender goroutine. Every wait is bounded by ctx and by
// dataPlaneHandshakeTimeout; a failure is a *DataPlaneError.
func (c *Client) OpenDataPlane(ctx context.Context, dir string) (*Stream, error) {
	ctx, cancel := context.WithTimeout(ctx, dataPlaneHandshakeTimeout)
	defer cancel()
	token := make([]byte, dataPlaneTokenBytes)
	_, _ = rand.Read(token) // never fails (crypto/rand panics instead)
	res, err := c.plugin.OpenDataPlane(ctx, &pb.OpenDataPlaneRequest{Dir: dir, Token: token})
	if err != nil {
		return nil, &DataPlaneError{Plugin: c.name, Step: "OpenDataPlane", Err: transportError(ctx, err, "", c.name)}
	}
	path := res.GetPath()
	if filepath.Dir(path) != filepath.Clean(dir) || filepath.Base(path) == "." {
		return nil, &DataPlaneError{Plugin: c.name, Step: "check the socket path",
			Err: fmt.Errorf("%q is not a file directly inside %s, the directory the host gave it", path, dir)}
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return nil, &DataPlaneError{Plugin: c.name, Step: "connect to its socket", Err: err}
	}
	if err := authenticate(ctx, conn, token); err != nil {
		_ = conn.Close()
		return nil, &DataPlaneError{Plugin: c.name, Step: "authenticate", Err: err}
	}
	t := &dataPlaneClient{conn: conn, w: frame.NewWriter(conn), r: frame.NewReader(conn)}
	return c.newStream(nil, t, func() { _ = conn.Close() }), nil
}

// authenticate sends the magic and the token and waits for the plugin to
// echo the magic, within ctx's deadline.
func authenticate(ctx context.Context, conn net.Conn, token []byte) error {
	dl, _ := ctx.Deadline()
	_ = conn.SetDeadline(dl)
	if _, err := conn.Write(append([]byte(dataPlaneMagic), token...)); err != nil {
		return err
	}
	ack := make([]byte, len(dataPlaneMagic))
	if _, err := io.ReadFull(conn, ack); err != nil {
		return fmt.Errorf("no answer to the authentication frame: %w", err)
	}
	if subtle.ConstantTimeCompare(ack, []byte(dataPlaneMagic)) != 1 {
		return fmt.Errorf("answered the authentication frame with %q, not %q", ack, dataPlaneMagic)
	}
	return conn.SetDeadline(time.Time{})
}

// dataPlaneClient is the host's end of a data-plane connection: any
// goroutine may write to w (frame.Writer batches them); one goroutine at a
// time, the Stream's reader (see client_reader.go), calls Recv.
type dataPlaneClient struct {
	conn net.Conn
	w    *frame.Writer
	r    *frame.Reader
}

// Recv reads and decodes the next result frame. After interrupt it fails
// with a timeout (a net.Error) until resume; the frame it was reading is
// kept.
func (d *dataPlaneClient) Recv() ([]wire.Result, error) {
	body, err := d.r.Next()
	if err != nil {
		return nil, err
	}
	results, err := wire.DecodeResultFrame(body, nil)
	if err != nil {
		return nil, fmt.Errorf("malformed data-plane frame (%d bytes): %w", len(body), err)
	}
	return results, nil
}

// interrupt makes a Recv blocked now, or the next one, return a timeout.
func (d *dataPlaneClient) interrupt() { _ = d.conn.SetReadDeadline(time.Unix(1, 0)) }

// resume undoes interrupt.
func (d *dataPlaneClient) resume() { _ = d.conn.SetReadDeadline(time.Time{}) }

package sdk

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk/internal/frame"
	pb "github.com/aurahost/aura-host/sdk/internal/proto/aura/plugin/v1"
	"github.com/aurahost/aura-host/sdk/internal/wire"
)

// dataPlaneAcceptTimeout bounds how long a plugin waits for the host to
// connect and authenticate after OpenDataPlane; then it closes and unlinks
// the listener.
const dataPlaneAcceptTimeout = 10 * time.Second

// OpenDataPlane listens on a socket in the host's private directory for
// the host's one connection (sdk/PROTOCOL.md §5.10). It returns at once;
// accepting, authenticating and serving run in the background.
func (s *server) OpenDataPlane(_ context.Context, req *pb.OpenDataPlaneRequest) (*pb.OpenDataPlaneResponse, error) {
	if !s.dataPlane {
		return nil, status.Error(codes.Unimplemented, "this plugin does not offer "+DataPlaneCapability)
	}
	if len(req.GetToken()) != dataPlaneTokenBytes {
		return nil, status.Errorf(codes.InvalidArgument, "the token is %d bytes; it must be %d", len(req.GetToken()), dataPlaneTokenBytes)
	}
	dir := req.GetDir()
	if err := checkPrivateDir(dir); err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	s.mu.Lock()
	configured, opened := s.configured, s.dataPlaneOpened
	if configured && !opened {
		s.dataPlaneOpened = true
	}
	s.mu.Unlock()
	switch {
	case !configured:
		return nil, status.Error(codes.FailedPrecondition, "OpenDataPlane before Configure: configure the plugin first")
	case opened:
		return nil, status.Error(codes.FailedPrecondition, "the data plane was already opened; a plugin process has one")
	}
	path := filepath.Join(dir, dataPlaneSocketName)
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, status.Errorf(codes.Internal, "listen on %s: %v", path, err)
	}
	l.SetUnlinkOnClose(true)
	if err := os.Chmod(path, 0o600); err != nil {
		_ = l.Close()
		return nil, status.Errorf(codes.Internal, "restrict %s to its owner: %v", path, err)
	}
	go s.acceptDataPlane(l, req.GetToken())
	return &pb.OpenDataPlaneResponse{Path: path}, nil
}

// checkPrivateDir checks that dir is an absolute path to a directory this
// user owns that no one else may enter: only then can no other local
// user reach the socket made in it.
func checkPrivateDir(dir string) error {
	if !filepath.IsAbs(dir) {
		return fmt.Errorf("data-plane directory %q is not an absolute path", dir)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("data-plane directory: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("data-plane directory %s is not a directory", dir)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("data-plane directory %s has mode %v; other users could reach a socket in it (it must be 0700)", dir, fi.Mode().Perm())
	}
	return checkOwner(fi)
}

// acceptDataPlane waits, within dataPlaneAcceptTimeout, for a connection
// from the host process that authenticates with token, then closes and
// unlinks the listener and serves that one connection. Connections from
// any other process, or with a wrong token, are closed and logged.
func (s *server) acceptDataPlane(l *net.UnixListener, token []byte) {
	_ = l.SetDeadline(time.Now().Add(dataPlaneAcceptTimeout))
	for {
		conn, err := l.AcceptUnix()
		if err != nil {
			_ = l.Close()
			s.logger.Error("the host never opened the data plane; calls reach this plugin over InvokeStream only", "error", err)
			return
		}
		if err := admitHost(conn, token); err != nil {
			s.logger.Warn("refused a data-plane connection", "error", err)
			_ = conn.Close()
			continue
		}
		_ = l.Close() // one connection: no one else can join it
		s.serveDataPlane(conn)
		return
	}
}

// admitHost checks a connection: the peer is the host process (on Linux,
// by the kernel's peer credentials), and its first bytes are the magic
// and the token (compared in constant time). It answers the magic.
func admitHost(conn *net.UnixConn, token []byte) error {
	if err := checkPeer(conn, hostPID()); err != nil {
		return err
	}
	_ = conn.SetDeadline(time.Now().Add(dataPlaneHandshakeTimeout))
	got := make([]byte, len(dataPlaneMagic)+dataPlaneTokenBytes)
	if _, err := io.ReadFull(conn, got); err != nil {
		return fmt.Errorf("read the authentication frame: %w", err)
	}
	want := append([]byte(dataPlaneMagic), token...)
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return errors.New("the authentication frame does not carry the host's token")
	}
	if _, err := conn.Write([]byte(dataPlaneMagic)); err != nil {
		return err
	}
	return conn.SetDeadline(time.Time{})
}

// hostPID is the process the plugin takes for its host: the one the host
// names in HostPIDEnv, else the parent.
func hostPID() int {
	if pid, err := strconv.Atoi(os.Getenv(HostPIDEnv)); err == nil && pid > 0 {
		return pid
	}
	return os.Getppid()
}

// errDataPlaneClosed is the host closing the data plane: the usual end.
var errDataPlaneClosed = errors.New("the host closed the data plane")

// sendResult encodes call id's result (sdk/internal/wire) and sends it on
// w: a result too large for one frame is replaced by an error, so that one
// oversized answer fails its call instead of the connection.
func sendResult(w *frame.Writer, id uint64, v effects.Value, err error) error {
	bp := frame.Buffer()
	defer frame.PutBuffer(bp)
	buf := appendResult(*bp, id, v, err)
	if n := len(buf) - frame.HeaderBytes; n > MaxMessageBytes-frameOverhead {
		buf = appendResult((*bp)[:frame.HeaderBytes], id, effects.Value{}, effects.Errorf(effects.CodeInternal,
			"result is %d bytes; a result may be at most %d", n, MaxMessageBytes-frameOverhead))
	}
	*bp = buf
	return w.Send(buf)
}

// dataPlaneBatch lets the reader batch the frames that have arrived and
// cork their results (see batcher).
type dataPlaneBatch struct {
	r *frame.Reader
	w *frame.Writer
}

func (b dataPlaneBatch) more() bool { return b.r.Buffered() }
func (b dataPlaneBatch) cork()      { b.w.Cork() }
func (b dataPlaneBatch) uncork()    { b.w.Uncork() }

// serveDataPlane serves calls on the authenticated connection until it
// ends. Results are written by the handlers' goroutines themselves
// through the coalescing frame.Writer; a write that fails closes the
// connection, which ends the reader and cancels every call in flight.
// The plugin's process stays up: the host sees the connection end and
// replaces it.
func (s *server) serveDataPlane(conn net.Conn) {
	ctx, cancelAll := context.WithCancel(context.Background())
	defer cancelAll()
	w, r := frame.NewWriter(conn), frame.NewReader(conn)
	calls := newInflight()
	// A result yields to others only while other calls run: their
	// results may join its write.
	w.Crowded = func() bool { return calls.count.Load() > 0 }
	deliver := func(id uint64, v effects.Value, err error) {
		if err := sendResult(w, id, v, err); err != nil {
			_ = conn.Close()
		}
	}
	recv := func() (callFrame, error) {
		body, err := r.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				// Unlike a half-closed stream, a closed data plane
				// cancels the calls in flight: nobody will read them.
				err = errDataPlaneClosed
			}
			return callFrame{}, err
		}
		calls, cancel, err := wire.DecodeInvokeFrame(body, nil, nil)
		if err != nil {
			return callFrame{}, fmt.Errorf("malformed data-plane frame (%d bytes): %w", len(body), err)
		}
		return callFrame{calls: calls, cancel: cancel}, nil
	}
	err := s.serveFrames(ctx, cancelAll, calls, recv, deliver, dataPlaneBatch{r, w})
	_ = conn.Close()
	if !errors.Is(err, errDataPlaneClosed) && !errors.Is(err, net.ErrClosed) {
		s.logger.Error("data plane closed", "error", err)
	}
}

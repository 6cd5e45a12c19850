package sdk

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk/internal/frame"
	pb "github.com/aurahost/aura-host/sdk/internal/proto/aura/plugin/v1"
)

// grpcClient serves srv over a real gRPC connection on a unix socket and
// returns the host's Client of it.
func grpcClient(t *testing.T, srv pb.PluginServer) *Client {
	t.Helper()
	lis, err := net.Listen("unix", filepath.Join(t.TempDir(), "plugin.sock"))
	if err != nil {
		t.Fatal(err)
	}
	g := grpc.NewServer()
	pb.RegisterPluginServer(g, srv)
	go func() { _ = g.Serve(lis) }()
	t.Cleanup(g.Stop)
	conn, err := grpc.NewClient("unix://"+lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	c := newClient(conn, nil)
	c.name = "dp"
	return c
}

// dataPlaneAuthority is the authority the test server is configured for.
var dataPlaneAuthority = effects.DeriveAuthorityID("dataplane-test", 0)

// waitStarted receives a value whenever a t.wait call starts in a
// servedPlugin (tests using it do not run in parallel with each other).
var waitStarted = make(chan struct{}, 16)

// servedPlugin is a real plugin server offering the data plane,
// configured for dataPlaneAuthority; ended receives the error of every
// t.wait call when its context ends.
func servedPlugin(t *testing.T) (*server, chan error) {
	t.Helper()
	ended := make(chan error, 16)
	var cfg Configuration
	p := localTestPlugin(&cfg)
	for i := range p.Operations {
		if p.Operations[i].Spec.ID == "t.wait" {
			p.Operations[i].Handle = func(ctx context.Context, _ *Call) (Value, error) {
				waitStarted <- struct{}{}
				<-ctx.Done()
				ended <- ctx.Err()
				return Null(), ctx.Err()
			}
		}
	}
	s := newServer(p, nil, hclog.NewNullLogger(), true)
	if diags := s.configure(context.Background(), ConfigureRequest{Config: Map(map[string]Value{"n": Int(1)}), Mode: effects.Testing,
		Authority: dataPlaneAuthority}, nil); len(diags) > 0 {
		t.Fatalf("configure: %v", diags)
	}
	return s, ended
}

// privateDir is a fresh 0700 directory, as the host makes one per plugin
// instance.
func privateDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "dp-test.")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

// openServed describes and opens the data plane of a real served plugin.
func openServed(t *testing.T) (*Stream, *Client, chan error) {
	t.Helper()
	s, ended := servedPlugin(t)
	c := grpcClient(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.Describe(ctx); err != nil {
		t.Fatal(err)
	}
	if !c.OffersDataPlane() {
		t.Fatalf("Describe did not list %s", DataPlaneCapability)
	}
	st, err := c.OpenDataPlane(ctx, privateDir(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	return st, c, ended
}

func echoCall(authority effects.AuthorityID) *effects.Call {
	return &effects.Call{Op: "t.echo", Authority: authority, Args: Map(map[string]Value{"v": String("hi")})}
}

// The data plane serves calls through the server's one dispatch, exactly
// as the stream does: values come back, a call for another authority is
// denied, many concurrent calls are each answered with their own result.
func TestDataPlaneServesCallsLikeTheStream(t *testing.T) {
	t.Parallel()
	st, _, _ := openServed(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	v, err := st.Invoke(ctx, echoCall(dataPlaneAuthority))
	if err != nil || !v.Equal(String("hi")) {
		t.Fatalf("echo: %v, %v", v, err)
	}
	_, err = st.Invoke(ctx, echoCall(effects.DeriveAuthorityID("someone-else", 0)))
	if !errors.Is(err, effects.ErrDenied) {
		t.Fatalf("call for another authority: %v, want denied", err)
	}
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Go(func() {
			want := Int(int64(i))
			v, err := st.Invoke(ctx, &effects.Call{Op: "t.echo", Args: Map(map[string]Value{"v": want})})
			if err != nil || !v.Equal(want) {
				t.Errorf("caller %d: %v, %v", i, v, err)
			}
		})
	}
	wg.Wait()
}

// A call's deadline is kept by the host's timer, and the plugin's handler
// sees its context end; a caller that gives up cancels the call in the
// plugin too.
func TestDataPlaneDeadlineAndCancellationReachTheHandler(t *testing.T) {
	t.Parallel()
	st, _, ended := openServed(t)
	_, err := st.InvokeWithDeadline(context.Background(), &effects.Call{Op: "t.wait"}, time.Now().Add(50*time.Millisecond))
	if !errors.Is(err, effects.ErrTimeout) {
		t.Fatalf("past its deadline: %v, want timeout", err)
	}
	<-waitStarted
	if got := <-ended; !errors.Is(got, context.DeadlineExceeded) {
		t.Fatalf("handler's context ended with %v, want deadline exceeded", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := st.Invoke(ctx, &effects.Call{Op: "t.wait"})
		done <- err
	}()
	<-waitStarted // cancel once the handler runs
	cancel()
	if err := <-done; !errors.Is(err, effects.ErrCancelled) {
		t.Fatalf("cancelled call: %v, want cancelled", err)
	}
	if got := <-ended; !errors.Is(got, context.Canceled) {
		t.Fatalf("handler's context ended with %v, want cancelled (the cancel list reached the plugin)", got)
	}

	// The host closing the data plane cancels what is still running.
	go func() {
		_, err := st.Invoke(context.Background(), &effects.Call{Op: "t.wait"})
		done <- err
	}()
	<-waitStarted
	st.Close()
	if err := <-done; !errors.Is(err, effects.ErrUnavailable) {
		t.Fatalf("call in flight when the host closed: %v, want unavailable", err)
	}
	if got := <-ended; !errors.Is(got, context.Canceled) {
		t.Fatalf("handler's context ended with %v, want cancelled by the closed connection", got)
	}
}

// The socket admits one connection, the host's: a process that reached it
// without the token is closed on, the socket is unlinked once the host is
// in, and a second OpenDataPlane is refused.
func TestDataPlaneSocketAdmitsOnlyTheHost(t *testing.T) {
	t.Parallel()
	s, _ := servedPlugin(t)
	c := grpcClient(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	token := make([]byte, dataPlaneTokenBytes)
	token[0] = 1
	res, err := c.plugin.OpenDataPlane(ctx, &pb.OpenDataPlaneRequest{Dir: privateDir(t), Token: token})
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(res.GetPath()); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket %s: %v, %v; want mode 0600", res.GetPath(), fi, err)
	}
	intruder, err := net.Dial("unix", res.GetPath())
	if err != nil {
		t.Fatal(err)
	}
	wrong := append([]byte(dataPlaneMagic), make([]byte, dataPlaneTokenBytes)...)
	_, _ = intruder.Write(wrong)
	if _, err := io.ReadFull(intruder, make([]byte, len(dataPlaneMagic))); err == nil {
		t.Fatal("a connection with the wrong token was answered")
	}
	conn, err := net.Dial("unix", res.GetPath())
	if err != nil {
		t.Fatalf("the host could not connect after an intruder was refused: %v", err)
	}
	defer conn.Close()
	if err := authenticate(ctx, conn, token); err != nil {
		t.Fatalf("the host's token was refused: %v", err)
	}
	if _, err := os.Stat(res.GetPath()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("socket still there once the host is in: %v", err)
	}
	_, err = c.plugin.OpenDataPlane(ctx, &pb.OpenDataPlaneRequest{Dir: privateDir(t), Token: token})
	if status.Code(err) != codes.FailedPrecondition {
		t.Fatalf("second OpenDataPlane: %v, want FailedPrecondition", err)
	}
}

// A plugin refuses to listen in a directory other users can enter.
func TestDataPlaneRefusesADirectoryOthersCanEnter(t *testing.T) {
	t.Parallel()
	s, _ := servedPlugin(t)
	c := grpcClient(t, s)
	dir := privateDir(t)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := c.OpenDataPlane(context.Background(), dir)
	var de *DataPlaneError
	if !errors.As(err, &de) || !strings.Contains(err.Error(), "0700") {
		t.Fatalf("open in a 0755 directory: %v, want a DataPlaneError naming 0700", err)
	}
}

// A frame longer than the limit is a protocol violation: the plugin
// closes the connection before reading its body.
func TestPluginClosesOnAnOversizedFrame(t *testing.T) {
	t.Parallel()
	s, _ := servedPlugin(t)
	c := grpcClient(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	token := make([]byte, dataPlaneTokenBytes)
	res, err := c.plugin.OpenDataPlane(ctx, &pb.OpenDataPlaneRequest{Dir: privateDir(t), Token: token})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("unix", res.GetPath())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := authenticate(ctx, conn, token); err != nil {
		t.Fatal(err)
	}
	var hdr [frame.HeaderBytes]byte
	binary.BigEndian.PutUint32(hdr[:], MaxMessageBytes+1)
	if _, err := conn.Write(hdr[:]); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := conn.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Fatalf("after an oversized frame the plugin sent %d bytes, %v; want the connection closed", n, err)
	}
}

// hostilePlugin declares the data plane and answers OpenDataPlane as open
// says.
type hostilePlugin struct {
	pb.UnimplementedPluginServer
	open func(req *pb.OpenDataPlaneRequest) (*pb.OpenDataPlaneResponse, error)
}

func (h *hostilePlugin) Describe(context.Context, *pb.DescribeRequest) (*pb.DescribeResponse, error) {
	return &pb.DescribeResponse{Name: "dp", Version: "1.0.0", Kind: pb.PluginKind_PLUGIN_KIND_HANDLER, Capabilities: []string{DataPlaneCapability}}, nil
}

func (h *hostilePlugin) OpenDataPlane(_ context.Context, req *pb.OpenDataPlaneRequest) (*pb.OpenDataPlaneResponse, error) {
	return h.open(req)
}

// fakeDataPlane listens where the host asked, admits the first connection
// without checks, answers the magic, and hands it to serve.
func fakeDataPlane(t *testing.T, serve func(conn net.Conn)) func(*pb.OpenDataPlaneRequest) (*pb.OpenDataPlaneResponse, error) {
	return func(req *pb.OpenDataPlaneRequest) (*pb.OpenDataPlaneResponse, error) {
		path := filepath.Join(req.GetDir(), "fake.sock")
		l, err := net.Listen("unix", path)
		if err != nil {
			return nil, err
		}
		go func() {
			defer l.Close()
			conn, err := l.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { conn.Close() })
			if _, err := io.ReadFull(conn, make([]byte, len(dataPlaneMagic)+dataPlaneTokenBytes)); err != nil {
				return
			}
			if _, err := conn.Write([]byte(dataPlaneMagic)); err != nil {
				return
			}
			serve(conn)
		}()
		return &pb.OpenDataPlaneResponse{Path: path}, nil
	}
}

// A plugin that declares the data plane and then fails to open it is a
// *DataPlaneError saying which step failed, within the bound — never a
// hang.
func TestHostilePluginsFailToOpenTheDataPlane(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		open func(req *pb.OpenDataPlaneRequest) (*pb.OpenDataPlaneResponse, error)
		step string
	}{
		{"refuses", func(*pb.OpenDataPlaneRequest) (*pb.OpenDataPlaneResponse, error) {
			return nil, status.Error(codes.Unimplemented, "no")
		}, "OpenDataPlane"},
		{"names a socket elsewhere", func(*pb.OpenDataPlaneRequest) (*pb.OpenDataPlaneResponse, error) {
			return &pb.OpenDataPlaneResponse{Path: "/run/docker.sock"}, nil
		}, "check the socket path"},
		{"escapes the directory", func(req *pb.OpenDataPlaneRequest) (*pb.OpenDataPlaneResponse, error) {
			return &pb.OpenDataPlaneResponse{Path: req.GetDir() + "/../x.sock"}, nil
		}, "check the socket path"},
		{"never listens", func(req *pb.OpenDataPlaneRequest) (*pb.OpenDataPlaneResponse, error) {
			return &pb.OpenDataPlaneResponse{Path: filepath.Join(req.GetDir(), "none.sock")}, nil
		}, "connect to its socket"},
		{"never answers the token", func(req *pb.OpenDataPlaneRequest) (*pb.OpenDataPlaneResponse, error) {
			path := filepath.Join(req.GetDir(), "mute.sock")
			l, err := net.Listen("unix", path) // the kernel accepts; nobody reads
			if err != nil {
				return nil, err
			}
			t.Cleanup(func() { l.Close() })
			return &pb.OpenDataPlaneResponse{Path: path}, nil
		}, "authenticate"},
		{"answers the wrong magic", fakeDataPlaneAnswering(t, "NOTAURA!"), "authenticate"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := grpcClient(t, &hostilePlugin{open: tc.open})
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			_, err := c.OpenDataPlane(ctx, privateDir(t))
			var de *DataPlaneError
			if !errors.As(err, &de) || de.Step != tc.step || de.Plugin != "dp" {
				t.Fatalf("got %v, want a DataPlaneError at step %q", err, tc.step)
			}
		})
	}
}

// fakeDataPlaneAnswering is a plugin that answers the authentication frame
// with ack instead of the magic.
func fakeDataPlaneAnswering(t *testing.T, ack string) func(*pb.OpenDataPlaneRequest) (*pb.OpenDataPlaneResponse, error) {
	return func(req *pb.OpenDataPlaneRequest) (*pb.OpenDataPlaneResponse, error) {
		path := filepath.Join(req.GetDir(), "liar.sock")
		l, err := net.Listen("unix", path)
		if err != nil {
			return nil, err
		}
		go func() {
			defer l.Close()
			conn, err := l.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { conn.Close() })
			_, _ = io.ReadFull(conn, make([]byte, len(dataPlaneMagic)+dataPlaneTokenBytes))
			_, _ = conn.Write([]byte(ack))
		}()
		return &pb.OpenDataPlaneResponse{Path: path}, nil
	}
}

// A plugin that breaks the framing once open — garbage, a length over the
// limit, or the connection dropped (a crash) — fails every call in flight
// with a retryable unavailable error and ends the stream (Done), which is
// what the supervisor restarts on.
func TestHostilePluginsBreakTheOpenDataPlane(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		serve func(conn net.Conn)
	}{
		{"garbage", func(conn net.Conn) {
			readFrame(conn)
			_, _ = conn.Write([]byte{0, 0, 0, 5, 0xff, 0xff, 0xff, 0xff, 0xff})
		}},
		{"oversized frame", func(conn net.Conn) {
			readFrame(conn)
			_, _ = conn.Write([]byte{0xff, 0xff, 0xff, 0xff})
		}},
		{"crash", func(conn net.Conn) {
			readFrame(conn)
			_ = conn.Close()
		}},
		{"stops inside a frame", func(conn net.Conn) {
			readFrame(conn)
			_, _ = conn.Write([]byte{0, 0, 0, 100, 1})
			_ = conn.Close()
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := grpcClient(t, &hostilePlugin{open: fakeDataPlane(t, tc.serve)})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			st, err := c.OpenDataPlane(ctx, privateDir(t))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			_, err = st.Invoke(ctx, echoCall(effects.AuthorityID{}))
			var e *effects.Error
			if !errors.As(err, &e) || e.Code != effects.CodeUnavailable || !e.Retryable {
				t.Fatalf("call in flight: %v, want retryable unavailable", err)
			}
			select {
			case <-st.Done():
			case <-ctx.Done():
				t.Fatal("the stream did not end")
			}
		})
	}
}

// A result for a call_id not in flight is logged and dropped, as on the
// stream; the call it should have answered ends at its deadline.
func TestDataPlaneResultForAWrongCallIDIsDropped(t *testing.T) {
	t.Parallel()
	c := grpcClient(t, &hostilePlugin{open: fakeDataPlane(t, func(conn net.Conn) {
		f := readFrame(conn)
		if f == nil || len(f.GetCalls()) == 0 {
			return
		}
		w := frame.NewWriter(conn)
		_ = w.WriteMessage(&pb.ResultFrame{Results: []*pb.Result{{CallId: f.GetCalls()[0].GetCallId() + 7, Outcome: value(str("misaddressed"))}}})
	})})
	logs := &syncBuffer{}
	c.SetLogger(hclog.New(&hclog.LoggerOptions{Output: logs, Level: hclog.Debug}))
	st, err := c.OpenDataPlane(context.Background(), privateDir(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, err = st.InvokeWithDeadline(context.Background(), echoCall(effects.AuthorityID{}), time.Now().Add(100*time.Millisecond))
	if !errors.Is(err, effects.ErrTimeout) {
		t.Fatalf("misanswered call: %v, want timeout at its deadline", err)
	}
	if out := logs.String(); !strings.Contains(out, "call_id=8") {
		t.Fatalf("log does not name the wrong call_id:\n%s", out)
	}
}

// readFrame reads one InvokeFrame as a plugin would; nil on failure.
func readFrame(conn net.Conn) *pb.InvokeFrame {
	r := frame.NewReader(conn)
	f := &pb.InvokeFrame{}
	if err := r.ReadMessage(f); err != nil {
		return nil
	}
	return f
}

// peerEnv makes the test binary, re-executed, dial a data-plane socket
// with a token (TestHelperDataPlanePeer): another process of the same
// user that somehow holds the token.
const peerEnv = "AURA_SDK_TEST_DATAPLANE_PEER"

// On Linux the plugin checks the connecting process's kernel credentials:
// another process of the same user, even with the right token, is refused.
func TestDataPlaneRefusesAnotherProcessWithTheToken(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/proc/self"); err != nil {
		t.Skip("peer credentials are checked on Linux only")
	}
	s, _ := servedPlugin(t)
	c := grpcClient(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	token := make([]byte, dataPlaneTokenBytes)
	token[5] = 9
	res, err := c.plugin.OpenDataPlane(ctx, &pb.OpenDataPlaneRequest{Dir: privateDir(t), Token: token})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperDataPlanePeer$", "-test.v")
	cmd.Env = append(os.Environ(), peerEnv+"="+res.GetPath())
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "REFUSED") {
		t.Fatalf("the other process was not refused (%v):\n%s", err, out)
	}
	conn, err := net.Dial("unix", res.GetPath())
	if err != nil {
		t.Fatalf("the host could not connect after the other process was refused: %v", err)
	}
	defer conn.Close()
	if err := authenticate(ctx, conn, token); err != nil {
		t.Fatalf("the host was refused: %v", err)
	}
}

// TestHelperDataPlanePeer is the other process of
// TestDataPlaneRefusesAnotherProcessWithTheToken; it does nothing unless
// re-executed by it.
func TestHelperDataPlanePeer(t *testing.T) {
	path := os.Getenv(peerEnv)
	if path == "" {
		t.Skip("run by TestDataPlaneRefusesAnotherProcessWithTheToken")
	}
	conn, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	token := make([]byte, dataPlaneTokenBytes)
	token[5] = 9
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := authenticate(ctx, conn, token); err != nil {
		t.Log("REFUSED:", err)
		return
	}
	t.Log("ADMITTED")
}

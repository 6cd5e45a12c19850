package sdk

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aurahost/aura-host/internal/nodeexample"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/aurahost/aura-host/effects"
	pb "github.com/aurahost/aura-host/sdk/internal/proto/aura/plugin/v1"
)

// The wire contract, exercised call by call against a plugin that is not
// written in Go: examples/node-plugin (Node.js, grpc-js), launched through
// go-plugin as the host launches it. These are the checks of PROTOCOL.md
// that the host's router never lets a plugin see (a malformed call, a call
// before Configure, bad arguments), and the stream's rules.

// launchNode starts the Node plugin through go-plugin and returns the
// contract client and the go-plugin client.
func launchNode(t *testing.T) (*Client, *plugin.Client) {
	t.Helper()
	script := nodeexample.Script(t)
	pc := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  Handshake,
		VersionedPlugins: ClientPlugins(),
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		GRPCDialOptions:  DialOptions(),
		Cmd:              exec.Command("node", script),
		UnixSocketConfig: &plugin.UnixSocketConfig{TempDir: t.TempDir()},
		StartTimeout:     60 * time.Second, // node on a loaded CI machine; see host's nodeStartTimeout
		Logger:           hclog.NewNullLogger(),
		SyncStdout:       io.Discard,
		SyncStderr:       io.Discard,
	})
	t.Cleanup(pc.Kill)
	rpc, err := pc.Client()
	if err != nil {
		t.Fatalf("launch the node plugin: %v", err)
	}
	c, err := Dispense(rpc, "node")
	if err != nil {
		t.Fatal(err)
	}
	return c, pc
}

func wireArgs(t *testing.T, args map[string]effects.Value) *pb.ValueMap {
	t.Helper()
	return mapToProto(effects.Map(args))
}

func wantCode(t *testing.T, what string, r *pb.Result, code effects.Code) {
	t.Helper()
	if got := r.GetError().GetCode(); got != string(code) {
		t.Fatalf("%s: got %v, want a %s error", what, r, code)
	}
}

func TestNodePluginFollowsTheWireContract(t *testing.T) {
	c, pc := launchNode(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	authority := bytes.Repeat([]byte{7}, 16)

	// grpc.health.v1: "plugin" is SERVING.
	if err := c.Ping(ctx); err != nil {
		t.Fatalf("health: %v", err)
	}

	// Describe validates as the host validates it.
	desc, err := c.Describe(ctx)
	if err != nil {
		t.Fatalf("describe: %v", err)
	}
	if desc.Name == "" || desc.Version == "" || len(desc.Ops) < 5 {
		t.Fatalf("describe: %+v", desc)
	}

	// Before Configure every call is unavailable, retryable.
	r, err := c.plugin.Invoke(ctx, &pb.Call{Op: "node.count"})
	if err != nil {
		t.Fatal(err)
	}
	if wantCode(t, "before Configure", r, effects.CodeUnavailable); !r.GetError().GetRetryable() {
		t.Fatalf("before Configure: not retryable: %v", r)
	}

	// A config problem is a diagnostic on the attribute.
	diags, err := c.Configure(ctx, ConfigureRequest{Config: effects.Map(map[string]effects.Value{"greeting": effects.String(" ")}),
		Mode: effects.Testing, Authority: effects.AuthorityID(authority)})
	if err != nil || len(diags) != 1 || !diags[0].Error || strings.Join(diags[0].Path, ".") != "greeting" {
		t.Fatalf("empty greeting: diagnostics %+v, %v", diags, err)
	}
	diags, err = c.Configure(ctx, ConfigureRequest{Config: effects.Map(map[string]effects.Value{"greeting": effects.String("Hi")}),
		Mode: effects.Testing, Authority: effects.AuthorityID(authority)})
	if err != nil || len(diags) != 0 {
		t.Fatalf("configure: %+v, %v", diags, err)
	}

	deep := effects.Int(1)
	for range effects.MaxDepth {
		deep = effects.List(deep)
	}
	unsorted := &pb.ValueMap{Entries: []*pb.MapEntry{
		{Key: "name", Value: &pb.Value{Kind: &pb.Value_String_{String_: "a"}}},
		{Key: "extra", Value: &pb.Value{}},
	}}
	for _, tc := range []struct {
		name string
		call *pb.Call
		code effects.Code
	}{
		{"malformed op", &pb.Call{Op: "Node.Greet"}, effects.CodeInvalidArgs},
		{"authority of 5 bytes", &pb.Call{Op: "node.count", Authority: []byte{1, 2, 3, 4, 5}}, effects.CodeInvalidArgs},
		{"context of 3 bytes", &pb.Call{Op: "node.count", Context: []byte{1, 2, 3}}, effects.CodeInvalidArgs},
		{"another authority", &pb.Call{Op: "node.count", Authority: bytes.Repeat([]byte{8}, 16)}, effects.CodeDenied},
		{"unknown op", &pb.Call{Op: "node.nope", Authority: authority}, effects.CodeUnknownOp},
		{"missing argument", &pb.Call{Op: "node.greet", Authority: authority}, effects.CodeInvalidArgs},
		{"wrong kind", &pb.Call{Op: "node.greet", Args: wireArgs(t, map[string]effects.Value{"name": effects.Int(1)})}, effects.CodeInvalidArgs},
		{"undeclared argument", &pb.Call{Op: "node.greet", Args: wireArgs(t, map[string]effects.Value{"name": effects.String("a"), "x": effects.Null()})}, effects.CodeInvalidArgs},
		{"unsorted map", &pb.Call{Op: "node.greet", Args: unsorted}, effects.CodeInvalidArgs},
		{"too deep", &pb.Call{Op: "node.echo", Args: wireArgs(t, map[string]effects.Value{"value": deep})}, effects.CodeInvalidArgs},
		{"levels past the limit", &pb.Call{Op: "node.nest", Args: wireArgs(t, map[string]effects.Value{"levels": effects.Uint(effects.MaxDepth + 1)})}, effects.CodeInvalidArgs},
		{"unary deadline", &pb.Call{Op: "node.sleep", TimeoutNanos: int64(50 * time.Millisecond),
			Args: wireArgs(t, map[string]effects.Value{"ms": effects.Uint(3_600_000)})}, effects.CodeTimeout},
	} {
		r, err := c.plugin.Invoke(ctx, tc.call)
		if err != nil {
			t.Fatalf("%s: gRPC error %v; errors belong in Result.error", tc.name, err)
		}
		wantCode(t, tc.name, r, tc.code)
	}
	v, err := c.Invoke(ctx, &effects.Call{Op: "node.greet", Args: effects.Map(map[string]effects.Value{"name": effects.String("Ada")})})
	if err != nil || !v.Equal(effects.String("Hi, Ada!")) {
		t.Fatalf("greet: %v, %v", v, err)
	}

	checkNodeStream(ctx, t, c)

	// GRPCController.Shutdown: the plugin answers, then exits by itself.
	if err := c.conn.Invoke(ctx, "/plugin.GRPCController/Shutdown", &emptypb.Empty{}, &emptypb.Empty{}); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	for !pc.Exited() {
		select {
		case <-ctx.Done():
			t.Fatal("the plugin did not exit after Shutdown")
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// checkNodeStream runs the InvokeStream rules: concurrency and any-order
// answers, duplicate IDs, cancel, deadlines, many calls in one frame, and a
// half-close that finishes what is in flight.
func checkNodeStream(ctx context.Context, t *testing.T, c *Client) {
	t.Helper()
	st, err := c.plugin.InvokeStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	recv := func() *pb.Result {
		t.Helper()
		f, err := st.Recv()
		if err != nil {
			t.Fatalf("stream: %v", err)
		}
		if len(f.GetResults()) != 1 {
			t.Fatalf("want one result in the frame, got %v", f)
		}
		return f.GetResults()[0]
	}
	sleep := func(id uint64, ms uint64, timeout time.Duration) *pb.Call {
		return &pb.Call{CallId: id, Op: "node.sleep", TimeoutNanos: int64(timeout),
			Args: wireArgs(t, map[string]effects.Value{"ms": effects.Uint(ms)})}
	}
	greet := &pb.Call{CallId: 2, Op: "node.greet", Args: wireArgs(t, map[string]effects.Value{"name": effects.String("B")})}
	if err := st.Send(&pb.InvokeFrame{Calls: []*pb.Call{sleep(1, 3_600_000, 0), greet}}); err != nil {
		t.Fatal(err)
	}
	if r := recv(); r.GetCallId() != 2 || r.GetValue().GetString_() != "Hi, B!" {
		t.Fatalf("the fast call behind a slow one: %v", r)
	}
	if err := st.Send(&pb.InvokeFrame{Calls: []*pb.Call{sleep(1, 1, 0)}}); err != nil {
		t.Fatal(err)
	}
	if r := recv(); r.GetCallId() != 1 || !strings.Contains(r.GetError().GetMessage(), "already in flight") {
		t.Fatalf("duplicate call id: %v", r)
	}
	if err := st.Send(&pb.InvokeFrame{Cancel: []uint64{1, 99}}); err != nil {
		t.Fatal(err)
	}
	if r := recv(); r.GetCallId() != 1 || r.GetError().GetCode() != string(effects.CodeCancelled) {
		t.Fatalf("cancelled call: %v", r)
	}
	if err := st.Send(&pb.InvokeFrame{Calls: []*pb.Call{sleep(3, 3_600_000, 50*time.Millisecond)}}); err != nil {
		t.Fatal(err)
	}
	if r := recv(); r.GetCallId() != 3 || r.GetError().GetCode() != string(effects.CodeTimeout) {
		t.Fatalf("call past its timeout_nanos: %v", r)
	}

	// A deadline centuries away is no deadline to speak of (JavaScript's
	// timers overflow past 2^31 ms and would fire at once).
	if err := st.Send(&pb.InvokeFrame{Calls: []*pb.Call{sleep(5, 20, time.Duration(math.MaxInt64))}}); err != nil {
		t.Fatal(err)
	}
	if r := recv(); r.GetCallId() != 5 || r.GetValue() == nil {
		t.Fatalf("a call with timeout_nanos = 2^63-1: %v", r)
	}

	// 200 calls in one frame, each answered exactly once.
	frame := &pb.InvokeFrame{}
	for i := range uint64(200) {
		frame.Calls = append(frame.Calls, &pb.Call{CallId: 1000 + i, Op: "node.echo",
			Args: wireArgs(t, map[string]effects.Value{"value": effects.Uint(i)})})
	}
	if err := st.Send(frame); err != nil {
		t.Fatal(err)
	}
	seen := map[uint64]bool{}
	for len(seen) < 200 {
		f, err := st.Recv()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range f.GetResults() {
			id := r.GetCallId()
			if seen[id] || id < 1000 || id >= 1200 || r.GetValue().GetUint() != id-1000 {
				t.Fatalf("result %v: unexpected, or answered twice", r)
			}
			seen[id] = true
		}
	}

	// A half-close cancels nothing: the call in flight is answered, then
	// the stream ends with OK.
	if err := st.Send(&pb.InvokeFrame{Calls: []*pb.Call{sleep(4, 20, 0)}}); err != nil {
		t.Fatal(err)
	}
	if err := st.CloseSend(); err != nil {
		t.Fatal(err)
	}
	if r := recv(); r.GetCallId() != 4 || r.GetValue() == nil {
		t.Fatalf("call in flight at half-close: %v", r)
	}
	if _, err := st.Recv(); !errors.Is(err, io.EOF) {
		t.Fatalf("after the half-close: %v, want the stream to end OK", err)
	}

	// The health service still answers "plugin".
	res, err := healthpb.NewHealthClient(c.conn).Check(ctx, &healthpb.HealthCheckRequest{Service: "plugin"})
	if err != nil || res.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health: %v, %v", res, err)
	}
}

// Started by hand (no magic cookie), the plugin explains itself on stderr,
// prints nothing on stdout and exits 1.
func TestNodePluginStartedByHandExplainsItself(t *testing.T) {
	script := nodeexample.Script(t)
	cmd := exec.Command("node", script)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || stdout.Len() != 0 || !strings.Contains(stderr.String(), "This binary is a plugin") {
		t.Fatalf("exit %v, stdout %q, stderr %q", err, stdout.String(), stderr.String())
	}
}

package sdk

import (
	"bytes"
	"context"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/aurahost/aura-host/effects"
	pb "github.com/aurahost/aura-host/sdk/internal/proto/aura/plugin/v1"
)

// scriptedPlugin is a plugin that answers on its InvokeStream what its
// answer function says for each call it reads, in order, however wrong:
// the host's side of the stream is tested against plugins that break the
// contract.
type scriptedPlugin struct {
	pb.UnimplementedPluginServer
	answer func(call *pb.Call, cancelled []uint64) []*pb.Result
}

func (p *scriptedPlugin) InvokeStream(st pb.Plugin_InvokeStreamServer) error {
	for {
		frame, err := st.Recv()
		if err != nil {
			return nil
		}
		var out []*pb.Result
		for _, c := range frame.GetCalls() {
			out = append(out, p.answer(c, nil)...)
		}
		if len(frame.GetCancel()) > 0 {
			out = append(out, p.answer(nil, frame.GetCancel())...)
		}
		for _, r := range out { // one frame each: the host reads them in order
			if err := st.Send(&pb.ResultFrame{Results: []*pb.Result{r}}); err != nil {
				return err
			}
		}
	}
}

// syncBuffer is a log destination the test reads while the stream writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// scriptedStream serves p over a real gRPC connection on a Unix socket and
// opens the host's Stream to it, logging to the returned buffer.
func scriptedStream(t *testing.T, p *scriptedPlugin) (*Stream, *syncBuffer) {
	t.Helper()
	lis, err := net.Listen("unix", filepath.Join(t.TempDir(), "plugin.sock"))
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	pb.RegisterPluginServer(srv, p)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient("unix://"+lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	logs := &syncBuffer{}
	c := newClient(conn, nil)
	c.name = "scripted"
	c.SetLogger(hclog.New(&hclog.LoggerOptions{Output: logs, Level: hclog.Debug}))
	s, err := c.OpenStream()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s, logs
}

func value(v *pb.Value) *pb.Result_Value { return &pb.Result_Value{Value: v} }

func str(s string) *pb.Value { return &pb.Value{Kind: &pb.Value_String_{String_: s}} }

// A result whose call_id the host never sent (or already answered) is
// logged at warn with the plugin's name and the ID, not dropped silently:
// the call the plugin meant would otherwise wait out its deadline with
// nothing said anywhere.
func TestResultForAnUnknownCallIDIsLogged(t *testing.T) {
	s, logs := scriptedStream(t, &scriptedPlugin{answer: func(c *pb.Call, _ []uint64) []*pb.Result {
		if c == nil {
			return nil
		}
		id := c.GetCallId()
		return []*pb.Result{
			{CallId: id + 1000, Outcome: value(str("misaddressed"))}, // an echo bug
			{CallId: id, Outcome: value(str("right"))},
			{CallId: id, Outcome: value(str("again"))}, // a second answer
		}
	}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	v, err := s.Invoke(ctx, &effects.Call{Op: "x.echo"})
	if err != nil || !v.Equal(effects.String("right")) {
		t.Fatalf("got %v, %v", v, err)
	}
	// The stream reads frames in order: once a second call is answered,
	// the first call's extra answers have been read.
	if _, err := s.Invoke(ctx, &effects.Call{Op: "x.echo"}); err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	for _, want := range []string{"[WARN]", "plugin=scripted", "call_id=1001", "call_id=1 ", "not in flight"} {
		if !strings.Contains(out, want) {
			t.Fatalf("the log lacks %q:\n%s", want, out)
		}
	}
}

// A late answer to a call the host gave up on (its caller cancelled it) is
// what the protocol allows: it is dropped without a warning.
func TestLateAnswerToACancelledCallIsNotWarnedAbout(t *testing.T) {
	cancelled := make(chan struct{})
	s, logs := scriptedStream(t, &scriptedPlugin{answer: func(c *pb.Call, cancels []uint64) []*pb.Result {
		switch {
		case c == nil: // the cancel: answer it late, as the protocol says
			var out []*pb.Result
			for _, id := range cancels {
				out = append(out, &pb.Result{CallId: id, Outcome: &pb.Result_Error{Error: &pb.Error{Code: "cancelled"}}})
			}
			return out
		case c.GetOp() == "x.slow":
			close(cancelled) // read: the test may cancel it now
			return nil
		}
		return []*pb.Result{{CallId: c.GetCallId(), Outcome: value(str("ok"))}}
	}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := s.Invoke(ctx, &effects.Call{Op: "x.slow"})
		done <- err
	}()
	<-cancelled
	cancel()
	if err := <-done; !strings.Contains(err.Error(), "cancelled") {
		t.Fatalf("cancelled call: %v", err)
	}
	// The cancel is queued as the call fails, and a call made now may
	// overtake it in the send queue: make calls until the late answer has
	// been read (the stream no longer remembers the abandoned call).
	ctx2, cancel2 := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel2()
	for {
		if _, err := s.Invoke(ctx2, &effects.Call{Op: "x.echo"}); err != nil {
			t.Fatal(err)
		}
		s.mu.Lock()
		pendingLate := len(s.abandoned.ids)
		s.mu.Unlock()
		if pendingLate == 0 {
			break
		}
	}
	if out := logs.String(); strings.Contains(out, "WARN") {
		t.Fatalf("a late answer to a cancelled call was warned about:\n%s", out)
	}
}

// A plugin answering garbage cannot flood the log: the first few unknown
// results are logged one by one, then one line per unknownLogEvery.
func TestUnknownResultsAreLoggedWithinBounds(t *testing.T) {
	const extra = 3000
	s, logs := scriptedStream(t, &scriptedPlugin{answer: func(c *pb.Call, _ []uint64) []*pb.Result {
		if c == nil {
			return nil
		}
		out := make([]*pb.Result, 0, extra+1)
		for i := range extra {
			out = append(out, &pb.Result{CallId: 1_000_000 + uint64(i), Outcome: value(str("x"))})
		}
		return append(out, &pb.Result{CallId: c.GetCallId(), Outcome: value(str("ok"))})
	}})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.Invoke(ctx, &effects.Call{Op: "x.echo"}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Count(logs.String(), "[WARN]")
	if want := unknownLogged + extra/unknownLogEvery; lines != want {
		t.Fatalf("%d warn lines for %d unknown results, want %d", lines, extra, want)
	}
}

package sdk

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"google.golang.org/protobuf/proto"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk/internal/frame"
	pb "github.com/aurahost/aura-host/sdk/internal/proto/aura/plugin/v1"
	"github.com/aurahost/aura-host/sdk/internal/wire"
)

// blockingPlugin serves t.echo, and t.block, which signals entered and
// then waits for release (or its context).
func blockingPlugin(t *testing.T, entered chan<- uint64, release <-chan struct{}) *server {
	t.Helper()
	p := &Plugin{Name: "t", Version: "1.0.0", Operations: []Operation{
		{Spec: OpSpec{ID: "t.echo", Params: []Param{{Name: "v", Kind: KindAny}}, Result: KindAny, Determinism: Pure},
			Handle: func(_ context.Context, c *Call) (Value, error) { return c.Arg("v"), nil }},
		{Spec: OpSpec{ID: "t.block", Params: []Param{{Name: "v", Kind: KindAny}}, Result: KindAny, Determinism: ReadsWorld},
			Handle: func(ctx context.Context, c *Call) (Value, error) {
				n, _ := c.Arg("v").AsUint()
				entered <- n
				select {
				case <-release:
				case <-ctx.Done():
				}
				return c.Arg("v"), nil
			}},
	}}
	s := newServer(p, nil, hclog.NewNullLogger(), true)
	if diags := s.configure(context.Background(), ConfigureRequest{Mode: effects.Testing}, nil); len(diags) > 0 {
		t.Fatalf("configure: %v", diags)
	}
	return s
}

// lone is a frame of one call of op whose argument v is the call's ID.
func lone(op string, id uint64) *pb.InvokeFrame {
	v := effects.Uint(id)
	return &pb.InvokeFrame{Calls: []*pb.Call{callToProto(&effects.Call{Op: effects.OpID(op),
		Args: effects.Map(map[string]effects.Value{"v": v})}, id, 0)}}
}

// framesBytes encodes frames back to back, as one write carries them.
func framesBytes(t *testing.T, frames ...*pb.InvokeFrame) []byte {
	t.Helper()
	var out []byte
	for _, f := range frames {
		b, err := proto.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		out = binary.BigEndian.AppendUint32(out, uint32(len(b)))
		out = append(out, b...)
	}
	return out
}

// servePipe serves s's data plane on one end of a pipe and returns the
// other, the host's; the served side ends when the test does.
func servePipe(t *testing.T, s *server) net.Conn {
	t.Helper()
	hostEnd, pluginEnd := net.Pipe()
	done := make(chan struct{})
	go func() { s.serveDataPlane(pluginEnd); close(done) }()
	t.Cleanup(func() { _ = hostEnd.Close(); <-done })
	_ = hostEnd.SetDeadline(time.Now().Add(10 * time.Second)) // a test that hangs fails
	return hostEnd
}

// resultIDs reads result frames until it has n results and returns their
// call IDs.
func resultIDs(t *testing.T, r *frame.Reader, n int) map[uint64]bool {
	t.Helper()
	got := map[uint64]bool{}
	for len(got) < n {
		f := &pb.ResultFrame{}
		if err := r.ReadMessage(f); err != nil {
			t.Fatalf("read results (have %v of %d): %v", got, n, err)
		}
		for _, res := range f.GetResults() {
			got[res.GetCallId()] = true
		}
	}
	return got
}

// Calls whose frames arrive together run as one batch whose results leave
// in one write, so that under load the host reads them with one read
// instead of one per result.
func TestDataPlaneAnswersFramesThatArriveTogetherInOneWrite(t *testing.T) {
	t.Parallel()
	host := servePipe(t, blockingPlugin(t, nil, nil))
	if _, err := host.Write(framesBytes(t, lone("t.echo", 1), lone("t.echo", 2), lone("t.echo", 3))); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64<<10)
	n, err := host.Read(buf) // a pipe's read returns one write's bytes at most
	if err != nil {
		t.Fatal(err)
	}
	r := frame.NewReader(&bytesConn{Conn: host, data: buf[:n]})
	got := resultIDs(t, r, 3)
	// After the last frame the reader meets the end of the one write: a
	// byte more would be a frame (nil) or part of one (io.ErrUnexpectedEOF).
	if _, err := r.Next(); len(got) != 3 || err != io.EOF {
		t.Fatalf("results %v, then %v after them, want calls 1-3 exactly and nothing left over", got, err)
	}
}

// bytesConn reads data, then ends (io.EOF): a conn with only what one
// read got.
type bytesConn struct {
	net.Conn
	data []byte
}

func (b *bytesConn) Read(p []byte) (int, error) {
	if len(b.data) == 0 {
		return 0, io.EOF // more than the one write
	}
	n := copy(p, b.data)
	b.data = b.data[n:]
	return n, nil
}

// A call of a batch that blocks holds up neither the results of the calls
// before it, which the batch had held back, nor the calls queued behind
// it: the watchdog sends the results and hands the reading, with the
// queue, to the pool.
func TestABlockedCallOfABatchHoldsUpNeitherTheResultsBeforeItNorTheCallsAfter(t *testing.T) {
	t.Parallel()
	entered, release := make(chan uint64, 1), make(chan struct{})
	host := servePipe(t, blockingPlugin(t, entered, release))
	if _, err := host.Write(framesBytes(t, lone("t.echo", 1), lone("t.block", 2), lone("t.echo", 3))); err != nil {
		t.Fatal(err)
	}
	r := frame.NewReader(host)
	if got := resultIDs(t, r, 2); !got[1] || !got[3] {
		t.Fatalf("results %v while call 2 blocks, want 1 and 3", got)
	}
	close(release)
	if got := resultIDs(t, r, 1); !got[2] {
		t.Fatalf("result %v once released, want 2", got)
	}
}

// An operation whose call ran inline too long is marked slow: its later
// calls go straight to the pool and run side by side, rather than each
// holding the reading until the watchdog hands it on.
func TestASlowOperationsCallsGoToThePool(t *testing.T) {
	t.Parallel()
	entered, release := make(chan uint64, 8), make(chan struct{})
	s := blockingPlugin(t, entered, release)
	frames, results := make(chan *pb.InvokeFrame), make(chan uint64, 8)
	recv := func() (callFrame, error) {
		f, ok := <-frames
		if !ok {
			return callFrame{}, io.EOF
		}
		c := wireCallFromProto(f.GetCalls()[0])
		return callFrame{calls: []wire.Call{c}}, nil
	}
	ctx, cancelAll := context.WithCancel(context.Background())
	defer cancelAll()
	d := s.newDispatch(ctx, cancelAll, newInflight(), recv, func(id uint64, _ effects.Value, _ error) { results <- id }, nil)
	served := make(chan error, 1)
	go func() { served <- d.serve() }()

	frames <- lone("t.block", 1)
	<-entered
	deadline := time.Now().Add(10 * time.Second)
	for d.handoffs.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the watchdog never handed on the reading of the blocked inline call")
		}
		time.Sleep(time.Millisecond) // polling a condition, with a deadline
	}
	for id := uint64(2); id <= 5; id++ {
		frames <- lone("t.block", id)
		<-entered
	}
	if n := d.handoffs.Load(); n != 1 {
		t.Errorf("the reading was handed on %d times, want once: the marked operation's calls ran inline", n)
	}
	close(release)
	for range 5 {
		<-results
	}
	close(frames)
	if err := <-served; err != io.EOF {
		t.Fatalf("serve: %v, want io.EOF", err)
	}
}

// A slow mark lasts slowMemory, then fades.
func TestSlowMarkFades(t *testing.T) {
	t.Parallel()
	var unknown *slowMark
	unknown.set() // an unknown operation has no mark to set
	if unknown.recent() {
		t.Fatal("an unknown operation counts as slow")
	}
	m := &slowMark{epoch: time.Now().Add(-3 * slowMemory)}
	if m.recent() {
		t.Fatal("a never-marked operation counts as slow")
	}
	m.at.Store(int64(slowMemory)) // marked 2 × slowMemory ago
	if m.recent() {
		t.Fatal("a mark older than slowMemory still counts")
	}
	m.set()
	if !m.recent() {
		t.Fatal("a mark set now does not count")
	}
}

package sdk

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk/internal/frame"
	pb "github.com/aurahost/aura-host/sdk/internal/proto/aura/plugin/v1"
)

// encodeFrame is a ResultFrame as it travels: length prefix and body.
func encodeFrame(t *testing.T, f *pb.ResultFrame) []byte {
	t.Helper()
	body, err := proto.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte{byte(len(body) >> 24), byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}, body...)
}

// scriptedDataPlane opens a data plane to a fake plugin whose connection
// the test drives: calls are what the plugin read (one InvokeFrame each),
// and the test writes raw bytes back with write.
func scriptedDataPlane(t *testing.T) (st *Stream, frames <-chan *pb.InvokeFrame, write func([]byte)) {
	t.Helper()
	got := make(chan *pb.InvokeFrame, 16)
	conns := make(chan net.Conn, 1)
	c := grpcClient(t, &hostilePlugin{open: fakeDataPlane(t, func(conn net.Conn) {
		conns <- conn
		r := frame.NewReader(conn)
		for {
			f := &pb.InvokeFrame{}
			if r.ReadMessage(f) != nil {
				close(got)
				return
			}
			got <- f
		}
	})})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := c.OpenDataPlane(ctx, privateDir(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	conn := <-conns
	return st, got, func(b []byte) {
		if _, err := conn.Write(b); err != nil {
			t.Errorf("fake plugin write: %v", err)
		}
	}
}

// waitForReader waits until call id's caller holds the reader role.
func waitForReader(t *testing.T, st *Stream, id uint64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st.mu.Lock()
		held := st.role.held && st.role.holder == id
		st.mu.Unlock()
		if held {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("call %d's caller never took the reader role", id)
		}
		time.Sleep(time.Millisecond) // polling a condition, with a deadline
	}
}

// A caller reading for others whose own call ends without a result — its
// deadline passes, or its context is cancelled — hands the reading to a
// caller still waiting, which finishes the frame the first had half read.
func TestReaderWhoseCallEndsHandsOnTheReading(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"deadline", "cancel"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			st, frames, write := scriptedDataPlane(t)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()

			first := make(chan error, 1)
			firstCtx, cancelFirst := context.WithCancel(ctx)
			defer cancelFirst()
			go func() {
				var deadline time.Time
				if how == "deadline" {
					deadline = time.Now().Add(200 * time.Millisecond)
				}
				_, err := st.InvokeWithDeadline(firstCtx, &effects.Call{Op: "t.first"}, deadline)
				first <- err
			}()
			a := (<-frames).GetCalls()[0].GetCallId()
			waitForReader(t, st, a)

			second := make(chan effects.Value, 1)
			go func() {
				v, err := st.Invoke(ctx, &effects.Call{Op: "t.second"})
				if err != nil {
					t.Errorf("second call: %v", err)
				}
				second <- v
			}()
			b := (<-frames).GetCalls()[0].GetCallId()
			wire := encodeFrame(t, &pb.ResultFrame{Results: []*pb.Result{{CallId: b, Outcome: value(str("second's"))}}})
			write(wire[:len(wire)/2]) // the first caller reads half of it

			if how == "cancel" {
				cancelFirst()
			}
			want := effects.ErrTimeout
			if how == "cancel" {
				want = effects.ErrCancelled
			}
			if err := <-first; !errors.Is(err, want) {
				t.Fatalf("first call: %v, want %v", err, want)
			}
			if how == "cancel" {
				if f := <-frames; len(f.GetCancel()) != 1 || f.GetCancel()[0] != a {
					t.Fatalf("after the cancel the plugin read %v, want a cancel entry for call %d", f, a)
				}
			}
			write(wire[len(wire)/2:])
			if v := <-second; !v.Equal(String("second's")) {
				t.Fatalf("second call got %v", v)
			}
		})
	}
}

// With no call in flight nobody reads for a caller; the idle watcher
// still notices a plugin closing the data plane between calls, and the
// stream ends (what the supervisor restarts on).
func TestIdleDataPlaneThatBreaksEndsTheStream(t *testing.T) {
	t.Parallel()
	conns := make(chan net.Conn, 1)
	c := grpcClient(t, &hostilePlugin{open: fakeDataPlane(t, func(conn net.Conn) {
		r := frame.NewReader(conn)
		f := &pb.InvokeFrame{}
		if r.ReadMessage(f) != nil {
			return
		}
		w := frame.NewWriter(conn)
		_ = w.WriteMessage(&pb.ResultFrame{Results: []*pb.Result{{CallId: f.GetCalls()[0].GetCallId(), Outcome: value(str("ok"))}}})
		conns <- conn
	})})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := c.OpenDataPlane(ctx, privateDir(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if v, err := st.Invoke(ctx, &effects.Call{Op: "t.echo"}); err != nil || !v.Equal(String("ok")) {
		t.Fatalf("call: %v, %v", v, err)
	}
	(<-conns).Close() // no call in flight now
	select {
	case <-st.Done():
	case <-ctx.Done():
		t.Fatal("the stream did not end when the idle data plane broke")
	}
	if _, err := st.Invoke(ctx, &effects.Call{Op: "t.echo"}); !errors.Is(err, effects.ErrUnavailable) {
		t.Fatalf("call after the break: %v, want unavailable", err)
	}
}

// On the plugin's side a handler that blocks holds up neither a later
// call nor the cancel entry for itself: the reading has moved on to
// another goroutine before the call runs.
func TestDataPlaneBlockedHandlerHoldsUpNoOtherCall(t *testing.T) {
	t.Parallel()
	st, _, ended := openServed(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	waitCtx, cancelWait := context.WithCancel(ctx)
	blocked := make(chan error, 1)
	go func() {
		_, err := st.Invoke(waitCtx, &effects.Call{Op: "t.wait", Authority: dataPlaneAuthority})
		blocked <- err
	}()
	<-waitStarted
	for range 3 {
		if v, err := st.Invoke(ctx, echoCall(dataPlaneAuthority)); err != nil || !v.Equal(String("hi")) {
			t.Fatalf("call beside a blocked handler: %v, %v", v, err)
		}
	}
	cancelWait()
	if err := <-blocked; !errors.Is(err, effects.ErrCancelled) {
		t.Fatalf("blocked call: %v, want cancelled", err)
	}
	if got := <-ended; !errors.Is(got, context.Canceled) {
		t.Fatalf("blocked handler's context ended with %v, want cancelled", got)
	}
}

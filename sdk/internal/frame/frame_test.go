package frame

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	pb "github.com/aurahost/aura-host/sdk/internal/proto/aura/plugin/v1"
)

// unixPair is both ends of a real unix-socket connection.
func unixPair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	dir, err := os.MkdirTemp("", "frame-test.") // short: a socket's path is bounded
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	l, err := net.Listen("unix", filepath.Join(dir, "pair.sock"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := l.Accept()
		accepted <- c
	}()
	client, err = net.Dial("unix", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = <-accepted
	if server == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { _ = client.Close(); _ = server.Close() })
	return client, server
}

// encodeFrame is a ResultFrame as it travels: length prefix and body.
func encodeFrame(t *testing.T, f *pb.ResultFrame) []byte {
	t.Helper()
	body, err := proto.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte{byte(len(body) >> 24), byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}, body...)
}

// isTimeout says whether err is a read interrupted by a deadline.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// A read interrupted by a deadline keeps the part of the frame it had
// read: after the deadline is cleared the same frame is read whole, not
// parsed from its middle.
func TestReaderResumesAfterATimeout(t *testing.T) {
	t.Parallel()
	host, plugin := unixPair(t)
	whole := &pb.Result_Value{Value: &pb.Value{Kind: &pb.Value_String_{String_: "whole"}}}
	wire := encodeFrame(t, &pb.ResultFrame{Results: []*pb.Result{{CallId: 7, Outcome: whole}}})
	r := NewReader(host)
	for _, cut := range []int{2, len(wire) - 3} { // inside the header, inside the body
		if _, err := plugin.Write(wire[:cut]); err != nil {
			t.Fatal(err)
		}
		_ = host.SetReadDeadline(time.Unix(1, 0))
		if err := r.ReadMessage(&pb.ResultFrame{}); !isTimeout(err) {
			t.Fatalf("cut at %d: read past its deadline: %v, want a timeout", cut, err)
		}
		_ = host.SetReadDeadline(time.Time{})
		if _, err := plugin.Write(wire[cut:]); err != nil {
			t.Fatal(err)
		}
		got := &pb.ResultFrame{}
		if err := r.ReadMessage(got); err != nil {
			t.Fatalf("cut at %d: resumed read: %v", cut, err)
		}
		if len(got.GetResults()) != 1 || got.GetResults()[0].GetCallId() != 7 || got.GetResults()[0].GetValue().GetString_() != "whole" {
			t.Fatalf("cut at %d: resumed read gave %v", cut, got)
		}
	}
}

// The frame codec refuses a frame over the limit on both ends: the writer
// before it sends a byte, the reader before it reads the body.
func TestFrameLimitIsCheckedBeforeTheBody(t *testing.T) {
	t.Parallel()
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	go func() { _, _ = a.Write([]byte{0x04, 0, 0, 1}) }() // 64 MiB + 1
	var tooLarge *ErrTooLarge
	if err := NewReader(b).ReadMessage(&pb.ResultFrame{}); !errors.As(err, &tooLarge) || tooLarge.Length != MaxBytes+1 {
		t.Fatalf("read: %v, want ErrTooLarge of %d", err, MaxBytes+1)
	}
	big := &pb.ResultFrame{Results: []*pb.Result{{Outcome: &pb.Result_Value{Value: &pb.Value{Kind: &pb.Value_Bytes{Bytes: make([]byte, MaxBytes)}}}}}}
	if err := NewWriter(a).WriteMessage(big); !errors.As(err, &tooLarge) {
		t.Fatalf("write: %v, want ErrTooLarge", err)
	}
	if n := proto.Size(big); n <= MaxBytes {
		t.Fatalf("test frame is only %d bytes", n)
	}
}

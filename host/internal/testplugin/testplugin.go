// Package testplugin is a plugin that misbehaves on request, for the host's
// subprocess tests (run by Main). Its first argument picks the behaviour:
//
//	serve          a well-behaved plugin (the default)
//	not-a-plugin   prints a line and exits, as an unrelated binary would
//	wrong-version  completes go-plugin's handshake with protocol version 2
//	exit-on-start  writes an error to stderr and exits 3 before serving
//	evil-stderr    writes log lines meant to crash go-plugin's log
//	               forwarder, then serves
//	wrong-kind     serves, but test.greeting answers an int where it
//	               declares a string result
//	serve-stream   a well-behaved plugin without the data plane
//	               (sdk.WithoutDataPlane): calls travel on InvokeStream
//	refuse-host    declares the data plane but takes another process for
//	               its host (a wrong AURA_HOST_PID), so it refuses the
//	               host's connection by its peer credentials: a data plane
//	               that never opens
//	echo-socket    not a plugin: connects to the unix socket args[1]
//	               names and echoes 64-byte messages until EOF (the
//	               benchmarks' raw ping-pong floor)
//	serve-once     serves on its first start only: it counts its starts in
//	               the file named by START_COUNTER_FILE and exits 5 on later
//	               ones, like a plugin whose restarts all crash
package testplugin

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/hashicorp/go-plugin"
	"go.opentelemetry.io/otel/trace"

	"github.com/aurahost/aura-host/sdk"
)

// Main runs the test plugin in the mode args[0] names (default "serve"):
// the host's tests re-execute their own test binary as this plugin.
func Main(args []string) {
	mode := "serve"
	if len(args) > 0 {
		mode = args[0]
	}
	switch mode {
	case "serve":
		sdk.Serve(testPlugin())
	case "serve-stream":
		sdk.Serve(testPlugin(), sdk.WithoutDataPlane())
	case "refuse-host":
		// PID 1 is never the host; the parent watchdog, which reads the
		// same variable, is off so that it does not exit over it.
		_ = os.Setenv(sdk.HostPIDEnv, "1")
		sdk.Serve(testPlugin(), sdk.WithParentWatchdog(0))
	case "echo-socket":
		echoSocket(args[1])
	case "wrong-kind":
		p := testPlugin()
		for i := range p.Operations {
			if p.Operations[i].Spec.ID == "test.greeting" {
				p.Operations[i].Handle = func(context.Context, *sdk.Call) (sdk.Value, error) { return sdk.Int(7), nil }
			}
		}
		sdk.Serve(p)
	case "not-a-plugin":
		fmt.Println("hello, I am not a plugin")
		os.Exit(0)
	case "wrong-version":
		hs := sdk.Handshake
		hs.ProtocolVersion = sdk.ProtocolVersion + 1
		plugin.Serve(&plugin.ServeConfig{
			HandshakeConfig:  hs,
			VersionedPlugins: map[int]plugin.PluginSet{sdk.ProtocolVersion + 1: sdk.ServerPlugins(testPlugin(), nil)[sdk.ProtocolVersion]},
			GRPCServer:       sdk.NewGRPCServer,
		})
	case "serve-once":
		if starts := countStart(os.Getenv("START_COUNTER_FILE")); starts > 1 {
			fmt.Fprintf(os.Stderr, "testplugin: start %d: state is corrupt, giving up\n", starts)
			os.Exit(5)
		}
		sdk.Serve(testPlugin())
	case "evil-stderr":
		fmt.Fprintln(os.Stderr, `{"@level":"info","@message":42,"@timestamp":false}`)
		fmt.Fprintln(os.Stderr, `{"@level":7,"@message":"level is a number"}`)
		sdk.Serve(testPlugin())
	case "exit-on-start":
		fmt.Fprintln(os.Stderr, "testplugin: cannot open /nonexistent/config: no such file or directory")
		os.Exit(3)
	default:
		fmt.Fprintf(os.Stderr, "testplugin: unknown mode %q\n", mode)
		os.Exit(2)
	}
}

// echoSocket echoes 64-byte messages on the unix socket at path until the
// other end closes it.
func echoSocket(path string) {
	conn, err := net.Dial("unix", path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testplugin:", err)
		os.Exit(2)
	}
	buf := make([]byte, 64)
	for {
		if _, err := io.ReadFull(conn, buf); err != nil {
			os.Exit(0)
		}
		if _, err := conn.Write(buf); err != nil {
			os.Exit(0)
		}
	}
}

// countStart appends a byte to the counter file and returns its length.
func countStart(path string) int {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testplugin:", err)
		os.Exit(2)
	}
	defer f.Close()
	if _, err := f.Write([]byte{'x'}); err != nil {
		fmt.Fprintln(os.Stderr, "testplugin:", err)
		os.Exit(2)
	}
	info, err := f.Stat()
	if err != nil {
		fmt.Fprintln(os.Stderr, "testplugin:", err)
		os.Exit(2)
	}
	return int(info.Size())
}

func sleep(ctx context.Context, ms int64) error {
	t := time.NewTimer(time.Duration(ms) * time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func testPlugin() *sdk.Plugin {
	var cfg *sdk.Configuration
	return &sdk.Plugin{
		Name:    "testplugin",
		Version: "0.0.1",
		Config:  []sdk.ConfigField{{Name: "greeting", Kind: sdk.KindString, Default: sdk.String("hello")}},
		Configure: func(_ context.Context, c *sdk.Configuration) error {
			cfg = c
			return nil
		},
		Operations: []sdk.Operation{
			{
				Spec: sdk.OpSpec{ID: "test.echo", Params: []sdk.Param{{Name: "value", Kind: sdk.KindAny}},
					Result: sdk.KindAny, Idempotent: true, Determinism: sdk.Pure},
				Handle: func(_ context.Context, c *sdk.Call) (sdk.Value, error) { return c.Arg("value"), nil },
			},
			{
				Spec:   sdk.OpSpec{ID: "test.greeting", Result: sdk.KindString, Idempotent: true, Determinism: sdk.Pure},
				Handle: func(context.Context, *sdk.Call) (sdk.Value, error) { return cfg.Get("greeting"), nil },
			},
			{
				Spec: sdk.OpSpec{ID: "test.sleep", Params: []sdk.Param{{Name: "ms", Kind: sdk.KindInt}},
					Result: sdk.KindNull, Determinism: sdk.ReadsWorld},
				Handle: func(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
					ms, _ := c.Arg("ms").AsInt()
					return sdk.Null(), sleep(ctx, ms)
				},
			},
			{
				Spec: sdk.OpSpec{ID: "test.slow_echo", Params: []sdk.Param{{Name: "value", Kind: sdk.KindAny}, {Name: "ms", Kind: sdk.KindInt}},
					Result: sdk.KindAny, Idempotent: true, Determinism: sdk.Pure},
				Handle: func(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
					ms, _ := c.Arg("ms").AsInt()
					return c.Arg("value"), sleep(ctx, ms)
				},
			},
			{
				Spec:   sdk.OpSpec{ID: "test.pid", Result: sdk.KindInt, Determinism: sdk.ReadsWorld},
				Handle: func(context.Context, *sdk.Call) (sdk.Value, error) { return sdk.Int(int64(os.Getpid())), nil },
			},
			{
				Spec:   sdk.OpSpec{ID: "test.authority", Result: sdk.KindString, Determinism: sdk.Pure},
				Handle: func(_ context.Context, c *sdk.Call) (sdk.Value, error) { return sdk.String(c.Authority.String()), nil },
			},
			{
				Spec: sdk.OpSpec{ID: "test.flood_stderr", Params: []sdk.Param{{Name: "lines", Kind: sdk.KindInt}},
					Result: sdk.KindInt, Determinism: sdk.WritesWorld,
					Doc: "writes lines of 100 bytes (99 x's and a newline) to stderr as fast as it can; returns once all are written"},
				Handle: func(_ context.Context, c *sdk.Call) (sdk.Value, error) {
					// File descriptor 2 is the stderr the host reads;
					// go-plugin points os.Stderr elsewhere while serving.
					stderr := os.NewFile(2, "stderr")
					n, _ := c.Arg("lines").AsInt()
					line := bytes.Repeat([]byte("x"), 100)
					line[99] = '\n'
					chunk := bytes.Repeat(line, 640)
					for left := n; left > 0; {
						k := min(left, int64(len(chunk)/100))
						if _, err := stderr.Write(chunk[:k*100]); err != nil {
							return sdk.Value{}, err
						}
						left -= k
					}
					return sdk.Int(n), nil
				},
			},
			{
				Spec: sdk.OpSpec{ID: "test.trace_context", Result: sdk.KindMap, Determinism: sdk.Pure,
					Doc: "the span context the SDK extracted from the call: trace_id and span_id (hex, empty when none), remote"},
				Handle: func(ctx context.Context, _ *sdk.Call) (sdk.Value, error) {
					sc := trace.SpanContextFromContext(ctx)
					out := map[string]sdk.Value{"trace_id": sdk.String(""), "span_id": sdk.String(""), "remote": sdk.Bool(sc.IsRemote())}
					if sc.IsValid() {
						out["trace_id"], out["span_id"] = sdk.String(sc.TraceID().String()), sdk.String(sc.SpanID().String())
					}
					return sdk.Map(out), nil
				},
			},
			{
				Spec: sdk.OpSpec{ID: "test.crash", Result: sdk.KindNull, Determinism: sdk.WritesWorld},
				Handle: func(context.Context, *sdk.Call) (sdk.Value, error) {
					os.Exit(7)
					return sdk.Null(), nil
				},
			},
			{
				Spec: sdk.OpSpec{ID: "test.callback", Params: []sdk.Param{
					{Name: "op", Kind: sdk.KindString}, {Name: "args", Kind: sdk.KindMap, Optional: true}},
					Result: sdk.KindAny, Determinism: sdk.WritesWorld,
					Doc: "invokes op through the host's router, as a service plugin would"},
				Handle: func(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
					if cfg.Host == nil {
						return sdk.Value{}, sdk.Errorf(sdk.CodeUnavailable, "no host callbacks")
					}
					op, _ := c.Arg("op").AsString()
					return cfg.Host.Invoke(ctx, sdk.OpID(op), c.Arg("args"))
				},
			},
		},
	}
}

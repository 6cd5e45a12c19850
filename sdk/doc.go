// Package sdk is what a plugin author imports to write an Aura Host plugin
// in Go, and what the host uses to talk to plugins.
//
// A plugin declares its operations — each with its parameter schema, result
// kind, idempotency and determinism class — next to the functions that
// handle them, and calls Serve from main:
//
//	func main() {
//		sdk.Serve(&sdk.Plugin{
//			Name:    "echo",
//			Version: "1.0.0",
//			Operations: []sdk.Operation{{
//				Spec: sdk.OpSpec{
//					ID:          "echo.say",
//					Params:      []sdk.Param{{Name: "text", Kind: sdk.KindString}},
//					Result:      sdk.KindString,
//					Idempotent:  true,
//					Determinism: sdk.Pure,
//				},
//				Handle: func(ctx context.Context, c *sdk.Call) (sdk.Value, error) {
//					return c.Arg("text"), nil
//				},
//			}},
//		})
//	}
//
// Serve offers the data plane (DataPlaneCapability; PROTOCOL.md §5.10) by
// default: the host then sends the plugin's calls on a unix socket of its
// own, length-prefixed, instead of the gRPC InvokeStream — under a third of
// a unary call's cost (BENCHMARKS.md). WithoutDataPlane turns it off. Its
// frames are encoded and decoded by sdk/internal/wire, straight between
// effects values and the wire format, without the generated structs; the
// plugin's reader runs the calls of frames that arrive together as one
// batch whose results leave in one write (server_stream.go). On the host
// side Client.OpenDataPlane and Client.OpenStream both return a Stream,
// with the same deadlines, cancellation and failure behaviour. On the data
// plane a Stream has no receiver goroutine: its callers take turns reading
// the results (the reader role, client_reader.go), and an idle watcher
// notices a connection that breaks between calls. Do not add a goroutine
// that reads the data plane besides them: at most one reads at a time.
//
// The effect vocabulary (Value, Call, OpSpec, Error, ...) is re-exported
// from package effects as aliases, so a plugin imports only sdk.
//
// A handler's ctx carries the host's span of the call as its remote parent
// when the host traces (the call's W3C traceparent, extracted with
// OpenTelemetry's propagator, sizes capped: tracecontext.go), so spans a
// plugin starts from ctx join the host's trace. The host side writes it
// into each call it sends from the span its ctx carries.
//
// sdk imports only effects and its own internal packages: the generated
// protobuf code (sdk/internal/proto, which the compiler keeps out of reach
// of every other package), the data plane's codec (sdk/internal/wire, held
// to the generated code by wire_test.go) and its framing and socket I/O
// (sdk/internal/frame). The conversion between
// effects values and generated types lives in convert.go and nowhere else. PROTOCOL.md documents the wire contract for authors in other
// languages.
package sdk

// Package sdktest runs a plugin in process behind a real gRPC client and
// server — the same wire contract the host uses, without a subprocess: the
// server a plugin process runs (sdk.NewGRPCServer, with the contract's
// message limits) on a real socket, reached with the host's dial options
// through go-plugin's test mode — and checks it against the contract every
// plugin must honour (Conformance).
//
// Plugin authors use it from their own tests:
//
//	func TestConformance(t *testing.T) {
//		sdktest.Conformance(t, myplugin.New())
//	}
package sdktest

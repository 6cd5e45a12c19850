// Package sdktest runs a plugin in process behind a real gRPC client and
// server — the same wire contract the host uses, without a subprocess — and
// checks it against the contract every plugin must honour (Conformance).
//
// Plugin authors use it from their own tests:
//
//	func TestConformance(t *testing.T) {
//		sdktest.Conformance(t, myplugin.New())
//	}
package sdktest

// Package conformance checks a plugin against the wire contract of
// sdk/PROTOCOL.md, whatever language it is written in: one suite of named
// checks (handshake, Describe, Configure diagnostics, argument checks,
// error codes, deadlines, cancel, calls multiplexed on the stream, result
// kinds, values at the depth limit, health, shutdown), each passed, failed
// with a reason, or skipped with a reason.
//
// The suite runs against a Target. Command launches an executable as a real
// process through go-plugin, with the handshake the host uses; sdktest
// serves a Go *sdk.Plugin in process and runs the same suite
// (sdktest.Conformance). `aura-host plugin conformance -- COMMAND` is the
// first, from the command line.
//
// The checks look at what the plugin puts on the wire (sdk.FrameStream),
// not at what the host's client makes of it, so a check never depends on a
// host-side safeguard: a result echoed under the wrong call ID or of the
// wrong kind fails here even if the host would log or refuse it.
//
// It imports only sdk and effects, like a plugin author's test would; the
// generated protobuf types stay inside sdk.
package conformance

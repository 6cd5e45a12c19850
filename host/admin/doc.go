// Package admin is a running host's admin endpoint and its client: HTTP
// over a unix socket only the host's user can reach (0600 in a 0700
// directory), serving `aura-host status`, `reset`, `invoke` and `watch` from
// another terminal. The server sees the host only through the Target
// interface, and the optional AgentTarget (calls as a named agent) and
// Watcher (a signal's values streamed as JSON lines, watch.go).
// Status.WriteText (status_text.go) is the status's text form for people.
//
// It may import effects and host/supervise (for PluginStatus, the socket
// root and the ownership checks); it must not import host: the host imports it.
//
// Invariants:
//   - Calls that arrive here go through Target.Invoke — the host's
//     Router — like every other call, or, when the target runs agents
//     (AgentTarget), through the named agent's Router and guard chain; the
//     endpoint never reaches a plugin directly. Status and reset are the
//     operator's and act for no authority; invoke is the only effect path.
//   - Nothing is trusted that another user could have written: the server
//     makes the state directory 0700 and refuses one another user owns or
//     can write; the client (Find, and Dial before every connection)
//     refuses an address file, socket or directory that is not the
//     running user's alone, with an *UnsafePathError, before connecting.
//   - Input is bounded: a request body over Config.MaxRequestBytes (1 MiB
//     by default) is refused with 413 before it is decoded; timeout_ms is
//     validated (negative: 400) and clamped to MaxInvokeTimeout, never
//     overflowing into a deadline in the past.
package admin

// Package admin is a running host's admin endpoint and its client: HTTP
// over a unix socket only the host's user can reach (0600 in a 0700
// directory), serving `aura-host status`, `reset` and `invoke` from another
// terminal. The server sees the host only through the Target interface.
//
// It may import effects and host/supervise (for PluginStatus and the
// socket root); it must not import host: the host imports it.
//
// Invariant: calls that arrive here go through Target.Invoke — the host's
// Router — like every other call, or, when the target runs agents
// (AgentTarget), through the named agent's Router and guard chain; the
// endpoint never reaches a plugin directly. Status and reset are the
// operator's and act for no authority; invoke is the only effect path.
package admin

// Package host is the Aura Host runtime: it launches a deployment's plugins
// as supervised child processes (go-plugin over gRPC), registers every
// operation they declare in an effects.Registry, and routes every call —
// from the CLI, the VM, an agent API or a plugin calling back — through one
// Router.
//
// It may import effects, sdk, config and vm; nothing but cmd/aura-host (and
// tests) imports it.
//
// Invariants a newcomer must not break:
//   - Every call goes through Router.Invoke; nothing calls a plugin client
//     directly, or authority scoping and (later) the guard chain are skipped.
//   - No call that can block on a plugin runs without a deadline, and every
//     plugin process can be SIGKILLed by the host: a stopped or deadlocked
//     plugin never hangs the host or its shutdown.
//   - Every plugin runs in its own process group with a parent-death signal,
//     so a host that dies, however it dies, leaves no plugin behind.
package host

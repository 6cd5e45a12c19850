// Package config decodes Aura Host deployment files (HCL) into a typed
// Deployment, and turns every mistake in them into an hcl.Diagnostic that
// points at the right file, line and column, with a detail that says what to
// do.
//
// A deployment file holds exactly one deployment block and any number of
// plugin, service, agent, peer, fault and run blocks, plus at most one simulation,
// one testing and one swarm block (Swarm: the bounds from which each
// simulated seed draws its own faults):
//
//	deployment "quickstart" {
//	  mode      = "production" # optional: production (default), testing, simulation
//	  seed      = 7            # optional: seeds deterministic modes
//	  state_dir = "state"      # optional: default .aura/<name> next to this file
//	  authority = "alice"      # optional: a label or "authority-<32 hex digits>"
//	}
//
//	plugin "crypto" { builtin = "crypto" }
//
//	plugin "echo" {
//	  command = "./bin/echo-plugin" # relative to this file's directory
//	  args    = ["--flag"]
//	  env     = { FOO = "bar" }
//	  sha256  = "<64 hex digits>"   # required in production, unless:
//	  # allow_unpinned = true       # run whatever is at the path (validate warns)
//	  config { greeting = "hi" }    # decoded against the plugin's own schema
//
//	  depends_on   = ["crypto"]     # start after these plugins or services, stop before
//	  start        = "lazy"         # default "eager"
//	  stop_timeout = "5s"
//	  health  { interval = "1s"  timeout = "250ms"  unhealthy_threshold = 3  grace = "0s" }
//	  restart { attempts = 5  window = "1m"  delay = "10ms"  max_delay = "5s"  mode = "fail"  stable_after = "10s" }
//	  call    { timeout = "30s"  breaker_threshold = 5  breaker_cooldown = "1s" }
//	}
//
//	service "recovery" { plugin = "recovery"  depends_on = ["journal"] }
//
//	agent "alice" {
//	  authority = "alice"              # default: the agent's name
//	  allow     = ["invitation.*", "crypto.ed25519_sign"]
//	  flow_budget { limit = 100 }
//	  listen    = "/ip4/0.0.0.0/tcp/4001" # production, beside peers: where its transport listens
//	}
//
//	peer "g1" {                        # an agent of this deployment on another machine
//	  address    = "/ip4/10.0.0.4/tcp/4001"  # or a list; "host:port" is TCP
//	  public_key = "<64 hex digits>"         # its device key (aura-host key FILE there)
//	}
//
//	simulation {                       # applies in simulation mode (testing { } likewise)
//	  seed = 7
//	  plugin "clock" { builtin = "sim-clock" }
//	}
//
//	fault "partition" { at = "2s"  between = ["alice", "bob"]  heal_after = "1s" }
//
//	swarm { drop = 0.05  partitions = 2  window = "0ms..300ms" }
//
//	run "recovery" {
//	  protocol = "protocols/guardian_recovery.hcl"
//	  roles    = { Account = "alice", "Guardian[0]" = "g1" }
//	  timeout  = "1h"
//	}
//
// A fault file (fault_file.go) holds fault blocks only: a simulation's
// whole schedule apart from its deployment, written by WriteFaults (the
// shrinker's output) and read by ParseFaults and LoadFaults, checked as
// a deployment's fault blocks are and against its agents.
//
// Durations are Go duration strings in quotes ("250ms", "1m30s"); a bare
// number is reported with the unit to add. Supervision fields that are
// absent are zero, and the host applies its defaults for them.
//
// Plugins and services form one dependency graph (depends_on, and each
// service after the plugin hosting it); Parse reports unknown names and
// cycles, and StartOrder gives the levels to start in. Mode blocks
// override top-level plugins by name (see Override for the merge rule):
// EffectivePlugins applies those of the deployment's mode, and WithMode
// switches the mode for a --mode flag. With agent blocks, each agent is its
// own authority. Peer blocks make the file one machine's part of a
// multi-host deployment: run blocks may bind roles to peers (faults may
// not: they act on this machine), every local agent then needs listen,
// and names, authorities and keys are unique across agents and peers.
//
// In production a command plugin without sha256 is an error unless its
// block sets allow_unpinned = true (then a warning, so validate lists every
// unpinned binary); testing and simulation run unpinned commands as before.
// The host checks the pin against the bytes it executes (host/supervise).
//
// Paths (command, state_dir, a run's protocol) are resolved against the
// directory of the deployment file, never the working directory of
// aura-host, and a command is never looked up in $PATH. Paths inside a plugin's
// config block are the plugin's business: config passes them through as
// written. The convention (used by the quickstart's storage path) is that a
// plugin resolves a relative path against the deployment's StateDir, which
// the host passes it when configuring it.
//
// Decoding has two stages, because a plugin's config schema is known only
// once the plugin runs: Load/Parse decode the file (keeping each config
// block raw), then DecodePluginConfig decodes a config block against the
// schema the plugin declared. PluginDiagnostic places the diagnostics a
// plugin returns from Configure back on the user's lines, and
// CheckOperations reports operations claimed by two plugins.
// WriteDiagnostics prints them all with source snippets.
//
// Each block kind declares its body (a bodySpec) next to the Go type it
// fills, one file per block kind; a new attribute or nested block is one
// entry there and its decode function.
//
// # Bounded input
//
// A deployment file is untrusted input, and reading it costs bounded
// time and memory:
//   - ReadSource (which Load uses, and which the CLI uses for protocol
//     files) reads only regular files, refusing a directory, FIFO, socket
//     or device at once without blocking on it, and at most
//     DefaultMaxFileSize (8 MiB) unless the caller passes another limit
//     (Options.MaxFileSize; the CLI's --max-file-size). The limit holds
//     while reading, so a file that grows is cut off. Its errors are
//     *SourceError, with ErrFileTooLarge or ErrNotRegularFile.
//   - Parse refuses, before the HCL parser runs, bytes that are not UTF-8
//     and nesting deeper than internal/hclsafe.DefaultMaxDepth (512)
//     levels (brackets, blocks, templates, and the operators, indexes and
//     calls of one expression), each as one diagnostic at file:line:col:
//     the parser and evaluation recurse once per level and would
//     overflow the stack.
//
// config imports only effects (and internal/hclsafe) from this project. Invariants a newcomer must
// not break:
//   - Every error diagnostic has a Subject in the user's file; config
//     mistakes are never plain Go errors. Diagnostics are collected, not
//     stopped at the first, and returned in file order.
//   - Load and Parse never return a nil Deployment, and never panic on any
//     input (FuzzParse checks it); a caller must still look at
//     diags.HasErrors() before using the result.
package config

// Package config decodes Aura Host deployment files (HCL) into a typed
// Deployment, and turns every mistake in them into an hcl.Diagnostic that
// points at the right file, line and column, with a detail that says what to
// do.
//
// A deployment file holds exactly one deployment block and any number of
// plugin blocks:
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
//	  sha256  = "<64 hex digits>"
//	  config { greeting = "hi" }    # decoded against the plugin's own schema
//	}
//
// Paths (command, state_dir) are resolved against the directory of the
// deployment file, never the working directory of aura-host, and a command
// is never looked up in $PATH. Paths inside a plugin's config block are the
// plugin's business: config passes them through as written. The convention
// (used by the quickstart's storage path) is that a plugin resolves a
// relative path against the deployment's StateDir, which the host passes it
// when configuring it.
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
// config imports only effects from this project. Invariants a newcomer must
// not break:
//   - Every error diagnostic has a Subject in the user's file; config
//     mistakes are never plain Go errors. Diagnostics are collected, not
//     stopped at the first, and returned in file order.
//   - Load and Parse never return a nil Deployment, and never panic on any
//     input (FuzzParse checks it); a caller must still look at
//     diags.HasErrors() before using the result.
package config

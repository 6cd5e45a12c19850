package host

import "github.com/aurahost/aura-host/sdk"

// PluginClient exposes a plugin's contract client to the external tests,
// for baselines that bypass the router (bare unary gRPC).
func (h *Host) PluginClient(name string) *sdk.Client { return h.plugins.PluginClient(name) }

// PluginClientPID is the PID of a plugin's current process (0 if none).
func (h *Host) PluginClientPID(name string) int { return h.plugins.PluginPID(name) }

// PluginStream exposes a plugin's call stream, to measure the stream's
// own cost apart from the router's.
func (h *Host) PluginStream(name string) *sdk.Stream { return h.plugins.PluginStream(name) }

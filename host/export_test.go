package host

import "github.com/aurahost/aura-host/sdk"

// PluginClient exposes a plugin's contract client to the external tests,
// for baselines that bypass the router (bare unary gRPC).
func (h *Host) PluginClient(name string) *sdk.Client {
	for _, m := range h.plugins {
		if m.name() == name {
			if inst := m.inst.Load(); inst != nil {
				return inst.conn
			}
		}
	}
	return nil
}

// PluginClientPID is the PID of a plugin's current process (0 if none).
func (h *Host) PluginClientPID(name string) int {
	if m := h.plugin(name); m != nil {
		if inst := m.inst.Load(); inst != nil {
			return inst.pid()
		}
	}
	return 0
}

// PluginStream exposes a plugin's call stream, to measure the stream's
// own cost apart from the router's.
func (h *Host) PluginStream(name string) *sdk.Stream {
	if m := h.plugin(name); m != nil {
		if inst := m.inst.Load(); inst != nil {
			return inst.stream
		}
	}
	return nil
}

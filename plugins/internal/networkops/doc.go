// Package networkops is what the transport plugin and sim-network, its
// stand-in on a simulated network, share: the declarations of the "network"
// family's operations (Operations, served by the Handlers each plugin
// passes) and the envelope they carry (Envelope; ParseEnvelope, which
// checks one and names the wrong field; IsAddress and AddressKey for the
// endpoints and contexts in it; MaxPayload). Both plugins build their
// network operations and read their envelopes here, so a swap by HCL
// changes neither what a caller may send nor what it gets back.
//
// Invariants a newcomer must not break:
//
//   - An address is bytes or a string, and its identity is its canonical
//     encoding (AddressKey): bytes and a string with the same content are
//     different endpoints, in both plugins.
//   - ParseEnvelope refuses an unknown field and a payload over MaxPayload;
//     Envelope.Value renders what ParseEnvelope accepted as it was sent,
//     leaving out absent optional fields, so a received envelope equals the
//     sent one.
//   - Operations only declares; it opens no connection and holds no state.
//
// The package imports only sdk and effects from the project, never a
// plugin: it is imported by plugins/transport and plugins/simnetwork.
package networkops

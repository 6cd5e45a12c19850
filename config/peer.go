package config

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Peer is a peer block: an agent of the same deployment that runs on
// another machine, under its own `aura-host run` and its own file. Run
// blocks may bind roles to it as to a local agent; this host reaches it
// over the network transport at its addresses and refuses any connection
// that does not prove its key.
//
//	peer "guardian_1" {
//	  authority  = "guardian_1"                   # optional: the name
//	  address    = "/ip4/10.77.1.4/tcp/4001"      # or a list; "host:port" means TCP
//	  public_key = "<64 hex digits>"              # its device key: `aura-host key FILE` prints it
//	}
//
// The authority derives from its label and this file's seed like an
// agent's, so every file of a multi-host deployment names the same seed
// (or writes full authority IDs).
type Peer struct {
	// Name is the block's label, unique among agents and peers.
	Name      string
	NameRange hcl.Range
	DeclRange hcl.Range

	// Authority is the peer's authority as written (a label or a full ID);
	// its name when absent.
	Authority      string
	AuthorityRange hcl.Range

	// Addresses are where its transport listens (multiaddrs, or host:port
	// for TCP), tried in order.
	Addresses    []string
	AddressRange hcl.Range

	// PublicKey is its 32-byte Ed25519 device key: the key its transport
	// proves in the handshake (its libp2p peer ID) and signs its receipts
	// with. For a relay, the relay's own key.
	PublicKey      []byte
	PublicKeyRange hcl.Range

	// Relay marks a machine that runs a circuit relay (its file has a
	// relay block) rather than an agent: this machine's agents reserve a
	// slot on it and reach the other peers through it when they cannot
	// reach them directly. A relay plays no role and syncs nothing.
	Relay      bool
	RelayRange hcl.Range
}

// maxAddresses bounds a list of network addresses.
const maxAddresses = 16

var peerSpec = bodySpec[Peer]{
	where: "in a peer block",
	attrs: []attrSpec[Peer]{
		{name: "authority", decode: func(d *decoder, p *Peer, a *hcl.Attribute) {
			if s, ok := d.authorityAttr(a); ok {
				p.Authority, p.AuthorityRange = s, a.Expr.Range()
			}
		}},
		{name: "address", required: true, example: `"/ip4/10.0.0.2/tcp/4001"`, decode: decodePeerAddress},
		{name: "relay", decode: func(d *decoder, p *Peer, a *hcl.Attribute) {
			if b, ok := d.boolAttr(a); ok {
				p.Relay, p.RelayRange = b, a.Expr.Range()
			}
		}},
		{name: "public_key", required: true, example: `"<64 hex digits>"`, decode: func(d *decoder, p *Peer, a *hcl.Attribute) {
			s, ok := d.stringAttr(a, `"<64 hex digits>"`)
			if !ok {
				return
			}
			key, err := hex.DecodeString(s)
			if err != nil || len(key) != 32 {
				d.add(&hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid public key",
					Detail:   fmt.Sprintf("public_key must be the peer's Ed25519 device key as 64 hex digits, got %s. On the peer's machine, `aura-host key FILE` prints it.", hexProblem(s)),
					Subject:  a.Expr.Range().Ptr(),
				})
				return
			}
			p.PublicKey, p.PublicKeyRange = key, a.Expr.Range()
		}},
	},
}

// decodePeerAddress takes one address or a list of them.
func decodePeerAddress(d *decoder, p *Peer, a *hcl.Attribute) {
	if addrs, ok := d.addressesAttr(a); ok {
		p.Addresses, p.AddressRange = addrs, a.Expr.Range()
	}
}

// addressesAttr decodes one network address or a list of them: multiaddrs
// ("/ip4/10.0.0.2/tcp/4001", "/ip4/10.0.0.2/udp/4001/quic-v1") or
// "host:port" for TCP.
func (d *decoder) addressesAttr(a *hcl.Attribute) ([]string, bool) {
	var addrs []item
	if _, diags := hcl.ExprList(a.Expr); diags.HasErrors() {
		s, ok := d.stringAttr(a, `"/ip4/10.0.0.2/tcp/4001"`)
		if !ok {
			return nil, false
		}
		addrs = []item{{Value: s, ValueRange: a.Expr.Range()}}
	} else {
		var ok bool
		if addrs, ok = d.stringListAttr(a, `["/ip4/10.0.0.2/tcp/4001"]`); !ok {
			return nil, false
		}
	}
	bad := func(r hcl.Range, detail string) {
		d.add(&hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid network address", Detail: detail, Subject: r.Ptr()})
	}
	switch {
	case len(addrs) == 0:
		bad(a.Expr.Range(), fmt.Sprintf("%s needs at least one address: a multiaddr such as \"/ip4/10.0.0.2/tcp/4001\", or \"host:port\" for TCP.", a.Name))
		return nil, false
	case len(addrs) > maxAddresses:
		bad(a.Expr.Range(), fmt.Sprintf("%s takes at most %d addresses, got %d.", a.Name, maxAddresses, len(addrs)))
		return nil, false
	}
	var out []string
	for _, it := range addrs {
		s := it.Value
		if strings.TrimSpace(s) != s || s == "" || len(s) > 256 || (!strings.HasPrefix(s, "/") && !strings.Contains(s, ":")) {
			bad(it.ValueRange, fmt.Sprintf("%q is not an address: write a multiaddr such as \"/ip4/10.0.0.2/tcp/4001\" or \"/ip4/10.0.0.2/udp/4001/quic-v1\", or \"host:port\" for TCP.", s))
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

// PeerNamed returns the peer declared with name, or nil; a relay is not
// a peer an agent's role or sync block may name, and is found only by
// RelayNamed.
func (d *Deployment) PeerNamed(name string) *Peer {
	for _, p := range d.Peers {
		if p.Name == name && !p.Relay {
			return p
		}
	}
	return nil
}

// RelayNamed returns the relay peer declared with name, or nil.
func (d *Deployment) RelayNamed(name string) *Peer {
	for _, p := range d.Peers {
		if p.Name == name && p.Relay {
			return p
		}
	}
	return nil
}

// RelayBlock is a relay block: this machine runs a circuit relay, through
// which machines that cannot reach each other directly exchange envelopes
// (end to end authenticated: the relay copies bytes it cannot read). Its
// identity is its own Ed25519 key, kept in <state_dir>/relay.key;
// `aura-host key FILE` prints it for the peer blocks (relay = true) of the
// other machines.
//
//	relay {
//	  listen = ["/ip4/0.0.0.0/tcp/4001", "/ip4/0.0.0.0/udp/4001/quic-v1"]
//	  allow  = ["<64 hex digits>"]   # optional: only these keys may reserve or dial through it
//	}
type RelayBlock struct {
	DeclRange   hcl.Range
	Listen      []string
	ListenRange hcl.Range
	// Allow, when not empty, lists the only device keys that may use the
	// relay.
	Allow      [][]byte
	AllowRange hcl.Range
}

var relaySpec = bodySpec[RelayBlock]{
	where: "in a relay block",
	attrs: []attrSpec[RelayBlock]{
		{name: "listen", required: true, example: `"/ip4/0.0.0.0/tcp/4001"`, decode: func(d *decoder, r *RelayBlock, a *hcl.Attribute) {
			if addrs, ok := d.addressesAttr(a); ok {
				r.Listen, r.ListenRange = addrs, a.Expr.Range()
			}
		}},
		{name: "allow", decode: func(d *decoder, r *RelayBlock, a *hcl.Attribute) {
			items, ok := d.stringListAttr(a, `["<64 hex digits>"]`)
			if !ok {
				return
			}
			for _, it := range items {
				key, err := hex.DecodeString(it.Value)
				if err != nil || len(key) != 32 {
					d.add(&hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid public key",
						Detail:  "Each key in allow is a device's Ed25519 public key as 64 hex digits (`aura-host key FILE` on its machine prints it).",
						Subject: it.ValueRange.Ptr()})
					return
				}
				r.Allow = append(r.Allow, key)
			}
			r.AllowRange = a.Expr.Range()
		}},
	},
}

func decodeRelayBlock(d *decoder, dep *Deployment, b *hcl.Block) {
	dep.Relay = &RelayBlock{DeclRange: b.DefRange}
	relaySpec.decode(d, dep.Relay, b.Body)
}

func decodePeerBlock(d *decoder, dep *Deployment, b *hcl.Block) {
	p := &Peer{Name: b.Labels[0], NameRange: b.LabelRanges[0], DeclRange: b.DefRange}
	if !validName(p.Name) {
		d.add(invalidName("peer", p.Name, p.NameRange))
	}
	peerSpec.decode(d, p, b.Body)
	if p.AuthorityRange == (hcl.Range{}) {
		p.Authority = p.Name
	}
	dep.Peers = append(dep.Peers, p)
}

// checkPeers reports peers whose name or authority is another agent's or
// peer's, or whose key is this deployment's own agents' business.
func (d *decoder) checkPeers(dep *Deployment) {
	type owner struct {
		what string
		r    hcl.Range
	}
	names, authorities := map[string]owner{}, map[string]owner{}
	for _, a := range dep.Agents {
		names[a.Name] = owner{"agent", a.NameRange}
		authorities[a.Authority] = owner{fmt.Sprintf("agent %q", a.Name), a.DeclRange}
	}
	keys := map[string]owner{}
	for _, p := range dep.Peers {
		if first, ok := names[p.Name]; ok {
			d.add(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Duplicate peer name",
				Detail:   fmt.Sprintf("%q is already the name of the %s at %s. Names are unique among agents and peers: rename or remove one of them.", p.Name, first.what, lineOf(first.r, p.NameRange)),
				Subject:  p.NameRange.Ptr(),
			})
			continue
		}
		names[p.Name] = owner{"peer", p.NameRange}
		if p.Relay {
			if p.AuthorityRange != (hcl.Range{}) {
				d.add(&hcl.Diagnostic{Severity: hcl.DiagError, Summary: "A relay has no authority",
					Detail:  fmt.Sprintf("Peer %q is a relay: it runs no agent and acts for no authority. Remove authority, or relay = true if it is an agent's machine.", p.Name),
					Subject: p.AuthorityRange.Ptr()})
			}
		} else if first, ok := authorities[p.Authority]; ok {
			d.add(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Two agents with one authority",
				Detail:   fmt.Sprintf("Peer %q acts for authority %q, as %s (line %d) does. Each agent, here or elsewhere, is its own authority: give the peer its own, authority = \"<label>\".", p.Name, p.Authority, first.what, first.r.Start.Line),
				Subject:  p.DeclRange.Ptr(),
			})
		}
		if !p.Relay {
			authorities[p.Authority] = owner{fmt.Sprintf("peer %q", p.Name), p.DeclRange}
		}
		if len(p.PublicKey) > 0 {
			if first, ok := keys[string(p.PublicKey)]; ok {
				d.add(&hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Two peers with one key",
					Detail:   fmt.Sprintf("Peer %q has the public key of %s (line %d): each device has its own key. Copy the right key from `aura-host key FILE` on the peer's machine.", p.Name, first.what, first.r.Start.Line),
					Subject:  p.PublicKeyRange.Ptr(),
				})
			}
			keys[string(p.PublicKey)] = owner{fmt.Sprintf("peer %q", p.Name), p.DeclRange}
		}
	}
	if len(dep.Peers) > 0 && len(dep.Agents) == 0 && dep.Relay == nil {
		d.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Peers without an agent",
			Detail:   "A file with peer blocks is one machine's part of a multi-host deployment: it declares the agent (or agents) that run here with agent blocks, and the others with peer blocks. Add agent \"<name>\" { listen = \"/ip4/0.0.0.0/tcp/4001\" }.",
			Subject:  dep.Peers[0].DeclRange.Ptr(),
		})
	}
	for _, a := range dep.Agents {
		if len(dep.Peers) > 0 && len(a.Listen) == 0 {
			d.add(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Agent without a listening address",
				Detail:   fmt.Sprintf("Agent %q runs beside peers on other machines, which dial it: give the address its transport listens on, listen = \"/ip4/0.0.0.0/tcp/4001\" (the address its peers write in their peer block for it).", a.Name),
				Subject:  a.DeclRange.Ptr(),
			})
		}
	}
}

// hexProblem says what is wrong with s as 64 hex digits.
func hexProblem(s string) string {
	if _, err := hex.DecodeString(s); err != nil {
		return fmt.Sprintf("%q, which is not hex", s)
	}
	return fmt.Sprintf("%d characters", len(s))
}

// checkNetworked reports a file whose agents have peers or sync blocks
// but no network transport to reach them by.
func (d *decoder) checkNetworked(dep *Deployment) {
	var subject *hcl.Range
	what := ""
	for _, p := range dep.Peers {
		if !p.Relay {
			subject, what = p.DeclRange.Ptr(), fmt.Sprintf("peer %q", p.Name)
			break
		}
	}
	for _, ag := range dep.Agents {
		if subject == nil && ag.Sync != nil {
			subject, what = ag.Sync.DeclRange.Ptr(), fmt.Sprintf("agent %q's sync block", ag.Name)
		}
	}
	if subject == nil {
		return
	}
	for _, p := range dep.Plugins {
		if p.Builtin == "transport" {
			return
		}
	}
	d.add(&hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "No network transport",
		Detail:   fmt.Sprintf("The %s is reached over the network, but no plugin of this file is the transport. Add plugin \"network\" { builtin = \"transport\" }.", what),
		Subject:  subject,
	})
}

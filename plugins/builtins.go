package plugins

import (
	"maps"
	"slices"

	"github.com/aurahost/aura-host/plugins/auth"
	"github.com/aurahost/aura-host/plugins/ceremony"
	"github.com/aurahost/aura-host/plugins/clock"
	"github.com/aurahost/aura-host/plugins/console"
	"github.com/aurahost/aura-host/plugins/crypto"
	"github.com/aurahost/aura-host/plugins/invitation"
	"github.com/aurahost/aura-host/plugins/journal"
	"github.com/aurahost/aura-host/plugins/random"
	"github.com/aurahost/aura-host/plugins/recovery"
	"github.com/aurahost/aura-host/plugins/rendezvous"
	"github.com/aurahost/aura-host/plugins/session"
	"github.com/aurahost/aura-host/plugins/simclock"
	"github.com/aurahost/aura-host/plugins/simnetwork"
	"github.com/aurahost/aura-host/plugins/simrandom"
	"github.com/aurahost/aura-host/plugins/simstorage"
	"github.com/aurahost/aura-host/plugins/storage"
	"github.com/aurahost/aura-host/plugins/transport"
	"github.com/aurahost/aura-host/sdk"
)

// catalogue maps each built-in's name to its constructor. The name is what
// a deployment writes in builtin = "NAME", and equals the plugin's own
// Name.
var catalogue = map[string]func() *sdk.Plugin{
	auth.Name:       auth.New,
	ceremony.Name:   ceremony.New,
	clock.Name:      clock.New,
	console.Name:    console.New,
	crypto.Name:     crypto.New,
	invitation.Name: invitation.New,
	journal.Name:    journal.New,
	random.Name:     random.New,
	recovery.Name:   recovery.New,
	rendezvous.Name: rendezvous.New,
	session.Name:    session.New,
	simclock.Name:   simclock.New,
	simnetwork.Name: simnetwork.New,
	simrandom.Name:  simrandom.New,
	simstorage.Name: simstorage.New,
	storage.Name:    storage.New,
	transport.Name:  transport.New,
}

// families lists the operation families of the built-ins that serve more
// than the family of their own name. A simulation plugin stands in for
// another plugin, so it serves that plugin's families (sim-clock serves
// clock; sim-network, network and transport), plus the families through
// which a simulator controls it.
var families = map[string][]string{
	simclock.Name:   {simclock.FamilyClock, simclock.FamilyTimeControl},
	simnetwork.Name: {simnetwork.FamilyNetwork, simnetwork.FamilyTransport, simnetwork.FamilyNetworkFaults, simnetwork.FamilyNetworkControl},
	simrandom.Name:  {simrandom.Family},
	simstorage.Name: {simstorage.FamilyStorage, simstorage.FamilyFaultInjection},
	transport.Name:  {transport.Family, transport.DiscoveryFamily},
}

// Families returns the families of the operations the built-in named name
// serves: the family of its own name, unless the catalogue lists others.
func Families(name string) []string {
	if f, ok := families[name]; ok {
		return slices.Clone(f)
	}
	return []string{name}
}

// Builtins returns the built-in plugins by name. Each call of a
// constructor returns a fresh, unconfigured plugin. The map is a copy: a
// caller may change it without affecting the catalogue.
func Builtins() map[string]func() *sdk.Plugin { return maps.Clone(catalogue) }

// Lookup returns the constructor of the built-in named name.
func Lookup(name string) (func() *sdk.Plugin, bool) {
	c, ok := catalogue[name]
	return c, ok
}

// Names returns the names of the built-in plugins, sorted.
func Names() []string { return slices.Sorted(maps.Keys(catalogue)) }

package plugins

import (
	"maps"
	"slices"

	"github.com/aurahost/aura-host/plugins/auth"
	"github.com/aurahost/aura-host/plugins/clock"
	"github.com/aurahost/aura-host/plugins/console"
	"github.com/aurahost/aura-host/plugins/crypto"
	"github.com/aurahost/aura-host/plugins/invitation"
	"github.com/aurahost/aura-host/plugins/random"
	"github.com/aurahost/aura-host/plugins/recovery"
	"github.com/aurahost/aura-host/plugins/rendezvous"
	"github.com/aurahost/aura-host/plugins/session"
	"github.com/aurahost/aura-host/plugins/storage"
	"github.com/aurahost/aura-host/sdk"
)

// catalogue maps each built-in's name to its constructor. The name is what
// a deployment writes in builtin = "NAME", and equals the plugin's own
// Name.
var catalogue = map[string]func() *sdk.Plugin{
	auth.Name:       auth.New,
	clock.Name:      clock.New,
	console.Name:    console.New,
	crypto.Name:     crypto.New,
	invitation.Name: invitation.New,
	random.Name:     random.New,
	recovery.Name:   recovery.New,
	rendezvous.Name: rendezvous.New,
	session.Name:    session.New,
	storage.Name:    storage.New,
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

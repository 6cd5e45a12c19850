package effects

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
)

// Entry is one registered operation: its declared spec, the provider that
// serves it (a plugin name) and the handler that answers it.
type Entry struct {
	Spec     OpSpec
	Provider string
	Handler  Handler
}

// Registry maps each operation to exactly one handler ("capability
// discovery"). Lookups are lock-free reads of an immutable snapshot;
// registration copies the snapshot, which suits a registry written at
// start-up and read on every call.
type Registry struct {
	mu   sync.Mutex // serialises writers
	snap atomic.Pointer[map[OpID]*Entry]
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	r := &Registry{}
	empty := map[OpID]*Entry{}
	r.snap.Store(&empty)
	return r
}

func (r *Registry) entries() map[OpID]*Entry { return *r.snap.Load() }

// Register registers every spec for one provider and handler, all or
// nothing. An operation another provider already serves is a
// *ConflictError naming both; an invalid spec is an error naming it.
func (r *Registry) Register(provider string, h Handler, specs ...OpSpec) error {
	if h == nil {
		panic("effects: Register with a nil handler")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	cur := r.entries()
	next := maps.Clone(cur)
	for _, spec := range specs {
		if err := spec.Validate(); err != nil {
			return fmt.Errorf("register %s: %w", provider, err)
		}
		if e, ok := next[spec.ID]; ok {
			return &ConflictError{Op: spec.ID, Existing: e.Provider, Claimant: provider}
		}
		next[spec.ID] = &Entry{Spec: spec, Provider: provider, Handler: h}
	}
	r.snap.Store(&next)
	return nil
}

// Unregister removes every operation of a provider and reports how many
// were removed.
func (r *Registry) Unregister(provider string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	next := maps.Clone(r.entries())
	n := 0
	for id, e := range next {
		if e.Provider == provider {
			delete(next, id)
			n++
		}
	}
	r.snap.Store(&next)
	return n
}

// Lookup returns the entry serving op.
func (r *Registry) Lookup(op OpID) (*Entry, bool) {
	e, ok := r.entries()[op]
	return e, ok
}

// Has reports whether some handler serves op.
func (r *Registry) Has(op OpID) bool {
	_, ok := r.entries()[op]
	return ok
}

// Families returns the effect families with at least one operation, sorted.
func (r *Registry) Families() []string {
	seen := map[string]bool{}
	for id := range r.entries() {
		seen[id.Family()] = true
	}
	return slices.Sorted(maps.Keys(seen))
}

// Operations returns the specs of a family's operations, sorted by ID.
func (r *Registry) Operations(family string) []OpSpec {
	var out []OpSpec
	for id, e := range r.entries() {
		if id.Family() == family {
			out = append(out, e.Spec)
		}
	}
	slices.SortFunc(out, func(a, b OpSpec) int { return compareOps(a.ID, b.ID) })
	return out
}

// Entries returns every entry, sorted by operation ID.
func (r *Registry) Entries() []Entry {
	snap := r.entries()
	out := make([]Entry, 0, len(snap))
	for _, e := range snap {
		out = append(out, *e)
	}
	slices.SortFunc(out, func(a, b Entry) int { return compareOps(a.Spec.ID, b.Spec.ID) })
	return out
}

// Capability summarises one family: which providers serve it and which
// operations it has.
type Capability struct {
	Family    string
	Providers []string
	Ops       []OpID
}

// Capabilities summarises the registry by family, sorted.
func (r *Registry) Capabilities() []Capability {
	byFamily := map[string]*Capability{}
	for _, e := range r.Entries() {
		fam := e.Spec.ID.Family()
		c := byFamily[fam]
		if c == nil {
			c = &Capability{Family: fam}
			byFamily[fam] = c
		}
		if !slices.Contains(c.Providers, e.Provider) {
			c.Providers = append(c.Providers, e.Provider)
		}
		c.Ops = append(c.Ops, e.Spec.ID)
	}
	out := make([]Capability, 0, len(byFamily))
	for _, fam := range slices.Sorted(maps.Keys(byFamily)) {
		c := byFamily[fam]
		slices.Sort(c.Providers)
		out = append(out, *c)
	}
	return out
}

// Invoke dispatches a call in process: the handler serving call.Op, after
// checking the arguments against its schema. An operation nobody serves is
// an unknown_op error, never a silent no-op.
func (r *Registry) Invoke(ctx context.Context, call *Call) (Value, error) {
	e, ok := r.entries()[call.Op]
	if !ok {
		return Value{}, &Error{Code: CodeUnknownOp, Op: call.Op, Message: "no handler serves this operation"}
	}
	if err := e.Spec.CheckArgs(call.Args); err != nil {
		return Value{}, err
	}
	return e.Handler.Invoke(ctx, call)
}

func compareOps(a, b OpID) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

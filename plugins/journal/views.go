package journal

import (
	"fmt"
	"maps"
	"slices"

	"github.com/aurahost/aura-host/sdk"
)

// Reducer turns the facts of one type into a view. It receives the facts
// sorted by ID and must depend only on the set it is given, never on the
// order facts were added, so that any permutation of the same facts gives
// the same view. It must not keep or modify the slice.
type Reducer func(facts []Fact) sdk.Value

// Registry maps fact types to the reducers that make their views: the
// journal's fact-type registry. Register reducers before serving; the
// plugin only reads the registry.
type Registry struct {
	reducers map[string]Reducer
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{reducers: map[string]Reducer{}} }

// DefaultRegistry returns a registry holding the built-in reducers, each
// under the fact type of its name:
//
//   - "counter": CountByPredicate
//   - "latest": LatestByPredicate
func DefaultRegistry() *Registry {
	r := NewRegistry()
	r.Register("counter", CountByPredicate)
	r.Register("latest", LatestByPredicate)
	return r
}

// Register makes red the reducer of factType. Registering a type twice, an
// empty type or a nil reducer is a programmer error and panics.
func (r *Registry) Register(factType string, red Reducer) {
	switch {
	case factType == "":
		panic("journal: Register with an empty fact type")
	case red == nil:
		panic(fmt.Sprintf("journal: Register(%q) with a nil reducer", factType))
	}
	if _, dup := r.reducers[factType]; dup {
		panic(fmt.Sprintf("journal: fact type %q registered twice", factType))
	}
	r.reducers[factType] = red
}

// Lookup returns the reducer of factType.
func (r *Registry) Lookup(factType string) (Reducer, bool) {
	red, ok := r.reducers[factType]
	return red, ok
}

// Types returns the registered fact types, sorted.
func (r *Registry) Types() []string { return slices.Sorted(maps.Keys(r.reducers)) }

// CountByPredicate counts facts per predicate: a map of predicate to int.
func CountByPredicate(facts []Fact) sdk.Value {
	counts := map[string]int64{}
	for _, f := range facts {
		counts[f.Predicate]++
	}
	out := make(map[string]sdk.Value, len(counts))
	for p, n := range counts {
		out[p] = sdk.Int(n)
	}
	return sdk.Map(out)
}

// LatestByPredicate keeps, per predicate, the body of the latest fact: the
// greatest time, and among equal times the greatest ID, so that concurrent
// facts resolve the same way everywhere. A map of predicate to body.
func LatestByPredicate(facts []Fact) sdk.Value {
	latest := map[string]*Fact{}
	for i := range facts {
		f := &facts[i]
		// Facts arrive in ID order, so a later f with an equal time has the
		// greater ID and wins.
		if cur, ok := latest[f.Predicate]; !ok || f.Time >= cur.Time {
			latest[f.Predicate] = f
		}
	}
	out := make(map[string]sdk.Value, len(latest))
	for p, f := range latest {
		out[p] = f.Body
	}
	return sdk.Map(out)
}

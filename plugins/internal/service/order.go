package service

import (
	"cmp"
	"maps"
	"slices"
)

// Oldest returns the entries of byID oldest first, by the time at gives
// them, and entries of the same time by their id (their key in byID): an
// order that does not depend on how the state was rebuilt, so listings
// and the work done over them repeat exactly.
func Oldest[T any](byID map[string]T, at func(T) int64) []T {
	ids := slices.SortedFunc(maps.Keys(byID), func(a, b string) int {
		return cmp.Or(cmp.Compare(at(byID[a]), at(byID[b])), cmp.Compare(a, b))
	})
	out := make([]T, len(ids))
	for i, id := range ids {
		out[i] = byID[id]
	}
	return out
}

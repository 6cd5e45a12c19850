package service_test

import (
	"slices"
	"testing"

	"github.com/aurahost/aura-host/plugins/internal/service"
)

func TestOldestOrdersByTimeThenID(t *testing.T) {
	t.Parallel()
	at := map[string]int64{"c": 10, "a": 20, "b": 10, "d": 5}
	got := service.Oldest(at, func(ms int64) int64 { return ms })
	if want := []int64{5, 10, 10, 20}; !slices.Equal(got, want) {
		t.Fatalf("Oldest = %v, want %v", got, want)
	}
	type entry struct {
		id string
		ms int64
	}
	byID := map[string]entry{}
	for id, ms := range at {
		byID[id] = entry{id, ms}
	}
	var ids []string
	for _, e := range service.Oldest(byID, func(e entry) int64 { return e.ms }) {
		ids = append(ids, e.id)
	}
	if want := []string{"d", "b", "c", "a"}; !slices.Equal(ids, want) {
		t.Fatalf("Oldest ids = %v, want %v", ids, want)
	}
}

package builtin

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/lifecycle"
	"github.com/aurahost/aura-host/host/tasks"
)

// TestMaintenanceHealthFollowsItsJobs is the maintenance service's state
// machine as a table: each round every job runs once, with the outcome
// the row gives it, and the service's health must follow — degraded
// naming every failing job and its error, healthy once all succeed.
// Time is a ManualClock: a round is one interval advanced, after every
// job has gone to sleep.
func TestMaintenanceHealthFollowsItsJobs(t *testing.T) {
	boom, down := errors.New("boom"), errors.New("rendezvous unavailable")
	rounds := []struct {
		a, b   error
		state  lifecycle.State
		reason string
	}{
		{nil, nil, lifecycle.Healthy, ""},
		{boom, nil, lifecycle.Degraded, "job a: boom"},
		{boom, down, lifecycle.Degraded, "job a: boom; job b: rendezvous unavailable"},
		{nil, down, lifecycle.Degraded, "job b: rendezvous unavailable"},
		{nil, nil, lifecycle.Healthy, ""},
		{nil, boom, lifecycle.Degraded, "job b: boom"},
		{nil, nil, lifecycle.Healthy, ""},
	}
	clock := tasks.NewManualClock(time.Unix(0, 0))
	sup := tasks.New(tasks.Config{Clock: clock})
	var mu sync.Mutex
	round := 0
	outcome := func(job string) func(context.Context) error {
		return func(context.Context) error {
			mu.Lock()
			defer mu.Unlock()
			if job == "a" {
				return rounds[round].a
			}
			return rounds[round].b
		}
	}
	m := newMaintenanceService("maint", func() *tasks.Supervisor { return sup }, []maintenanceJob{
		{name: "a", every: time.Minute, run: outcome("a")},
		{name: "b", every: time.Hour, run: outcome("b")}, // b's rounds are an hour apart: only b runs at the hour
	})
	ctx := t.Context()
	if h := m.Health(); h.State != lifecycle.NotStarted {
		t.Fatalf("before start: %v", h)
	}
	if err := m.Start(ctx); err != nil {
		t.Fatal(err)
	}
	for i, r := range rounds {
		if i > 0 {
			mu.Lock()
			round = i
			mu.Unlock()
			// Both jobs asleep; advance to b's next run, which is also a's
			// (an hour is 60 minutes: a runs at each minute on the way).
			for range 60 {
				if err := clock.WaitForSleepers(ctx, 2); err != nil {
					t.Fatal(err)
				}
				runs := m.Runs("a") // before the advance: the run may be over before WaitRuns
				clock.Advance(time.Minute)
				if err := m.WaitRuns(ctx, "a", runs+1); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := m.WaitRuns(ctx, "b", i+1); err != nil {
			t.Fatal(err)
		}
		if h := m.Health(); h.State != r.state || h.Reason != r.reason {
			t.Errorf("round %d: %v, want %s (%s)", i, h, r.state, r.reason)
		}
	}
	if err := m.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if h := m.Health(); h.State != lifecycle.Stopped {
		t.Fatalf("after stop: %v", h)
	}
	if running := sup.Running(); len(running) != 0 {
		t.Fatalf("tasks still running after stop: %v", running)
	}
}

// TestMaintenanceSettings: the settings New refuses say what is wrong.
func TestMaintenanceSettings(t *testing.T) {
	c := effects.DeriveContextID("c", 1).String()
	p := effects.DeriveAuthorityID("p", 1).String()
	for _, tc := range []struct {
		name     string
		settings map[string]effects.Value
		err      string
	}{
		{"defaults", nil, ""},
		{"a negative interval", map[string]effects.Value{"invitation_interval_ms": effects.Int(-1)}, "invitation_interval_ms is -1: an interval is 0 (off) or more"},
		{"a refresh as long as the validity", map[string]effects.Value{"descriptor_refresh_ms": effects.Int(DefaultDescriptorValidityMS)}, "the refresh shorter than it"},
		{"a validity past a day", map[string]effects.Value{"descriptor_validity_ms": effects.Int(2 * 86_400_000)}, "the validity is 1 ms to"},
		{"budgets", map[string]effects.Value{"epoch_budgets": effects.List(effects.String(c + "/" + p))}, ""},
		{"a budget without its peer", map[string]effects.Value{"epoch_budgets": effects.List(effects.String(c))}, `item 0 is "` + c + `": want "context-…/authority-…"`},
		{"budgets not a list", map[string]effects.Value{"epoch_budgets": effects.String(c + "/" + p)}, "a list of"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := map[string]effects.Value{
				"invitation_interval_ms": effects.Int(DefaultInvitationIntervalMS), "epoch_interval_ms": effects.Int(0),
				"epoch_budgets": effects.Null(), "rendezvous_check_ms": effects.Int(DefaultRendezvousCheckMS),
				"descriptor_validity_ms": effects.Int(DefaultDescriptorValidityMS), "descriptor_refresh_ms": effects.Int(DefaultDescriptorRefreshMS),
			}
			for k, v := range tc.settings {
				m[k] = v
			}
			_, err := newMaintenance(ServiceEnv{Name: "maintenance", Settings: effects.Map(m)})
			if (err == nil) != (tc.err == "") || err != nil && !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("New: %v, want %q", err, tc.err)
			}
		})
	}
}

package cover_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/cover"
	"github.com/aurahost/aura-host/host/internal/hosttest"
	"github.com/aurahost/aura-host/host/lifecycle"
	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/plugins"
)

// The application (an invoke, a protocol, a plugin's callback: anything
// but the service) sending in the cover context is refused by the guard
// chain before the reserve is read: it can neither spend the reserve nor
// pass its traffic off as cover.
func TestAttackApplicationCannotSpendTheReserve(t *testing.T) {
	d := newLinkDriver(t, true, 0)
	d.runTo(2_000)
	before := d.status(d.alice)
	alice, bob := d.alice.AuthorityID(), d.bob.AuthorityID()
	_, err := d.alice.Invoke(t.Context(), effects.NetworkSendEnvelope, effects.Map(map[string]effects.Value{"envelope": effects.Map(map[string]effects.Value{
		"destination": effects.Bytes(bob[:]), "source": effects.Bytes(alice[:]), "context": effects.Bytes(cover.Context[:]),
		"payload": effects.Bytes(make([]byte, cover.DefaultPayloadBytes))})}))
	if !errors.Is(err, host.ErrReservedContext) || !errors.Is(err, effects.ErrDenied) {
		t.Fatalf("the application's send in the cover context: %v, want denied (ErrReservedContext)", err)
	}
	d.runTo(2_400) // no tick: only the refused send happened
	after := d.status(d.alice)
	if after.ReserveSpent != before.ReserveSpent || after.AppSent != before.AppSent {
		t.Fatalf("a refused send changed the reserve or the counts: before %+v, after %+v", before, after)
	}
	if n, _ := d.link(); n != before.CoverSent {
		t.Fatalf("the link carried %d packets, want only the %d cover ones", n, before.CoverSent)
	}
}

// A reserve too small for the floor stops cover (counted, and the service
// degraded) without touching the application's budget: the application
// still sends.
func TestAttackCoverCannotExhaustTheApplicationBudget(t *testing.T) {
	src := strings.ReplaceAll(coverDeployment, "privacy_mode = PRIVACY", "privacy_mode = true\n    reserve = 4")
	s, err := sim.New(t.Context(), sim.Config{Deployment: hosttest.Deployment(t, src), Seed: 17,
		Builtins: plugins.Lookup, Logger: hosttest.QuietLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	d := &linkDriver{t: t, s: s, alice: s.Agent("alice"), bob: s.Agent("bob"), sleepers: 2, appEvery: 1000, appNext: 250,
		appCtx: effects.DeriveContextID("app", 0)}
	d.runTo(5_000)
	ps := d.status(d.alice)
	if ps.CoverSent != 2 || ps.Exhausted == 0 || ps.ReserveSpent != 4 {
		t.Fatalf("a reserve of 4 (2 cover envelopes): %+v", ps)
	}
	if h := d.alice.CoverService().Health(); h.State != lifecycle.Degraded || !strings.Contains(h.Reason, "exhausted") {
		t.Fatalf("health %v, want degraded: the reserve is exhausted", h)
	}
	if ps.AppSent != 5 {
		t.Fatalf("the application sent %d of 5 envelopes with the reserve exhausted", ps.AppSent)
	}
	app, err := d.alice.FlowBudget(t.Context(), d.appCtx, d.bob.AuthorityID())
	if err != nil || app.Spent != 5*2 {
		t.Fatalf("the application's budget %+v (%v): want only its own 5 sends spent", app, err)
	}
}

// A config block out of range is refused at build with what to use; one of
// the wrong kind, at its line.
func TestCoverConfigRefusals(t *testing.T) {
	for _, tc := range []struct{ edit, want string }{
		{"privacy_mode = true\n    floor_pps = 0", "floor_pps = 0: use 1 or more"},
		{"privacy_mode = true\n    payload_bytes = 16", "payload_bytes = 16: use 32 to 1024"},
		{"privacy_mode = true\n    reserve = -1", "reserve = -1"},
		{`privacy_mode = "yes"`, "privacy_mode of service \"cover\" must be true or false"},
	} {
		src := strings.ReplaceAll(coverDeployment, "privacy_mode = PRIVACY", tc.edit)
		_, err := sim.New(t.Context(), sim.Config{Deployment: hosttest.Deployment(t, src), Seed: 1,
			Builtins: plugins.Lookup, Logger: hosttest.QuietLogger(t)})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error containing %q", tc.edit, err, tc.want)
		}
	}
}

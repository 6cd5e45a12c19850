package cover_test

import (
	"context"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/agent"
	"github.com/aurahost/aura-host/host/cover"
	"github.com/aurahost/aura-host/host/internal/hosttest"
	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/plugins"
)

// coverDeployment is two agents on the simulated network, each hosting the
// cover-traffic service with privacy mode PRIVACY.
const coverDeployment = `
deployment "cover" {
  mode = "simulation"
}
agent "alice" {
  allow = ["*"]
  flow_budget { limit = 100000 }
}
agent "bob" {
  allow = ["*"]
  flow_budget { limit = 100000 }
}
plugin "journal" { builtin = "journal" }
plugin "clock"   { builtin = "sim-clock" }
plugin "random"  { builtin = "sim-random" }
plugin "network" { builtin = "sim-network" }
service "cover" {
  builtin = "cover_traffic"
  config {
    privacy_mode = PRIVACY
  }
}
`

// linkDriver moves a simulation's virtual time with no protocol running:
// host/sim's loop moves time only while a run is in progress, so the test
// steps the shared sim-clock itself, as the loop does — wait until every
// periodic task sleeps on it (time_control.wait_for_sleepers), jump to the
// earliest deadline (next_deadline, set_time) and tick the network to it —
// with the application's sends scheduled between the services' ticks. The
// observer reads network_control.link: what crossed the link, counted by
// the network, not by the service.
type linkDriver struct {
	t        *testing.T
	s        *sim.Simulation
	alice    *agent.Agent
	bob      *agent.Agent
	now      int64
	sleepers int64
	appEvery int64 // 0: the application is silent
	appNext  int64
	appCtx   effects.ContextID
}

func newLinkDriver(t *testing.T, privacy bool, appEvery int64) *linkDriver {
	t.Helper()
	src := strings.ReplaceAll(coverDeployment, "PRIVACY", map[bool]string{true: "true", false: "false"}[privacy])
	s, err := sim.New(t.Context(), sim.Config{Deployment: hosttest.Deployment(t, src), Seed: 17,
		Builtins: plugins.Lookup, Logger: hosttest.QuietLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	// Scheduled off the services' 500 ms grid, so that no send races a
	// tick at the same virtual time.
	return &linkDriver{t: t, s: s, alice: s.Agent("alice"), bob: s.Agent("bob"), sleepers: 2,
		appEvery: appEvery, appNext: 250, appCtx: effects.DeriveContextID("app", 0)}
}

// call is the simulator's control call (Simulation.Control): the agents
// may not move the shared clock or tick the network.
func (d *linkDriver) call(op effects.OpID, args map[string]effects.Value) effects.Value {
	d.t.Helper()
	// A bound on the wait for the services to fall asleep: a service that
	// never sleeps again fails the test instead of hanging it.
	ctx, cancel := context.WithTimeout(d.t.Context(), time.Minute)
	defer cancel()
	v, err := d.s.Control(ctx, op, args)
	if err != nil {
		d.t.Fatalf("%s: %v", op, err)
	}
	return v
}

// runTo moves virtual time to end, waking the services' ticks and making
// the application's sends on the way.
func (d *linkDriver) runTo(end int64) {
	d.t.Helper()
	for {
		d.call(effects.OpID("time_control.wait_for_sleepers"), map[string]effects.Value{"n": effects.Int(d.sleepers)})
		v := d.call(effects.OpID("time_control.next_deadline"), nil)
		next, ok := v.AsInt()
		if !ok {
			d.t.Fatalf("no sleeper on the clock at %d ms: the cover services stopped ticking", d.now)
		}
		app := d.appEvery > 0 && d.appNext <= next
		if app {
			next = d.appNext
		}
		if next > end {
			break
		}
		d.call(effects.OpID("time_control.set_time"), map[string]effects.Value{"ms": effects.Int(next)})
		d.call(effects.NetworkControlTick, map[string]effects.Value{"now_ms": effects.Int(next)})
		d.now = next
		if app {
			d.appSend()
			d.appNext += d.appEvery
		}
	}
}

// appSend is the application sending bob one envelope, as a protocol would.
func (d *linkDriver) appSend() {
	alice, bob := d.alice.AuthorityID(), d.bob.AuthorityID()
	if _, err := d.alice.Invoke(d.t.Context(), effects.NetworkSendEnvelope, effects.Map(map[string]effects.Value{"envelope": effects.Map(map[string]effects.Value{
		"destination": effects.Bytes(bob[:]), "source": effects.Bytes(alice[:]), "context": effects.Bytes(d.appCtx[:]),
		"payload": effects.Bytes(make([]byte, 100))})})); err != nil {
		d.t.Fatalf("the application's send: %v", err)
	}
}

// link is what has crossed alice → bob so far: copies delivered, and
// those with a payload of the default cover size.
func (d *linkDriver) link() (delivered, coverSized int64) {
	delivered, sizes := d.linkSizes()
	return delivered, sizes["256"]
}

// linkSizes is what has crossed alice → bob so far: copies delivered, and
// how many of each payload size.
func (d *linkDriver) linkSizes() (int64, map[string]int64) {
	alice, bob := d.alice.AuthorityID(), d.bob.AuthorityID()
	v := d.call(effects.NetworkControlLink, map[string]effects.Value{"source": effects.Bytes(alice[:]), "destination": effects.Bytes(bob[:])})
	dv, _ := v.Get("delivered")
	delivered, _ := dv.AsInt()
	sizes, _ := v.Get("sizes")
	out := map[string]int64{}
	for _, f := range sizes.Fields() {
		out[f.Key], _ = f.Value.AsInt()
	}
	return delivered, out
}

func (d *linkDriver) status(a *agent.Agent) cover.PeerStatus {
	peer := d.bob.AuthorityID()
	if a == d.bob {
		peer = d.alice.AuthorityID()
	}
	ps, _ := a.CoverService().Status().Peer(peer)
	return ps
}

// TestObserverCountsTheFloor is acceptance 4: an observer of alice's link
// to bob counts, over 10 s of virtual time, at least 2 packets/s with
// privacy mode on whether or not the application sends — fewer cover
// packets when it does — and with privacy mode off nothing but the
// application's own.
func TestObserverCountsTheFloor(t *testing.T) {
	const from, to = 1_000, 11_000 // a 10 s window, after the first second
	cases := []struct {
		name     string
		privacy  bool
		appEvery int64
		atLeast  int64 // packets on the link in the window
		atMost   int64
		cover    [2]int64 // cover packets on the link in the window: at least, at most
		// sizes the observer sees in the window: payload size → packets.
		// The application's payloads are 100 bytes, and cover takes the
		// application's sizes once it has seen one.
		sizes map[string]int64
	}{
		{"privacy on, application silent", true, 0, 20, 20, [2]int64{20, 20}, map[string]int64{"256": 20}},
		{"privacy on, application at 1/s", true, 1000, 20, 20, [2]int64{10, 10}, map[string]int64{"100": 20}},
		{"privacy off, application silent", false, 0, 0, 0, [2]int64{0, 0}, map[string]int64{}},
		{"privacy off, application at 1/s", false, 1000, 10, 10, [2]int64{0, 0}, map[string]int64{"100": 10}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := newLinkDriver(t, tc.privacy, tc.appEvery)
			d.runTo(from)
			n0, sizes0 := d.linkSizes()
			cover0 := d.status(d.alice).CoverSent
			d.runTo(to)
			n1, sizes1 := d.linkSizes()
			sizes := map[string]int64{}
			for k, v := range sizes1 {
				if v > sizes0[k] {
					sizes[k] = v - sizes0[k]
				}
			}
			if !maps.Equal(sizes, tc.sizes) {
				t.Errorf("payload sizes on the link in the window %v, want %v", sizes, tc.sizes)
			}
			got, gotCover := n1-n0, d.status(d.alice).CoverSent-cover0
			t.Logf("%d packets crossed alice → bob in %d ms of virtual time (%d cover)", got, to-from, gotCover)
			if got < tc.atLeast || got > tc.atMost {
				t.Errorf("the link carried %d packets in 10 s, want %d to %d", got, tc.atLeast, tc.atMost)
			}
			if gotCover < tc.cover[0] || gotCover > tc.cover[1] {
				t.Errorf("%d cover packets in 10 s, want %d to %d", gotCover, tc.cover[0], tc.cover[1])
			}
			st := d.alice.CoverService().Status()
			if st.Sending != tc.privacy || (tc.privacy == (st.Reason != "")) {
				t.Errorf("status sending %v, reason %q; want sending %v and a reason only when off", st.Sending, st.Reason, tc.privacy)
			}
		})
	}
}

// TestReceiverDropsAndCountsCover: bob takes alice's cover envelopes out of
// its inbox and counts them, none refused by its guard chain (their
// receipts chain across alice's path renewals); what alice sent crossed
// the link, every one at the cover size.
func TestReceiverDropsAndCountsCover(t *testing.T) {
	d := newLinkDriver(t, true, 0)
	d.runTo(10_000)
	first := d.status(d.alice)
	// Past two path TTLs (30 s): two new paths, each a new epoch of the
	// reserve and a new receipt chain, which bob must accept.
	d.runTo(65_000)
	last := d.status(d.alice)
	if last.PathExpiresMS <= first.PathExpiresMS || last.Path != cover.PathEstablished || last.Exhausted != 0 {
		t.Fatalf("after 65 s: %+v; want a later established path (first expired at %d) and no exhausted reserve", last, first.PathExpiresMS)
	}
	sent, received := last.CoverSent, d.status(d.bob).CoverReceived
	delivered, coverSized := d.link()
	if sent < 130 || delivered != sent || coverSized != sent {
		t.Fatalf("alice sent %d cover, the link delivered %d (%d of the cover size)", sent, delivered, coverSized)
	}
	// Bob's tick at a given virtual time may run before alice's: the last
	// interval's cover waits for its next tick.
	if received < sent-2 || received > sent {
		t.Fatalf("bob received %d cover envelopes of %d sent", received, sent)
	}
	// A new path renews the reserve's epoch and starts a new receipt
	// chain; alice's and bob's ticks at one virtual time run concurrently,
	// so the last envelope of the old epoch can reach bob's guard chain
	// after the first of the new one, which then refuses it as stale: at
	// most one per renewal (two here). A replay, or more refusals, fails.
	if ps := d.status(d.bob); ps.Replayed != 0 || ps.Refused > 2 {
		t.Fatalf("bob dropped cover as replayed, or refused more than one per path renewal: %+v", ps)
	}
}

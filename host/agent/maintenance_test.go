package agent_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/effects/facade"
	"github.com/aurahost/aura-host/host/agent"
	"github.com/aurahost/aura-host/host/agent/builtin"
	"github.com/aurahost/aura-host/host/lifecycle"
	"github.com/aurahost/aura-host/internal/descriptor"
	"github.com/aurahost/aura-host/plugins"
)

// fakeRendezvous is a test kind serving rendezvous.publish, which the
// test takes down and brings back.
type fakeRendezvous struct {
	lifecycle.Tracker
	mu        sync.Mutex
	down      bool
	published []effects.Value
}

func (f *fakeRendezvous) Name() string                { return "fake_rendezvous" }
func (f *fakeRendezvous) Dependencies() []string      { return nil }
func (f *fakeRendezvous) Start(context.Context) error { f.Set(lifecycle.Healthy, ""); return nil }
func (f *fakeRendezvous) Stop(context.Context) error  { f.Set(lifecycle.Stopped, ""); return nil }
func (f *fakeRendezvous) setDown(down bool)           { f.mu.Lock(); f.down = down; f.mu.Unlock() }
func (f *fakeRendezvous) descriptors() []effects.Value {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.published
}

func (f *fakeRendezvous) Invoke(_ context.Context, call *effects.Call) (effects.Value, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return effects.Value{}, &effects.Error{Code: effects.CodeUnavailable, Op: call.Op, Message: "the rendezvous plugin is restarting", Retryable: true}
	}
	d := call.Arg("descriptor")
	f.published = append(f.published, d)
	exp, _ := d.Get("expires_ms")
	return effects.Map(map[string]effects.Value{"peer": call.Arg("peer"), "descriptor": d, "published_ms": effects.Int(0),
		"expires_ms": exp, "refresh_at_ms": exp}), nil
}

// TestMaintenanceDegradesAndRecovers runs the maintenance service of an
// agent on a virtual clock (sim-clock): at start the rendezvous job fails
// (the rendezvous service is down), which degrades the service — and the
// agent's status — naming the job and the error; once rendezvous is back,
// the next run publishes the agent's descriptor, signed by its device
// key, and clears it; the descriptor is published again only when it
// nears its expiry (validity 1 h, refreshed 5 min before); and a pending
// invitation past its expiry is journaled as expired.
func TestMaintenanceDegradesAndRecovers(t *testing.T) {
	fake := &fakeRendezvous{down: true}
	defer agent.AddServiceKind(builtin.ServiceKind{Kind: "fake_rendezvous", Doc: "a rendezvous the test takes down",
		Ops: []effects.OpSpec{{ID: effects.RendezvousPublish, Result: effects.KindMap, Determinism: effects.WritesWorld, Params: []effects.Param{
			{Name: "peer", Kind: effects.KindString}, {Name: "descriptor", Kind: effects.KindMap}, {Name: "validity_ms", Kind: effects.KindInt, Optional: true}}}},
		New: func(builtin.ServiceEnv) (builtin.HostedService, error) { return fake, nil }})()
	dep := deployment(t, `
deployment "t" {}
plugin "clock"   { builtin = "sim-clock" }
plugin "crypto"  { builtin = "crypto" }
plugin "journal" { builtin = "journal" }
plugin "random"  { builtin = "random" }
plugin "network" { builtin = "transport" }
plugin "invitation" {
  builtin    = "invitation"
  depends_on = ["journal", "clock", "random", "crypto"]
}
plugin "ceremony" {
  builtin    = "ceremony"
  depends_on = ["journal", "clock", "random", "crypto"]
}
service "invitation" {}
service "ceremony" {}
service "rendezvous" { builtin = "fake_rendezvous" }
service "maintenance" {
  builtin    = "maintenance"
  depends_on = ["rendezvous"]
  config {
    invitation_interval_ms = 60000
    rendezvous_check_ms    = 60000
  }
}
`)
	ctx := t.Context()
	a, err := agent.NewBuilder().WithConfig(dep).WithAuthorityLabel("a").WithBuiltins(plugins.Lookup, true).
		WithLogger(quietLogger(t)).BuildTesting(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Shutdown(context.Background())
	m, ok := a.Service("maintenance").(*builtin.Maintenance)
	if !ok {
		t.Fatalf("service maintenance is %T", a.Service("maintenance"))
	}
	// An invitation that expires in 30 s, before the first minute passes.
	inv, err := a.Invoke(ctx, effects.InvitationInvite, effects.Map(map[string]effects.Value{"kind": effects.String("contact"),
		"receiver": effects.String(effects.DeriveAuthorityID("b", 0).String()), "ttl_ms": effects.Int(30_000)}))
	if err != nil {
		t.Fatal(err)
	}
	// A guardian ceremony that expires in 30 s too, with no acceptance.
	g, err := a.Invoke(ctx, effects.InvitationInvite, effects.Map(map[string]effects.Value{"kind": effects.String("guardian"),
		"receiver": effects.String(effects.DeriveAuthorityID("g", 0).String()), "ttl_ms": effects.Int(3_600_000)}))
	if err != nil {
		t.Fatal(err)
	}
	gid, _ := g.Get("id")
	gs, _ := gid.AsString()
	cer, err := a.Ceremonies().Propose(ctx, facade.CeremonyRequest{Invitations: []string{gs}, Threshold: 1, TTL: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.WaitRuns(ctx, builtin.JobRendezvous, 1); err != nil {
		t.Fatal(err)
	}
	if s := m.Skipped(); len(s) != 0 {
		t.Fatalf("skipped jobs %v: the deployment serves them all", s)
	}
	h := m.Health()
	if h.State != lifecycle.Degraded || !strings.Contains(h.Reason, "job rendezvous: publish the descriptor") ||
		!strings.Contains(h.Reason, "the rendezvous plugin is restarting") {
		t.Fatalf("with rendezvous down: %v, want degraded naming the job and the error", h)
	}
	if st := statusOf(a, "maintenance"); st.State != lifecycle.Degraded {
		t.Fatalf("the agent's status shows maintenance %v", st)
	}

	fake.setDown(false)
	minute := func(n int) {
		t.Helper()
		rv, iv, cv := m.Runs(builtin.JobRendezvous), m.Runs(builtin.JobInvitations), m.Runs(builtin.JobCeremonies)
		if _, err := a.Invoke(ctx, effects.TimeControlWaitForSleepers, effects.Map(map[string]effects.Value{"n": effects.Int(3)})); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Invoke(ctx, effects.TimeControlAdvanceTime, effects.Map(map[string]effects.Value{"ms": effects.Int(60_000)})); err != nil {
			t.Fatal(err)
		}
		if err := m.WaitRuns(ctx, builtin.JobRendezvous, rv+1); err != nil {
			t.Fatal(err)
		}
		if err := m.WaitRuns(ctx, builtin.JobInvitations, iv+1); err != nil {
			t.Fatal(err)
		}
		if err := m.WaitRuns(ctx, builtin.JobCeremonies, cv+1); err != nil {
			t.Fatal(err)
		}
		if got := len(fake.descriptors()); got != n {
			t.Fatalf("at minute %d: %d descriptors published, want %d", rv, got, n)
		}
	}
	minute(1)
	if h := m.Health(); h.State != lifecycle.Healthy {
		t.Fatalf("after rendezvous came back: %v, want healthy", h)
	}
	now, err := a.Effects().Clock.PhysicalTime(ctx)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := descriptor.Verify(fake.descriptors()[0], now.Ms)
	if err != nil || signed.Authority != a.AuthorityID() || !signed.DeviceKey.Equal(a.PublicKey()) ||
		signed.ExpiresMS-signed.IssuedMS != builtin.DefaultDescriptorValidityMS {
		t.Fatalf("published descriptor %+v (%v): want one of the agent, by its device key, valid an hour", signed.Descriptor, err)
	}
	if c, err := a.Ceremonies().Get(ctx, cer.ID); err != nil || !c.Settled || c.Reason != "expired" {
		t.Fatalf("the ceremony after its expiry: %+v %v, want it rolled back by the maintenance job", c, err)
	}
	expired, err := a.Invoke(ctx, effects.JournalFactsByPredicate, effects.Map(map[string]effects.Value{"predicate": effects.String("invitation.expired")}))
	if id, _ := inv.Get("id"); err != nil || expired.Len() != 1 || !strings.Contains(expired.String(), id.String()) {
		t.Fatalf("invitation.expired facts %v (%v), want one for %v", expired, err, id)
	}
	// Minutes 2 to 55: the descriptor holds; at minute 56 it is 5 minutes
	// from its expiry and is published again, with a later seq.
	for range 54 {
		minute(1)
	}
	minute(2)
	again, err := descriptor.Verify(fake.descriptors()[1], signed.ExpiresMS-1)
	if err != nil || again.Seq <= signed.Seq || again.IssuedMS != signed.ExpiresMS-builtin.DefaultDescriptorRefreshMS {
		t.Fatalf("republished %+v (%v), want a later seq issued 5 min before the first expired", again.Descriptor, err)
	}
}

func statusOf(a *agent.Agent, name string) lifecycle.Health {
	for _, s := range a.Services() {
		if s.Name == name {
			return s.Health
		}
	}
	return lifecycle.Health{}
}

// A job whose operations the deployment does not serve does not run (and
// does not degrade the service): here no invitation, rendezvous or
// ceremony plugin, and no budgets to rotate.
func TestMaintenanceSkipsWhatTheDeploymentLacks(t *testing.T) {
	dep := deployment(t, `
deployment "t" {}
plugin "clock"   { builtin = "sim-clock" }
plugin "journal" { builtin = "journal" }
service "maintenance" { builtin = "maintenance" }
`)
	a, err := agent.NewBuilder().WithConfig(dep).WithAuthorityLabel("a").WithBuiltins(plugins.Lookup, true).
		WithLogger(quietLogger(t)).BuildTesting(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Shutdown(context.Background())
	m := a.Service("maintenance").(*builtin.Maintenance)
	want := []string{"invitations: no plugin serves invitation.expire", "rendezvous: no plugin serves transport.local_descriptor",
		"ceremonies: no plugin serves ceremony.list"}
	if got := m.Skipped(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("skipped %q, want %q", got, want)
	}
	if h := m.Health(); h.State != lifecycle.Healthy {
		t.Fatalf("health %v", h)
	}
}

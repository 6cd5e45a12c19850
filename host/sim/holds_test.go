package sim_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/effects/facade"
	"github.com/aurahost/aura-host/host/agent"
	"github.com/aurahost/aura-host/host/holds"
	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/plugins"
)

// holdAgents are the agents of the hold tests: an account, its guardian,
// and three holders.
var holdAgents = []string{"account", "guardian", "h1", "h2", "h3"}

// holdsDeployment is a deployment of holdAgents with the recovery service
// and the hold service, in mode.
func holdsDeployment(mode effects.Mode) string {
	var b strings.Builder
	fmt.Fprintf(&b, "deployment \"holds\" {\n  mode = %q\n}\n", mode)
	builtins := map[effects.Mode][]string{
		effects.Simulation: {"crypto", "journal", "sim-clock", "sim-random", "sim-storage", "sim-network"},
		effects.Production: {"crypto", "journal", "clock", "random", "storage", "transport"},
	}[mode]
	for i, p := range []string{"crypto", "journal", "clock", "random", "storage", "network"} {
		fmt.Fprintf(&b, "plugin %q { builtin = %q }\n", p, builtins[i])
	}
	b.WriteString(`plugin "recovery" {
  builtin    = "recovery"
  depends_on = ["journal", "clock", "random", "crypto"]
}
service "recovery" {}
service "holds" { builtin = "holds" }
`)
	for _, name := range holdAgents {
		fmt.Fprintf(&b, "agent %q {\n  allow = [\"*\"]\n  flow_budget { limit = 100000 }\n}\n", name)
	}
	return b.String()
}

// initiateRecovery makes guardian the account's only guardian and opens a
// recovery; it returns the request as the service answered it.
func initiateRecovery(t *testing.T, account *agent.Agent, guardian effects.AuthorityID) effects.Value {
	t.Helper()
	ctx := context.Background()
	if _, err := account.Recovery().SetGuardians(ctx, []string{guardian.String()}, 1); err != nil {
		t.Fatalf("set guardians: %v", err)
	}
	req, err := account.Invoke(ctx, effects.RecoveryInitiate, effects.Map(map[string]effects.Value{
		"operation": effects.String("replace_tree"), "ttl_ms": effects.Int(time.Hour.Milliseconds())}))
	if err != nil {
		t.Fatalf("initiate: %v", err)
	}
	return req
}

// checkRequest wants the guardian to have received exactly payload from
// the account, verified, from every holder.
func checkRequest(t *testing.T, g *holds.Service, account effects.AuthorityID, payload []byte, holders int) {
	t.Helper()
	got := g.ReceivedEnvelopes()
	if len(got) != 1 {
		t.Fatalf("the guardian received %d envelopes, want 1", len(got))
	}
	if !bytes.Equal(got[0].Sealed.Payload, payload) || got[0].Sealed.Depositor != account {
		t.Fatalf("the guardian received %q from %s, want the account's request", got[0].Sealed.Payload, got[0].Sealed.Depositor)
	}
	if len(got[0].Holders) < holders {
		t.Fatalf("delivered intact by %d holders, want %d", len(got[0].Holders), holders)
	}
	req, err := effects.DecodeCanonical(got[0].Sealed.Payload)
	if err != nil {
		t.Fatalf("the request does not decode: %v", err)
	}
	if acct, _ := req.Get("account"); acct.String() != effects.String(account.String()).String() {
		t.Fatalf("the request is for %v, want %s", acct, account)
	}
}

// simDriver moves a simulation's virtual time by hand (there are no run
// blocks: the hold services are the only actors) and steps each agent's
// hold service at every step, so nothing waits on goroutine scheduling.
type simDriver struct {
	t   *testing.T
	s   *sim.Simulation
	now int64
}

func (d *simDriver) control(op effects.OpID, args map[string]effects.Value) {
	d.t.Helper()
	if _, err := d.s.Control(context.Background(), op, args); err != nil {
		d.t.Fatalf("%s: %v", op, err)
	}
}

func (d *simDriver) ids(names ...string) effects.Value {
	var out []effects.Value
	for _, n := range names {
		id := d.s.Agent(n).AuthorityID()
		out = append(out, effects.Bytes(id[:]))
	}
	return effects.List(out...)
}

// isolate partitions name from every other agent (after healing every
// partition: the simulated network heals all at once).
func (d *simDriver) isolate(name string) {
	d.control(effects.NetworkFaultsHeal, nil)
	var others []string
	for _, n := range holdAgents {
		if n != name {
			others = append(others, n)
		}
	}
	d.control(effects.NetworkFaultsPartition, map[string]effects.Value{"a": d.ids(name), "b": d.ids(others...)})
}

// until steps virtual time by 50 ms (clock, network, then each hold
// service's Pump) until cond holds, for at most limit of virtual time.
func (d *simDriver) until(limit time.Duration, what string, cond func() bool) {
	d.t.Helper()
	end := d.now + limit.Milliseconds()
	for !cond() {
		if d.now >= end {
			d.t.Fatalf("after %v of virtual time: %s never happened", limit, what)
		}
		d.now += 50
		d.control("time_control.set_time", map[string]effects.Value{"ms": effects.Int(d.now)})
		d.control(effects.NetworkControlTick, map[string]effects.Value{"now_ms": effects.Int(d.now)})
		for _, n := range holdAgents {
			if err := d.s.Agent(n).HoldService().Pump(context.Background()); err != nil {
				d.t.Fatal(err)
			}
		}
	}
}

// Acceptance 3 in simulation: the guardian is partitioned away while the
// account opens a recovery and deposits the request with three holders;
// then the account is partitioned away and the guardian comes back: its
// hold service asks the holders by itself (its periodic refresh, on
// virtual time), receives the exact request bytes, verified against the
// account's key, and approves the recovery — an approval it deposits for
// the account, now away, which the account receives once back and
// submits: the recovery completes.
func TestHoldDeliversARecoveryRequestAcrossAPartition(t *testing.T) {
	ctx := context.Background()
	s, err := sim.New(ctx, sim.Config{Deployment: deployment(t, holdsDeployment(effects.Simulation)), Seed: 5,
		Builtins: plugins.Lookup, Logger: quietLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	account, guardian := s.Agent("account"), s.Agent("guardian")
	d := &simDriver{t: t, s: s}
	d.isolate("guardian")

	req := initiateRecovery(t, account, guardian.AuthorityID())
	payload := req.Canonical()
	var holders []string
	for _, h := range []string{"h1", "h2", "h3"} {
		holders = append(holders, s.Agent(h).AuthorityID().String())
	}
	dep, err := account.Holds().Deposit(ctx, guardian.AuthorityID().String(), payload, holders...)
	if err != nil {
		t.Fatal(err)
	}
	d.until(10*time.Second, "three holders acknowledging the deposit", func() bool {
		st, err := account.Holds().Status(ctx, dep.ID)
		return err == nil && len(st.Acked) == 3
	})
	if n := len(guardian.HoldService().ReceivedEnvelopes()); n != 0 {
		t.Fatalf("the partitioned guardian received %d envelopes", n)
	}

	d.isolate("account")
	// The guardian's own refresh (every 7.5 s of virtual time) asks the
	// holders: nobody calls hold.retrieve for it.
	d.until(time.Minute, "the guardian receiving the request", func() bool {
		return len(guardian.HoldService().ReceivedEnvelopes()) > 0
	})
	checkRequest(t, guardian.HoldService(), account.AuthorityID(), payload, 1)

	// The guardian approves, and deposits its approval for the account.
	recoveryID, approval := approve(t, guardian, req, account.AuthorityID())
	if _, err := guardian.Holds().Deposit(ctx, account.AuthorityID().String(), approval, holders...); err != nil {
		t.Fatal(err)
	}
	d.until(10*time.Second, "the holders keeping the approval", func() bool {
		n := 0
		for _, h := range []string{"h1", "h2", "h3"} {
			n += s.Agent(h).HoldService().HeldCount()
		}
		return n == 6
	})
	d.isolate("guardian")
	d.until(time.Minute, "the account receiving the approval", func() bool {
		return len(account.HoldService().ReceivedEnvelopes()) > 0
	})
	submitApproval(t, account, recoveryID)

	// Retention passes on virtual time: each holder's own periodic GC (its
	// task on the agent's clock; nobody calls GC here) removes what it held.
	d.until(3*time.Minute, "the holders' GC removing every deposit", func() bool {
		n := 0
		for _, h := range []string{"h1", "h2", "h3"} {
			n += s.Agent(h).HoldService().HeldCount()
		}
		return n == 0
	})
}

// approve is the guardian approving the recovery request it received:
// its device's signature of the approval message, as a payload to deposit.
func approve(t *testing.T, guardian *agent.Agent, req effects.Value, account effects.AuthorityID) (string, []byte) {
	t.Helper()
	ctx := context.Background()
	idv, _ := req.Get("id")
	recoveryID, _ := idv.AsString()
	msg, err := guardian.Recovery().ApprovalMessage(ctx, recoveryID, facade.RecoveryReplaceTree, account.String())
	if err != nil {
		t.Fatal(err)
	}
	sig, err := guardian.Effects().Device.Sign(ctx, effects.PurposeRecoveryApproval, msg)
	if err != nil {
		t.Fatal(err)
	}
	return recoveryID, effects.Map(map[string]effects.Value{"recovery_id": effects.String(recoveryID),
		"guardian_id": effects.String(guardian.AuthorityID().String()), "signature": effects.Bytes(sig)}).Canonical()
}

// submitApproval submits the approval the account received from the
// holders, and wants the recovery complete.
func submitApproval(t *testing.T, account *agent.Agent, recoveryID string) {
	t.Helper()
	got, err := effects.DecodeCanonical(account.HoldService().ReceivedEnvelopes()[0].Sealed.Payload)
	if err != nil {
		t.Fatal(err)
	}
	get := func(k string) effects.Value { v, _ := got.Get(k); return v }
	sig, _ := get("signature").AsBytes()
	gid, _ := get("guardian_id").AsString()
	res, err := account.Recovery().SubmitApproval(context.Background(), facade.GuardianApproval{RecoveryID: recoveryID, GuardianID: gid, Signature: sig})
	if err != nil {
		t.Fatalf("submit the approval the holders delivered: %v", err)
	}
	if res.State.Phase != facade.RecoveryComplete {
		t.Fatalf("recovery %+v, want complete", res.State)
	}
}

// waitFor polls cond (a production run moves on wall-clock time over real
// sockets) until it holds, failing the test after limit.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s never happened", limit, what)
		}
		<-tick.C
	}
}

// loopbackPeers places every agent of dep on a loopback port, with the
// device key its process will use (in its state directory under dep's).
func loopbackPeers(t *testing.T, dep *config.Deployment) map[string]sim.Peer {
	t.Helper()
	peers := map[string]sim.Peer{}
	for _, ag := range dep.Agents {
		id, err := agent.Authority(dep, ag)
		if err != nil {
			t.Fatal(err)
		}
		d := *dep
		d.StateDir = filepath.Join(dep.StateDir, "agents", ag.Name)
		pub, err := agent.DevicePublicKey(&d, id)
		if err != nil {
			t.Fatal(err)
		}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		peers[ag.Name] = sim.Peer{Address: l.Addr().String(), PublicKey: pub}
		l.Close()
	}
	return peers
}

// Acceptance 3 in production over loopback: the real transport, storage
// and wall clock. The guardian is not running at all while the account
// opens a recovery and deposits the request with three holders; then the
// account shuts down, and the guardian starts (a second production run of
// the same deployment, with only the guardian local): on start its hold
// service asks the holders, and it receives the exact request bytes,
// verified against the account's key. (The approval's way back, which
// the simulation test also takes, would need the account restarted in this
// process: in-process plugins keep their files open after Shutdown.)
func TestHoldDeliversARecoveryRequestInProductionOverLoopback(t *testing.T) {
	if testing.Short() {
		t.Skip("starts five production agents on loopback ports")
	}
	ctx := context.Background()
	dep := deployment(t, holdsDeployment(effects.Production))
	peers := loopbackPeers(t, dep)
	start := func(local ...string) *sim.Simulation {
		s, err := sim.New(ctx, sim.Config{Deployment: dep, Mode: effects.Production, Builtins: plugins.Lookup,
			Logger: quietLogger(t), Local: local, Peers: peers})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close(context.Background()) })
		return s
	}
	first := start("account", "h1", "h2", "h3")
	account := first.Agent("account")
	guardianID, err := agent.Authority(dep, dep.Agents[1])
	if err != nil {
		t.Fatal(err)
	}
	req := initiateRecovery(t, account, guardianID)
	payload := req.Canonical()
	var holders []string
	for _, h := range []string{"h1", "h2", "h3"} {
		holders = append(holders, first.Agent(h).AuthorityID().String())
	}
	dep1, err := account.Holds().Deposit(ctx, guardianID.String(), payload, holders...)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "three holders acknowledging the deposit", func() bool {
		st, err := account.Holds().Status(ctx, dep1.ID)
		return err == nil && len(st.Acked) == 3
	})
	if err := account.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}

	second := start("guardian")
	guardian := second.Agent("guardian")
	if guardian.AuthorityID() != guardianID {
		t.Fatalf("the guardian is %s, want %s", guardian.AuthorityID(), guardianID)
	}
	waitFor(t, 30*time.Second, "the guardian receiving the request", func() bool {
		return len(guardian.HoldService().ReceivedEnvelopes()) > 0
	})
	checkRequest(t, guardian.HoldService(), account.AuthorityID(), payload, 1)
}

// A simulation that runs a protocol leaves the hold service's envelopes to
// it: the post office takes only its runs' envelopes (per source and
// context), so a deposit delivered while a run goes on is still in the
// holder's inbox for its hold service afterwards.
func TestHoldEnvelopesSurviveARunInTheSameSimulation(t *testing.T) {
	ctx := context.Background()
	src := holdsDeployment(effects.Simulation) + runBlock("ping", filepath.Join(protocolsDir(), "ping_pong.hcl"), "1m",
		"Client = account", "Server = guardian")
	s, err := sim.New(ctx, sim.Config{Deployment: deployment(t, src), Seed: 2, Builtins: plugins.Lookup, Logger: quietLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	account, h1 := s.Agent("account"), s.Agent("h1")
	if _, err := account.Holds().Deposit(ctx, s.Agent("guardian").AuthorityID().String(), []byte("kept"), h1.AuthorityID().String()); err != nil {
		t.Fatal(err)
	}
	if err := account.HoldService().Pump(ctx); err != nil { // sent now; the run's ticks deliver it
		t.Fatal(err)
	}
	out, err := s.Run(ctx)
	if err != nil || out.Runs[0].Err != nil {
		t.Fatalf("run: %v %v", err, out.Runs[0].Err)
	}
	d := &simDriver{t: t, s: s, now: out.VirtualMs}
	d.until(10*time.Second, "h1 keeping the deposit", func() bool { return h1.HoldService().HeldCount() == 1 })
}

// A simulation with the hold service beside a run is still one bundle per
// seed: the service's periodic tasks sleep on the shared clock like the
// run's machines.
func TestHoldsBesideARunKeepTheBundleDeterministic(t *testing.T) {
	ctx := context.Background()
	src := holdsDeployment(effects.Simulation) + runBlock("ping", filepath.Join(protocolsDir(), "ping_pong.hcl"), "1m",
		"Client = account", "Server = guardian")
	var hashes []string
	for range 2 {
		s, err := sim.New(ctx, sim.Config{Deployment: deployment(t, src), Seed: 4, Builtins: plugins.Lookup, Logger: quietLogger(t)})
		if err != nil {
			t.Fatal(err)
		}
		out, err := s.Run(ctx)
		s.Close(ctx)
		if err != nil || out.Runs[0].Err != nil {
			t.Fatalf("run: %v %v", err, out.Runs[0].Err)
		}
		hashes = append(hashes, out.Bundle.Hash())
	}
	if hashes[0] != hashes[1] {
		t.Fatalf("bundles %s and %s for one seed", hashes[0], hashes[1])
	}
}

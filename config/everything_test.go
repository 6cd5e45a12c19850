package config

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/effects"
)

// TestParseEverything checks every field the supervision, service, agent,
// override, fault and run blocks fill, from the valid_everything golden.
func TestParseEverything(t *testing.T) {
	input, _ := readGolden(t, "testdata/valid_everything.txt")
	d, diags := Parse(input, "test.hcl", Options{Builtins: testBuiltins, Dir: "/deploy/examples"})
	if len(diags) != 0 {
		t.Fatal(render(d, diags))
	}
	at := func(r hcl.Range) string { return pos(&r) }

	crypto, storage, recovery := d.Plugin("crypto"), d.Plugin("storage"), d.Plugin("recovery")
	if crypto.Start != StartEager || at(crypto.StartRange) != "10:13" || d.Plugin("clock").Start != StartEager || d.Plugin("clock").StartRange != (hcl.Range{}) {
		t.Errorf("start: %q at %s", crypto.Start, at(crypto.StartRange))
	}
	if d.Plugin("random").Start != StartLazy {
		t.Errorf("random start %q", d.Plugin("random").Start)
	}
	wantHealth := &Health{Interval: time.Second, Timeout: 250 * time.Millisecond, UnhealthyThreshold: 3, Grace: 0}
	if diff := cmp.Diff(wantHealth, crypto.Health, cmpopts.IgnoreTypes(hcl.Range{})); diff != "" {
		t.Errorf("health (-want +got):\n%s", diff)
	}
	if h := crypto.Health; at(h.DeclRange) != "12:3" || at(h.IntervalRange) != "13:27" || at(h.GraceRange) != "16:27" {
		t.Errorf("health ranges: decl %s interval %s grace %s", at(h.DeclRange), at(h.IntervalRange), at(h.GraceRange))
	}
	if crypto.Restart != nil || crypto.Call != nil || crypto.DependsOn != nil || crypto.StopTimeout != 0 {
		t.Errorf("absent blocks are not nil: %+v %+v", crypto.Restart, crypto.Call)
	}
	wantRestart := &Restart{Attempts: 5, Window: time.Minute, Delay: 10 * time.Millisecond, MaxDelay: 5 * time.Second, Mode: RestartKeepTrying, StableAfter: 10 * time.Second}
	if diff := cmp.Diff(wantRestart, storage.Restart, cmpopts.IgnoreTypes(hcl.Range{})); diff != "" {
		t.Errorf("restart (-want +got):\n%s", diff)
	}
	if at(storage.Restart.ModeRange) != "30:20" {
		t.Errorf("restart mode at %s", at(storage.Restart.ModeRange))
	}
	wantCall := &Call{Timeout: 30 * time.Second, BreakerThreshold: -1, BreakerCooldown: time.Second}
	if diff := cmp.Diff(wantCall, storage.Call, cmpopts.IgnoreTypes(hcl.Range{})); diff != "" {
		t.Errorf("call (-want +got):\n%s", diff)
	}
	if storage.StopTimeout != 5*time.Second || at(storage.StopTimeoutRange) != "23:18" {
		t.Errorf("stop timeout %v at %s", storage.StopTimeout, at(storage.StopTimeoutRange))
	}
	if diff := cmp.Diff([]string{"storage", "clock"}, recovery.DependsOn); diff != "" {
		t.Errorf("depends_on: %s", diff)
	}
	if at(recovery.DependsOnRange) != "57:16" || len(recovery.DependsOnRanges) != 2 || at(recovery.DependsOnRanges[1]) != "57:28" {
		t.Errorf("depends_on ranges: %s %v", at(recovery.DependsOnRange), recovery.DependsOnRanges)
	}

	wantServices := []*Service{
		{Name: "recovery", Plugin: "recovery", DependsOn: []string{"crypto"}},
		{Name: "invitation", Plugin: "recovery", DependsOn: []string{"recovery"}},
	}
	if diff := cmp.Diff(wantServices, d.Services, cmpopts.IgnoreTypes(hcl.Range{}, []hcl.Range{})); diff != "" {
		t.Errorf("services (-want +got):\n%s", diff)
	}
	if s := d.Service("recovery"); s.PluginRange != (hcl.Range{}) || at(s.NameRange) != "60:9" || d.Service("nope") != nil {
		t.Errorf("service ranges: plugin %v name %s", s.PluginRange, at(s.NameRange))
	}
	if s := d.Service("invitation"); at(s.PluginRange) != "65:16" {
		t.Errorf("invitation plugin at %s", at(s.PluginRange))
	}

	wantAgents := []*Agent{
		{Name: "account", Authority: "account", Allow: []string{"recovery.*", "crypto.ed25519_sign", "crypto.ed25519_verify"}, FlowBudgetLimit: 100},
		{Name: "g1", Authority: "authority-000102030405060708090a0b0c0d0e0f", Allow: []string{"*"}},
		{Name: "g2", Authority: "g2"},
	}
	if diff := cmp.Diff(wantAgents, d.Agents, cmpopts.IgnoreTypes(hcl.Range{}, []hcl.Range{})); diff != "" {
		t.Errorf("agents (-want +got):\n%s", diff)
	}
	if a := d.Agent("account"); a.AuthorityRange != (hcl.Range{}) || at(a.FlowBudgetRange) != "73:13" || at(a.AllowRanges[1]) != "70:26" {
		t.Errorf("agent ranges: authority %v budget %s allow[1] %s", a.AuthorityRange, at(a.FlowBudgetRange), at(a.AllowRanges[1]))
	}
	for _, a := range d.Agents {
		for _, pattern := range a.Allow {
			if !effects.MatchOp(pattern, effects.CryptoEd25519Sign) && !effects.MatchOp(pattern, "recovery.approve") && !effects.MatchOp(pattern, effects.CryptoEd25519Verify) {
				t.Errorf("pattern %q matches nothing it should", pattern)
			}
		}
	}

	sim, testing := d.Overrides[effects.Simulation], d.Overrides[effects.Testing]
	if sim == nil || testing == nil || len(d.Overrides) != 2 {
		t.Fatalf("overrides: %v", d.Overrides)
	}
	if *sim.Seed != 7 || at(sim.SeedRange) != "85:10" || at(sim.DeclRange) != "84:1" || sim.Mode != effects.Simulation || len(sim.Plugins) != 2 {
		t.Errorf("simulation block: %+v", sim)
	}
	if testing.Seed != nil || len(testing.Plugins) != 1 || testing.Plugins[0].Name != "storage" {
		t.Errorf("testing block: %+v", testing)
	}
	if d.Seed != 7 {
		t.Errorf("seed in simulation mode: %d", d.Seed)
	}

	wantFaults := []*Fault{
		{Kind: FaultPartition, At: 2 * time.Second, Between: []string{"account", "g1"}, HealAfter: time.Second},
		{Kind: FaultDrop, At: time.Second, Rate: 0.1, Duration: 2 * time.Second},
		{Kind: FaultDelay, Min: 10 * time.Millisecond, Max: 50 * time.Millisecond, Duration: 5 * time.Second},
		{Kind: FaultDuplicate, Rate: 0.05, Duration: time.Second},
		{Kind: FaultCrash, At: 3 * time.Second, Agent: "g2", RestartAfter: time.Second},
		{Kind: FaultStorageFailure, At: time.Second, Agent: "account", Rate: 1, Duration: time.Second},
	}
	if diff := cmp.Diff(wantFaults, d.Faults, cmpopts.IgnoreTypes(hcl.Range{}, []hcl.Range{}), cmpopts.IgnoreUnexported(Fault{})); diff != "" {
		t.Errorf("faults (-want +got):\n%s", diff)
	}
	if f := d.Faults[0]; at(f.KindRange) != "107:7" || at(f.BetweenRanges[1]) != "109:28" || at(f.HealAfterRange) != "110:16" {
		t.Errorf("fault ranges: kind %s between[1] %s heal %s", at(f.KindRange), at(f.BetweenRanges[1]), at(f.HealAfterRange))
	}
	if f := d.Faults[2]; f.At != 0 || at(f.AtRange) != "120:14" || f.RateRange != (hcl.Range{}) {
		t.Errorf("delay fault: at %v range %s", f.At, at(f.AtRange))
	}

	if len(d.Runs) != 1 {
		t.Fatalf("%d runs", len(d.Runs))
	}
	r := d.Runs[0]
	want := &Run{
		Name: "recovery", Protocol: "/deploy/protocols/guardian_recovery.hcl", ProtocolName: "guardian_recovery",
		Roles:   map[string]string{"Account": "account", "Guardian[0]": "g1", "Guardian[1]": "g2"},
		Timeout: time.Hour,
	}
	if diff := cmp.Diff(want, r, cmpopts.IgnoreTypes(hcl.Range{}, map[string]hcl.Range{}), cmpopts.IgnoreUnexported(Run{})); diff != "" {
		t.Errorf("run (-want +got):\n%s", diff)
	}
	if rr := r.RoleRanges["Guardian[0]"]; pos(&rr) != "150:5" || rr.End.Line != 150 || rr.End.Column != 25 {
		t.Errorf("Guardian[0] binding at %s-%d:%d", pos(&rr), rr.End.Line, rr.End.Column)
	}
	if d.Run("recovery") != r || d.Run("nope") != nil {
		t.Error("Run lookup")
	}
}

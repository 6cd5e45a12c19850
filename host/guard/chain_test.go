package guard

import (
	"errors"
	"reflect"
	"testing"

	"github.com/aurahost/aura-host/effects"
)

var testPolicy = Policy{
	Guarded: []string{"invitation.*", "recovery.submit_approval", "auth.verify"},
	Sends:   []string{"transport.send_envelope"},
}

func sendReq(size int) Request {
	return Request{
		Op: "transport.send_envelope", Authority: alice, Context: ctxAB, Session: sess,
		Peer: bob, PayloadSize: size, Time: 1234, Body: effects.Map(map[string]effects.Value{"digest": effects.Bytes([]byte{1, 2})}),
	}
}

func opReq(op effects.OpID) Request {
	return Request{Op: op, Authority: alice, Context: ctxAB, Session: sess, Time: 99,
		Body: effects.Map(map[string]effects.Value{"id": effects.String("inv-1")})}
}

func commandKinds(cmds []Command) []string {
	var out []string
	for _, c := range cmds {
		out = append(out, reflect.TypeOf(c).Name())
	}
	return out
}

func TestCapabilityGuard(t *testing.T) {
	tests := []struct {
		name   string
		grants []string
		op     effects.OpID
		auth   effects.AuthorityID
		allow  bool
	}{
		{"exact", []string{"invitation.accept"}, "invitation.accept", alice, true},
		{"family", []string{"invitation.*"}, effects.InvitationDecline, alice, true},
		{"everything", []string{"*"}, effects.RecoverySubmitApproval, alice, true},
		{"other op of family", []string{"invitation.accept"}, effects.InvitationDecline, alice, false},
		{"other family", []string{"invitation.*"}, effects.RecoverySubmitApproval, alice, false},
		{"prefix is not a family", []string{"invit.*"}, effects.InvitationAccept, alice, false},
		{"no grants", nil, effects.InvitationAccept, alice, false},
		{"grants of another authority", []string{"*"}, effects.InvitationAccept, bob, false},
		{"no authority", []string{"*"}, effects.InvitationAccept, effects.AuthorityID{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap := Snapshot{Policy: testPolicy, Grants: map[effects.AuthorityID][]string{alice: tt.grants}}
			req := opReq(tt.op)
			req.Authority = tt.auth
			d := Evaluate(snap, req)
			if !d.Guarded {
				t.Fatal("op not guarded")
			}
			if d.Allowed() != tt.allow {
				t.Fatalf("allowed = %v, want %v (denial %v)", d.Allowed(), tt.allow, d.Denial)
			}
			if tt.allow {
				if got, want := commandKinds(d.Commands), []string{"AppendFact", "RecordLeakage"}; !reflect.DeepEqual(got, want) {
					t.Fatalf("commands %v, want %v", got, want)
				}
				return
			}
			if d.Denial.Guard != GuardCapability || d.Denial.Code != effects.CodeDenied || d.Denial.Op != tt.op {
				t.Fatalf("denial %+v", d.Denial)
			}
			if len(d.Commands) != 0 {
				t.Fatalf("a denial carries commands: %v", d.Commands)
			}
		})
	}
}

// TestDeniedCapabilityLeavesNoTrace is the acceptance test of issue 5: a
// send whose authority lacks the capability is stopped before the budget is
// charged, before any fact and before any leakage record — even though the
// budget has headroom.
func TestDeniedCapabilityLeavesNoTrace(t *testing.T) {
	snap := Snapshot{
		Policy:  testPolicy,
		Grants:  map[effects.AuthorityID][]string{alice: {"invitation.*"}},
		Budgets: map[BudgetKey]FlowBudget{{ctxAB, bob}: {Limit: 100}},
	}
	d := Evaluate(snap, sendReq(10))
	if d.Allowed() || d.Denial.Guard != GuardCapability {
		t.Fatalf("decision %+v, want a capability denial", d)
	}
	if d.Commands != nil {
		t.Fatalf("commands %v, want none", d.Commands)
	}
	err := d.Err()
	if !errors.Is(err, effects.ErrDenied) {
		t.Fatalf("err %v is not denied", err)
	}
	var den *Denial
	if !errors.As(err, &den) || den.Guard != GuardCapability {
		t.Fatalf("err %v does not carry the denial", err)
	}
}

func TestFlowBudgetGuard(t *testing.T) {
	key := BudgetKey{ctxAB, bob}
	tests := []struct {
		name    string
		budgets map[BudgetKey]FlowBudget
		req     Request
		code    effects.Code // "" = allowed
		cost    uint64
	}{
		{"headroom", map[BudgetKey]FlowBudget{key: {Limit: 10, Epoch: 3}}, sendReq(100), "", 2},
		{"exactly at the limit", map[BudgetKey]FlowBudget{key: {Limit: 10, Spent: 8}}, sendReq(1024), "", 2},
		{"one over the limit", map[BudgetKey]FlowBudget{key: {Limit: 10, Spent: 9}}, sendReq(1024), effects.CodeExhausted, 0},
		{"cost grows per KiB", map[BudgetKey]FlowBudget{key: {Limit: 3}}, sendReq(2049), effects.CodeExhausted, 0},
		{"missing budget", nil, sendReq(0), effects.CodeExhausted, 0},
		{"budget of another peer", map[BudgetKey]FlowBudget{{ctxAB, carol}: {Limit: 100}}, sendReq(0), effects.CodeExhausted, 0},
		{"zero limit", map[BudgetKey]FlowBudget{key: {}}, sendReq(0), effects.CodeExhausted, 0},
		{"no peer", map[BudgetKey]FlowBudget{key: {Limit: 100}}, func() Request { r := sendReq(0); r.Peer = effects.AuthorityID{}; return r }(), effects.CodeDenied, 0},
		{"payload too large", map[BudgetKey]FlowBudget{key: {Limit: 1000}}, sendReq(MaxPayload + 1), effects.CodeDenied, 0},
		{"largest payload", map[BudgetKey]FlowBudget{key: {Limit: 65}}, sendReq(MaxPayload), "", 65},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap := Snapshot{Policy: testPolicy, Grants: map[effects.AuthorityID][]string{alice: {"transport.*"}}, Budgets: tt.budgets}
			d := Evaluate(snap, tt.req)
			if tt.code != "" {
				if d.Allowed() || d.Denial.Guard != GuardFlowBudget || d.Denial.Code != tt.code || d.Commands != nil {
					t.Fatalf("decision %+v, want a %s flow-budget denial and no commands", d, tt.code)
				}
				if tt.code == effects.CodeExhausted && (!errors.Is(d.Err(), effects.ErrExhausted) || !errors.Is(d.Err(), ErrBudgetExhausted)) {
					t.Fatalf("err %v is not exhausted", d.Err())
				}
				return
			}
			if !d.Allowed() {
				t.Fatalf("denied: %v", d.Denial)
			}
			if got, want := commandKinds(d.Commands), []string{"Charge", "AppendFact", "RecordLeakage"}; !reflect.DeepEqual(got, want) {
				t.Fatalf("commands %v, want %v", got, want)
			}
			c := d.Commands[0].(Charge)
			want := Charge{Key: key, Src: alice, Cost: tt.cost, Epoch: tt.budgets[key].Epoch}
			if c != want {
				t.Fatalf("charge %+v, want %+v", c, want)
			}
		})
	}
}

func TestGuardedOpIsNotCharged(t *testing.T) {
	snap := Snapshot{Policy: testPolicy, Grants: map[effects.AuthorityID][]string{alice: {"*"}}}
	req := opReq(effects.InvitationAccept)
	req.Peer = bob // a peer on a non-send does not make it a send
	d := Evaluate(snap, req)
	if !d.Allowed() {
		t.Fatal(d.Denial)
	}
	for _, c := range d.Commands {
		if _, ok := c.(Charge); ok {
			t.Fatal("a guarded non-send was charged")
		}
	}
}

func TestUnguardedOpPassesWithoutCommands(t *testing.T) {
	d := Evaluate(Snapshot{Policy: testPolicy}, opReq(effects.CryptoHash))
	if d.Guarded || !d.Allowed() || d.Commands != nil || d.Err() != nil {
		t.Fatalf("decision %+v, want an unguarded pass", d)
	}
}

func TestJournalCouplingFact(t *testing.T) {
	snap := Snapshot{
		Policy:  testPolicy,
		Grants:  map[effects.AuthorityID][]string{alice: {"*"}},
		Budgets: map[BudgetKey]FlowBudget{{ctxAB, bob}: {Limit: 100}},
	}
	d := Evaluate(snap, sendReq(1500))
	f := d.Commands[1].(AppendFact).Fact
	want := effects.Map(map[string]effects.Value{
		"type":      effects.String(FactSend),
		"authority": effects.Bytes(alice[:]),
		"time":      effects.Uint(1234),
		"predicate": effects.String("transport.send_envelope"),
		"body": effects.Map(map[string]effects.Value{
			"context": effects.Bytes(ctxAB[:]),
			"session": effects.Bytes(sess[:]),
			"peer":    effects.Bytes(bob[:]),
			"size":    effects.Uint(1500),
			"cost":    effects.Uint(3),
			"args":    effects.Map(map[string]effects.Value{"digest": effects.Bytes([]byte{1, 2})}),
		}),
	})
	if !f.Equal(want) {
		t.Fatalf("fact\n%v\nwant\n%v", f, want)
	}

	d = Evaluate(snap, opReq(effects.InvitationAccept))
	f = d.Commands[0].(AppendFact).Fact
	typ, _ := f.Get("type")
	pred, _ := f.Get("predicate")
	body, _ := f.Get("body")
	if s, _ := typ.AsString(); s != FactOperation {
		t.Fatalf("type %v", typ)
	}
	if s, _ := pred.AsString(); s != "invitation.accept" {
		t.Fatalf("predicate %v", pred)
	}
	if _, ok := body.Get("peer"); ok {
		t.Fatal("a non-send fact names a peer")
	}
}

func TestLeakageRecord(t *testing.T) {
	snap := Snapshot{
		Policy:  testPolicy,
		Grants:  map[effects.AuthorityID][]string{alice: {"*"}},
		Budgets: map[BudgetKey]FlowBudget{{ctxAB, bob}: {Limit: 100}},
	}
	l := Evaluate(snap, sendReq(700)).Commands[2].(RecordLeakage).Leakage
	want := Leakage{Op: "transport.send_envelope", Authority: alice, Context: ctxAB, Peer: bob, Time: 1234,
		Observations: []Observation{
			{Class: ObserverPeer, Learns: []string{LearnsContext, LearnsSource, LearnsSize, LearnsTime}, Size: 700},
			{Class: ObserverNetwork, Learns: []string{LearnsEndpoints, LearnsSize, LearnsTime}, Size: 700},
			{Class: ObserverContext, Learns: []string{LearnsOperation, LearnsAuthority, LearnsTime}},
		}}
	if !reflect.DeepEqual(l, want) {
		t.Fatalf("leakage %+v\nwant %+v", l, want)
	}
	l = Evaluate(snap, opReq(effects.AuthVerify)).Commands[1].(RecordLeakage).Leakage
	if len(l.Observations) != 1 || l.Observations[0].Class != ObserverContext || !l.Peer.IsZero() {
		t.Fatalf("local op leakage %+v", l)
	}
	typ, _ := l.Fact().Get("type")
	if s, _ := typ.AsString(); s != FactLeakage {
		t.Fatalf("leakage fact type %v", typ)
	}
}

// TestEvaluateIsPure: the same snapshot and request give the same decision,
// and evaluation changes nothing in the snapshot.
func TestEvaluateIsPure(t *testing.T) {
	budgets := map[BudgetKey]FlowBudget{{ctxAB, bob}: {Limit: 10, Spent: 4, Epoch: 2}}
	grants := map[effects.AuthorityID][]string{alice: {"*"}}
	snap := Snapshot{Policy: testPolicy, Grants: grants, Budgets: budgets}
	first := Evaluate(snap, sendReq(10))
	for range 3 {
		again := Evaluate(snap, sendReq(10))
		if !reflect.DeepEqual(first, again) {
			t.Fatalf("decisions differ:\n%+v\n%+v", first, again)
		}
	}
	if budgets[BudgetKey{ctxAB, bob}] != (FlowBudget{Limit: 10, Spent: 4, Epoch: 2}) || len(grants[alice]) != 1 {
		t.Fatal("Evaluate modified its snapshot")
	}
}

func TestPolicy(t *testing.T) {
	p := Policy{Guarded: []string{"invitation.*"}, Sends: []string{"transport.send_envelope"}}
	if !p.IsGuarded("transport.send_envelope") || !p.IsSend("transport.send_envelope") {
		t.Fatal("a send must be guarded")
	}
	if p.IsSend(effects.InvitationAccept) || !p.IsGuarded(effects.InvitationAccept) || p.IsGuarded(effects.CryptoHash) {
		t.Fatal("wrong classification")
	}
	for _, good := range []string{"*", "crypto.*", "crypto.hash", "a1_b.c_2"} {
		if err := ValidatePattern(good); err != nil {
			t.Errorf("%q: %v", good, err)
		}
	}
	for _, bad := range []string{"", ".*", "crypto", "Crypto.*", "crypto.**", "*.hash", "crypto.*.x", "crypto.", "**"} {
		if err := ValidatePattern(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if err := (Policy{Sends: []string{"bad"}}).Validate(); err == nil {
		t.Fatal("invalid policy accepted")
	}
}

func TestDenialConversion(t *testing.T) {
	d := &Denial{Guard: GuardFlowBudget, Code: effects.CodeExhausted, Reason: "no headroom", Op: "transport.send_envelope"}
	e := d.EffectError()
	if e.Code != effects.CodeExhausted || e.Op != d.Op || e.Retryable {
		t.Fatalf("%+v", e)
	}
	if !errors.Is(e, effects.ErrExhausted) || errors.Is(e, effects.ErrDenied) || !errors.Is(d, effects.ErrExhausted) {
		t.Fatal("code matching")
	}
	if got := e.Error(); got != "transport.send_envelope: exhausted: flow_budget guard: no headroom" {
		t.Fatalf("message %q", got)
	}
}

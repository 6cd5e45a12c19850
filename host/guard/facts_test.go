package guard

import (
	"bytes"
	"testing"

	"github.com/aurahost/aura-host/effects"
)

// The facts are built field by field from one allocation on every guarded
// call; what a journal keeps (and content-addresses) must be exactly what
// the plain construction below — Go maps, effects.Map, a copy per ID —
// gives. These reference builders are the fact shapes the package doc
// states, written the obvious way.

func refFact(typ string, authority effects.AuthorityID, time uint64, predicate string, body effects.Value) effects.Value {
	return effects.Map(map[string]effects.Value{
		"type": effects.String(typ), "authority": effects.Bytes(authority[:]), "time": effects.Uint(time),
		"predicate": effects.String(predicate), "body": body,
	})
}

func refOperationFact(req Request, send bool) effects.Value {
	body := map[string]effects.Value{
		"args": req.Body, "context": effects.Bytes(req.Context[:]), "session": effects.Bytes(req.Session[:]),
	}
	typ := FactOperation
	if send {
		typ = FactSend
		body["cost"] = effects.Uint(SendCost(req.PayloadSize))
		body["peer"] = effects.Bytes(req.Peer[:])
		body["size"] = effects.Uint(uint64(max(req.PayloadSize, 0)))
	}
	return refFact(typ, req.Authority, req.Time, string(req.Op), effects.Map(body))
}

func refLeakageFact(l Leakage) effects.Value {
	var obs []effects.Value
	for _, o := range l.Observations {
		var learns []effects.Value
		for _, s := range o.Learns {
			learns = append(learns, effects.String(s))
		}
		obs = append(obs, effects.Map(map[string]effects.Value{
			"class": effects.String(string(o.Class)), "learns": effects.List(learns...), "size": effects.Uint(o.Size),
		}))
	}
	return refFact(FactLeakage, l.Authority, l.Time, string(l.Op), effects.Map(map[string]effects.Value{
		"context": effects.Bytes(l.Context[:]), "observations": effects.List(obs...), "peer": effects.Bytes(l.Peer[:]),
	}))
}

func TestFactsAreThePlainConstruction(t *testing.T) {
	same := func(name string, got, want effects.Value) {
		t.Helper()
		if !bytes.Equal(got.Canonical(), want.Canonical()) || !got.Equal(want) {
			t.Errorf("%s:\n got %v\nwant %v", name, got, want)
		}
	}
	for _, tc := range []struct {
		name string
		req  Request
		send bool
	}{
		{"operation", opReq(effects.InvitationAccept), false},
		{"operation, zero scope", Request{Op: effects.SessionCreate, Authority: alice, Body: effects.Null()}, false},
		{"send", sendReq(700), true},
		{"send, empty payload", sendReq(0), true},
	} {
		same(tc.name+" fact", operationFact(tc.req, tc.send), refOperationFact(tc.req, tc.send))
		l := leakageOf(tc.req, tc.send)
		same(tc.name+" leakage", l.Fact(), refLeakageFact(l))
	}
	// A Leakage built elsewhere, with observations of its own.
	custom := Leakage{Op: effects.SessionCreate, Authority: carol, Context: ctxAB, Time: 7, Observations: []Observation{
		{Class: ObserverContext, Learns: []string{LearnsOperation}, Size: 3},
		{Class: ObserverContext, Learns: []string{LearnsOperation, LearnsAuthority, LearnsTime}},
		{Class: "auditor"},
	}}
	rs := issueN(t, NewReceiptManager(NewMemStore(), 0), 2, 3)
	for _, r := range rs {
		h := r.Hash()
		same("receipt", ReceiptFact(r, 42), refFact(FactReceipt, r.Src, 42, FactReceipt, effects.Map(map[string]effects.Value{
			"context": effects.Bytes(r.Context[:]), "dst": effects.Bytes(r.Dst[:]), "epoch": effects.Uint(r.Epoch),
			"nonce": effects.Uint(r.Nonce), "cost": effects.Uint(r.Cost), "hash": effects.Bytes(h[:]), "receipt": effects.Bytes(r.encode()),
		})))
	}
	same("custom leakage", custom.Fact(), refLeakageFact(custom))
	same("no observations", Leakage{Op: effects.SessionCreate}.Fact(), refLeakageFact(Leakage{Op: effects.SessionCreate}))
}

// TestFactsDoNotShareMutableState: two facts from the same request are
// equal and independent, and an append to a Leakage's shared observations
// leaves every other Leakage's alone.
func TestFactsDoNotShareMutableState(t *testing.T) {
	a, b := leakageOf(opReq(effects.InvitationAccept), false), leakageOf(opReq(effects.InvitationAccept), false)
	a.Observations = append(a.Observations, Observation{Class: ObserverPeer})
	a.Observations[0].Learns = append(a.Observations[0].Learns, LearnsSize)
	if len(b.Observations) != 1 || len(b.Observations[0].Learns) != 3 || len(contextOnly[0].Learns) != 3 {
		t.Fatalf("appending to one leakage changed another: %+v", b)
	}
	same := refLeakageFact(leakageOf(opReq(effects.InvitationAccept), false))
	if !b.Fact().Equal(same) {
		t.Fatalf("leakage fact changed: %v", b.Fact())
	}
}

// TestExecutorLeakageFactIsLeakageFact: the executor's leakage facts, which
// share parts between calls in one context, are Leakage.Fact's, whatever
// the sequence of authorities, contexts and operations.
func TestExecutorLeakageFactIsLeakageFact(t *testing.T) {
	var e Executor
	other := effects.DeriveContextID("other", 1)
	for i, req := range []Request{
		opReq(effects.InvitationAccept), opReq(effects.SessionCreate),
		{Op: effects.SessionCreate, Authority: alice, Context: other, Time: 5},
		{Op: effects.SessionCreate, Authority: bob, Context: other, Time: 6},
		opReq(effects.InvitationAccept), sendReq(10), opReq(effects.InvitationAccept),
	} {
		l := leakageOf(req, req.Peer != effects.AuthorityID{})
		if got, want := e.leakageFact(l), refLeakageFact(l); !got.Equal(want) {
			t.Fatalf("call %d: executor's leakage fact\n %v\nwant %v", i, got, want)
		}
	}
	custom := Leakage{Op: effects.SessionCreate, Authority: alice, Context: ctxAB, Observations: []Observation{{Class: "auditor"}}}
	if got, want := e.leakageFact(custom), refLeakageFact(custom); !got.Equal(want) {
		t.Fatalf("custom observations: %v, want %v", got, want)
	}
}

package sim

import (
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/guard"
	"github.com/aurahost/aura-host/vm"
)

// A message is delivered only from the agent that plays its From role, in
// its run's context: with one process per device, a peer that names
// another role as the sender (or raises the sequence number to make the
// real messages look like duplicates) is ignored. A message for a run not
// bound yet is held for it.
func TestDeliverChecksTheSenderAndHoldsEarlyMessages(t *testing.T) {
	leader, member, other := effects.DeriveAuthorityID("leader", 1), effects.DeriveAuthorityID("member", 1), effects.DeriveAuthorityID("other", 1)
	session, context := effects.DeriveSessionID("dkg", 1), effects.DeriveContextID("dkg", 1)
	me := &simAgent{name: "member"}
	sm := &simMachine{role: "Member[0]", agent: me, nextIn: map[string]uint64{}}
	r := &simRun{session: session, context: context, byRole: map[string]*simMachine{"Member[0]": sm},
		remote: map[string]effects.AuthorityID{"Leader": leader, "Member[1]": other}}
	sm.run = r
	var early []earlyMessage
	p := &postOffice{runs: []*simRun{r}, early: &early}
	msg := vm.Message{Session: session, From: "Leader", To: "Member[0]", Seq: 0, Label: "Params"}

	spoofed := msg
	spoofed.Seq = 1 << 62
	if p.deliver(me, guard.Envelope{Source: other, Destination: member, Context: context}, spoofed) {
		t.Fatal("Member[1]'s agent spoke for the Leader")
	}
	if p.deliver(me, guard.Envelope{Source: leader, Destination: member, Context: effects.DeriveContextID("other run", 1)}, msg) {
		t.Fatal("a message from another context was delivered")
	}
	if !p.deliver(me, guard.Envelope{Source: leader, Destination: member, Context: context}, msg) || len(sm.held) != 1 {
		t.Fatalf("the Leader's own message was not delivered (held %d)", len(sm.held))
	}

	next := vm.Message{Session: effects.DeriveSessionID("sign", 1), From: "Coordinator", To: "Signer[0]", Label: "Start"}
	if p.deliver(me, guard.Envelope{Source: other, Destination: member}, next) || len(early) != 1 {
		t.Fatalf("a message for a run not bound yet: held %d, want 1", len(early))
	}
}

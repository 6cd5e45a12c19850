package vm

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/vm/policy"
	"github.com/aurahost/aura-host/vm/trace"
)

// edgeLog is the message sequence of every edge, as the senders' traces
// record it: "label payload" per message, in order.
type edgeLog map[string][]string

func sendsOf(log edgeLog, tr *trace.Trace) {
	for _, e := range tr.Entries {
		if e.Kind == trace.KindSend {
			k := e.Role + " -> " + e.Peer
			log[k] = append(log[k], fmt.Sprintf("%s %s", e.Operation, e.Inputs))
		}
	}
}

// runHosted runs one machine per role and carries messages between them,
// as a host does over its transport. Machines run in role order and each
// drained message is delivered in order; a full inbox keeps the message
// for the next round.
func runHosted(t *testing.T, prog *Program, host Effects, session effects.SessionID) (map[string]*Machine, edgeLog) {
	t.Helper()
	return runHostedWith(t, prog, host, session, nil)
}

// runHostedWith is runHosted calling between(round, machines) after each
// round's deliveries, where a test may replace a machine (resume_test.go).
func runHostedWith(t *testing.T, prog *Program, host Effects, session effects.SessionID, between func(round int, machines map[string]*Machine)) (map[string]*Machine, edgeLog) {
	t.Helper()
	ctx := context.Background()
	machines := map[string]*Machine{}
	for _, role := range prog.Protocol.Roles {
		m, err := NewMachine(prog, Config{Effects: host, Roles: []string{role}, Session: session, Granularity: policy.Full, StepMultiplier: 64})
		if err != nil {
			t.Fatal(err)
		}
		machines[role] = m
	}
	var inFlight []Message
	for round := 0; ; round++ {
		if round > 100000 {
			t.Fatal("hosted session does not finish")
		}
		done := true
		for _, role := range prog.Protocol.Roles {
			m := machines[role]
			st, err := m.Run(ctx)
			if err != nil {
				t.Fatalf("%s: %v", role, err)
			}
			inFlight = append(inFlight, m.Drain()...)
			done = done && st == Done
		}
		var later []Message
		held := map[[2]string]bool{} // edges with a message held back: keep their order
		for _, msg := range inFlight {
			edge := [2]string{msg.From, msg.To}
			if held[edge] {
				later = append(later, msg)
				continue
			}
			if err := machines[msg.To].Deliver(msg); errors.Is(err, ErrInboxFull) {
				held[edge] = true
				later = append(later, msg)
			} else if err != nil {
				t.Fatalf("deliver %s -> %s: %v", msg.From, msg.To, err)
			}
		}
		inFlight = later
		if between != nil {
			between(round, machines)
		}
		if done && len(inFlight) == 0 {
			break
		}
	}
	log := edgeLog{}
	for _, role := range prog.Protocol.Roles {
		sendsOf(log, machines[role].Trace())
	}
	return machines, log
}

// TestHostedMatchesSingleMachine runs each example and a batch of random
// protocols twice: all roles in one machine, and one machine per role
// exchanging messages through Drain and Deliver. Every edge must carry the
// same message sequence, and every role must end with the same bindings.
func TestHostedMatchesSingleMachine(t *testing.T) {
	type tc struct {
		name string
		prog *Program
		host func() Effects
	}
	var cases []tc
	for _, name := range exampleNames(t) {
		prog := compileExample(t, name)
		cases = append(cases, tc{name, prog, func() Effects {
			return NewRegistryEffects(RegistryEffectsConfig{Registry: testRegistry(t), Seed: 11, Payload: examplePayloads})
		}})
	}
	for seed := uint64(1000); seed < 1100; seed++ {
		src := genProtocol(seed)
		cases = append(cases, tc{fmt.Sprintf("gen_%d", seed), mustCompile(t, []byte(src), "gen.hcl"), func() Effects {
			return NewRegistryEffects(RegistryEffectsConfig{Registry: testRegistry(t), Seed: seed, Decide: stopLoops(seed)})
		}})
	}
	session := effects.DeriveSessionID("hosting", 1)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			single, err := RunSession(context.Background(), c.prog, Config{Effects: c.host(), Session: session, Granularity: policy.Full, StepMultiplier: 64})
			if err != nil {
				t.Fatal(err)
			}
			want := edgeLog{}
			sendsOf(want, single.Trace())
			machines, got := runHosted(t, c.prog, c.host(), session)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("per-edge messages differ:\nhosted %v\nsingle %v", got, want)
			}
			for _, role := range c.prog.Protocol.Roles {
				for _, slot := range c.prog.Role(role).Slots {
					a, _ := single.Binding(role, slot)
					b, _ := machines[role].Binding(role, slot)
					if !a.Equal(b) {
						t.Errorf("%s $%s: single %s, hosted %s", role, slot, a, b)
					}
				}
			}
		})
	}
}

// examplePayloads supplies host() values the examples need.
func examplePayloads(req *PayloadRequest) (effects.Value, error) {
	switch req.Name {
	case "items":
		if req.Role == "Replica" {
			return effects.List(effects.Uint(1), effects.Uint(2)), nil
		}
		return effects.List(effects.Uint(2), effects.Uint(3), effects.Uint(4), effects.Uint(5)), nil
	}
	return effects.Bytes([]byte(req.Role + "/" + req.Label + req.Name)), nil
}

func TestDeliverRejects(t *testing.T) {
	prog := compileExample(t, "ping_pong")
	session := effects.DeriveSessionID("deliver", 1)
	newServer := func() *Machine {
		m, err := NewMachine(prog, Config{Effects: NewRegistryEffects(RegistryEffectsConfig{}), Roles: []string{"Server"}, Session: session})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	ping := Message{Session: session, From: "Client", To: "Server", Label: "Ping", Payload: effects.Bytes([]byte("x"))}
	for _, tt := range []struct {
		name string
		msg  Message
	}{
		{"other session", Message{Session: effects.DeriveSessionID("other", 1), From: "Client", To: "Server", Label: "Ping"}},
		{"unknown role", Message{Session: session, From: "Mallory", To: "Server", Label: "Ping"}},
		{"edge out of the machine", Message{Session: session, From: "Server", To: "Client", Label: "Pong"}},
		{"gap in sequence", Message{Session: session, From: "Client", To: "Server", Seq: 1, Label: "Ping"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := newServer()
			if err := m.Deliver(tt.msg); !errors.Is(err, ErrContractViolation) {
				t.Fatalf("Deliver = %v, want a ContractViolation", err)
			}
			if m.buffered() != 0 {
				t.Fatal("a rejected delivery changed the buffers")
			}
		})
	}
	t.Run("replayed message", func(t *testing.T) {
		m := newServer()
		if err := m.Deliver(ping); err != nil {
			t.Fatal(err)
		}
		if err := m.Deliver(ping); !errors.Is(err, ErrContractViolation) {
			t.Fatalf("second delivery of seq 0 = %v, want a ContractViolation", err)
		}
	})
	t.Run("inbox full", func(t *testing.T) {
		m, err := NewMachine(prog, Config{Effects: NewRegistryEffects(RegistryEffectsConfig{}), Roles: []string{"Server"}, Session: session, Capacity: 1})
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Deliver(ping); err != nil {
			t.Fatal(err)
		}
		next := ping
		next.Seq = 1
		if err := m.Deliver(next); !errors.Is(err, ErrInboxFull) {
			t.Fatalf("Deliver into a full inbox = %v, want ErrInboxFull", err)
		}
	})
	t.Run("unexpected label faults the receiver", func(t *testing.T) {
		m := newServer()
		bad := ping
		bad.Label = "Pong"
		if err := m.Deliver(bad); err != nil {
			t.Fatal(err)
		}
		st, err := m.Run(context.Background())
		if st != Faulted || !errors.Is(err, ErrContractViolation) {
			t.Fatalf("Run = %v, %v; want a ContractViolation", st, err)
		}
		if m.buffered() != 1 {
			t.Fatal("the faulting receive consumed the message")
		}
	})
	t.Run("wrong payload sort faults the receiver", func(t *testing.T) {
		m := newServer()
		bad := ping
		bad.Payload = effects.String("not bytes")
		if err := m.Deliver(bad); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Run(context.Background()); !errors.Is(err, ErrContractViolation) {
			t.Fatalf("Run = %v, want a ContractViolation", err)
		}
	})
}

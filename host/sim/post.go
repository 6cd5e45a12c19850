package sim

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/go-hclog"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/guard"
	"github.com/aurahost/aura-host/vm"
)

// postOffice carries messages between the machines of the runs: it sends
// what idle machines produced through their agents' routers (the guard
// chain charges and signs each one), takes what the network delivered to
// each agent, and hands it to the machine it is for, in order.
type postOffice struct {
	ctx     context.Context
	logger  hclog.Logger
	runs    []*simRun
	agents  []*simAgent
	running func(*simMachine) bool
	// sources and contexts are every agent of the deployment and every
	// run's context: take receives only envelopes of the runs.
	sources  []effects.AuthorityID
	contexts []effects.ContextID
	// early holds messages for sessions no run of this call has bound
	// (yet): with one process per device, a peer that finished a ceremony
	// first may already be sending the next run's messages. It outlives
	// the call (Simulation.early), bounded by maxEarly.
	early *[]earlyMessage
	// earlyFull is set once early is full and a message was dropped (and
	// logged): further drops of this call are not logged again.
	earlyFull bool
	// refusedLogged marks the agents whose refused envelopes were logged
	// as a warning this call: a peer sending bad receipts cannot flood
	// the log.
	refusedLogged map[*simAgent]bool
	// obs records deliveries and accepted receipts for invariants (nil
	// when there are none).
	obs *observations
}

// earlyMessage is a message that arrived before its run was bound here.
type earlyMessage struct {
	agent *simAgent
	env   guard.Envelope
	msg   vm.Message
}

// maxEarly bounds the messages held for runs not bound yet.
const maxEarly = 4096

// flush sends every message the idle machines have produced, through their
// agents' routers: the guard chain charges and signs each one.
func (p *postOffice) flush(now int64) (int, error) {
	n := 0
	for _, r := range p.runs {
		for _, sm := range r.machines {
			if p.running(sm) {
				continue
			}
			out := append(sm.resend, sm.m.Drain()...)
			sm.resend = nil
			for _, msg := range out {
				dest, ok := r.destination(msg.To)
				if !ok {
					continue
				}
				env := guard.Envelope{Source: sm.agent.agent.AuthorityID(), Destination: dest,
					Context: r.context, Payload: encodeMessage(msg)}
				_, err := sm.agent.agent.Invoke(p.ctx, "network.send_envelope",
					effects.Map(map[string]effects.Value{"envelope": env.Value()}))
				if err != nil {
					r.fail(now, fmt.Errorf("run %q: %s could not send %s to %s: %w", r.decl.Name, msg.From, msg.Label, msg.To, err))
					break
				}
				n++
			}
		}
	}
	return n, nil
}

// destination is the authority of the agent that plays role: here, or in
// another process.
func (r *simRun) destination(role string) (effects.AuthorityID, bool) {
	if sm, ok := r.byRole[role]; ok {
		return sm.agent.agent.AuthorityID(), true
	}
	id, ok := r.remote[role]
	return id, ok
}

// receive takes every envelope the network delivered to each agent and
// hands the messages to their machines, in order. Envelopes the guard
// chain refuses (a bad or replayed receipt, a duplicate) are dropped, as a
// transport would. A crashed agent takes nothing until it restarts: its
// envelopes wait in the network.
func (p *postOffice) receive() int {
	n := 0
	for _, a := range p.agents {
		if a.down {
			continue // no process takes its envelopes: they wait in the network
		}
		for {
			v, err := p.take(a)
			if err != nil {
				if errors.Is(err, effects.ErrDenied) {
					log := p.logger.Debug
					if !p.refusedLogged[a] {
						log = p.logger.Warn
						if p.refusedLogged == nil {
							p.refusedLogged = map[*simAgent]bool{}
						}
						p.refusedLogged[a] = true
					}
					log("dropped an envelope the guard chain refused (further ones of this run: at debug level)", "agent", a.name, "error", err)
					continue
				}
				break
			}
			if v.IsNull() {
				break
			}
			env, err := guard.EnvelopeFromValue(v)
			if err != nil {
				continue
			}
			p.obs.receipt(a, env.Receipt)
			msg, err := decodeMessage(env.Payload)
			if err != nil {
				continue
			}
			if p.deliver(a, env, msg) {
				n++
			}
		}
	}
	for _, r := range p.runs {
		for _, sm := range r.machines {
			if !sm.agent.down {
				n += sm.flushHeld(p.running(sm))
			}
		}
	}
	return n
}

// take takes the next envelope the network delivered to agent a, null
// when there is none: only an envelope of one of the deployment's runs (by
// its context, from one of its agents), in sources then contexts order,
// so that what other services of the agent receive in their own contexts
// — the sync and hold services' envelopes — stays in the inbox for them.
func (p *postOffice) take(a *simAgent) (effects.Value, error) {
	if p.sources == nil {
		return a.agent.Invoke(p.ctx, "network.receive_envelope", effects.Map(nil))
	}
	for _, src := range p.sources {
		if src == a.agent.AuthorityID() {
			continue
		}
		for _, ctxID := range p.contexts {
			v, err := a.agent.Invoke(p.ctx, "network.receive_envelope_from", effects.Map(map[string]effects.Value{
				"source": effects.Bytes(src[:]), "context": effects.Bytes(ctxID[:])}))
			if err != nil || !v.IsNull() {
				return v, err
			}
		}
	}
	return effects.Null(), nil
}

// deliver hands msg to the machine of its run and role on agent a, if the
// envelope it came in agrees with it: the envelope's context is the run's,
// and its source (which the guard chain checked against the receipt) is
// the agent that plays the message's From role — so no peer can speak for
// another role. A message for a session no run here has bound is held
// (early) for a later run.
func (p *postOffice) deliver(a *simAgent, env guard.Envelope, msg vm.Message) bool {
	for _, r := range p.runs {
		if r.session != msg.Session {
			continue
		}
		from, ok := r.destination(msg.From)
		if !ok || from != env.Source || env.Context != r.context {
			return false // not what its sender may say
		}
		sm, ok := r.byRole[msg.To]
		if !ok || sm.agent != a || sm.done {
			return false
		}
		edge := msg.From
		if msg.Seq < sm.nextIn[edge] {
			return false // a duplicate
		}
		sm.nextIn[edge] = msg.Seq + 1
		sm.held = append(sm.held, msg)
		p.obs.delivery(r, msg)
		return true
	}
	if p.early == nil {
		return false
	}
	if len(*p.early) >= maxEarly {
		if !p.earlyFull {
			p.earlyFull = true
			p.logger.Warn("dropping messages for runs not bound here yet: already holding the most there may be",
				"agent", a.name, "held", maxEarly, "from", env.Source.String())
		}
		return false
	}
	*p.early = append(*p.early, earlyMessage{agent: a, env: env, msg: msg})
	return false
}

// deliverEarly hands the runs of this call the messages that arrived for
// them before they were bound, and keeps the rest.
func (p *postOffice) deliverEarly() {
	if p.early == nil {
		return
	}
	held := *p.early
	*p.early = nil
	for _, e := range held {
		p.deliver(e.agent, e.env, e.msg)
	}
}

// flushHeld delivers held messages in order until the inbox is full.
func (sm *simMachine) flushHeld(running bool) int {
	if running {
		return 0
	}
	n := 0
	for len(sm.held) > 0 {
		err := sm.m.Deliver(sm.held[0])
		if errors.Is(err, vm.ErrInboxFull) {
			break
		}
		if err != nil && !errors.Is(err, vm.ErrFinished) {
			sm.run.fail(0, err)
		}
		sm.held = sm.held[1:]
		n++
	}
	return n
}

// encodeMessage is a VM message as an envelope payload: the canonical
// encoding of a map, so that it hashes and compares byte for byte.
func encodeMessage(m vm.Message) []byte {
	return effects.Map(map[string]effects.Value{
		"session": effects.Bytes(m.Session[:]), "from": effects.String(m.From), "to": effects.String(m.To),
		"seq": effects.Uint(m.Seq), "label": effects.String(m.Label), "payload": m.Payload,
	}).Canonical()
}

func decodeMessage(b []byte) (vm.Message, error) {
	v, err := effects.DecodeCanonical(b)
	if err != nil {
		return vm.Message{}, err
	}
	get := func(k string) effects.Value { f, _ := v.Get(k); return f }
	var m vm.Message
	sess, ok := get("session").AsBytes()
	if !ok || len(sess) != len(m.Session) {
		return m, errors.New("message without a session")
	}
	copy(m.Session[:], sess)
	m.From, _ = get("from").AsString()
	m.To, _ = get("to").AsString()
	m.Seq, _ = get("seq").AsUint()
	m.Label, _ = get("label").AsString()
	m.Payload = get("payload")
	return m, nil
}

package vm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/vm/policy"
	"github.com/aurahost/aura-host/vm/trace"
)

// resumeCase is a protocol and a fresh host for it.
type resumeCase struct {
	name string
	prog *Program
	host func() Effects
}

func resumeCases(t *testing.T) []resumeCase {
	var cases []resumeCase
	for _, name := range exampleNames(t) {
		cases = append(cases, resumeCase{name, compileExample(t, name), func() Effects {
			return NewRegistryEffects(RegistryEffectsConfig{Registry: testRegistry(t), Seed: 11, Payload: examplePayloads})
		}})
	}
	for seed := uint64(1000); seed < 1030; seed++ {
		cases = append(cases, resumeCase{fmt.Sprintf("gen_%d", seed), mustCompile(t, []byte(genProtocol(seed)), "gen.hcl"), func() Effects {
			return NewRegistryEffects(RegistryEffectsConfig{Registry: testRegistry(t), Seed: seed, Decide: stopLoops(seed)})
		}})
	}
	return cases
}

// A role whose machine is thrown away mid-session and rebuilt by Resume
// from its trace goes on exactly as if nothing had happened: every role's
// final trace is the uninterrupted run's, for a crash after each round of
// the session, of each role in turn. The sends Resume hands back are the
// log's, none of them sent again.
func TestResumeContinuesAsIfUninterrupted(t *testing.T) {
	session := effects.DeriveSessionID("resume", 1)
	for _, c := range resumeCases(t) {
		t.Run(c.name, func(t *testing.T) {
			want, _ := runHosted(t, c.prog, c.host(), session)
			rounds := 0
			runHostedWith(t, c.prog, c.host(), session, func(round int, _ map[string]*Machine) { rounds = round + 1 })
			for _, role := range c.prog.Protocol.Roles {
				for crashAt := 0; crashAt < rounds; crashAt++ {
					host := c.host()
					got, _ := runHostedWith(t, c.prog, host, session, func(round int, machines map[string]*Machine) {
						if round == crashAt {
							machines[role] = resumeRole(t, c.prog, host, session, role, round, machines[role].Trace())
						}
					})
					checkSameRun(t, c.prog, want, got, fmt.Sprintf("%s crashed after round %d", role, crashAt))
				}
			}
		})
	}
}

// A machine rebuilt from a log that a rebuilt machine wrote — its agent
// crashed twice in one run — goes on as if uninterrupted too: the second
// log holds deliveries the first rebuilt machine received before it took
// another turn, which the replay must make at the same step (a blocked
// turn taken before one of them numbered it a step late, and the second
// resume diverged).
func TestResumeTwiceContinuesAsIfUninterrupted(t *testing.T) {
	session := effects.DeriveSessionID("resume-twice", 1)
	for _, c := range resumeCases(t) {
		t.Run(c.name, func(t *testing.T) {
			want, _ := runHosted(t, c.prog, c.host(), session)
			rounds := 0
			runHostedWith(t, c.prog, c.host(), session, func(round int, _ map[string]*Machine) { rounds = round + 1 })
			for _, role := range c.prog.Protocol.Roles {
				for first := 0; first < rounds; first++ {
					for second := first + 1; second < min(rounds, first+4); second++ {
						host := c.host()
						got, _ := runHostedWith(t, c.prog, host, session, func(round int, machines map[string]*Machine) {
							if round == first || round == second {
								machines[role] = resumeRole(t, c.prog, host, session, role, round, machines[role].Trace())
							}
						})
						checkSameRun(t, c.prog, want, got, fmt.Sprintf("%s crashed after rounds %d and %d", role, first, second))
					}
				}
			}
		})
	}
}

// resumeRole rebuilds role's machine from its log after round, checking
// that it hands back every logged send and that its trace is the log.
func resumeRole(t *testing.T, prog *Program, host Effects, session effects.SessionID, role string, round int, log *trace.Trace) *Machine {
	t.Helper()
	m, sent, err := Resume(context.Background(), prog,
		Config{Effects: host, Roles: []string{role}, Session: session, Granularity: policy.Full, StepMultiplier: 64}, log)
	if err != nil {
		t.Fatalf("resume %s after round %d: %v", role, round, err)
	}
	if n := countSends(log); len(sent) != n {
		t.Fatalf("resume %s after round %d handed back %d sends, the log has %d", role, round, len(sent), n)
	}
	if rebuilt := m.Trace(); !slices.EqualFunc(rebuilt.Entries, log.Entries, func(a, b trace.Entry) bool {
		return a.EffectID == b.EffectID && a.SameRequest(&b) && a.SameOutcome(&b)
	}) {
		t.Fatalf("resume %s after round %d: the rebuilt trace is not the log, step numbers included", role, round)
	}
	return m
}

// checkSameRun fails unless every role's trace in got is the uninterrupted
// run's in want, step numbers aside.
func checkSameRun(t *testing.T, prog *Program, want, got map[string]*Machine, what string) {
	t.Helper()
	for _, r := range prog.Protocol.Roles {
		a, b := want[r].Trace(), got[r].Trace()
		if !slices.EqualFunc(a.Entries, b.Entries, sameEntry) {
			t.Fatalf("%s: %s's trace differs from the uninterrupted run's (%d entries, want %d)", what, r, len(b.Entries), len(a.Entries))
		}
	}
}

// sameEntry compares two entries but for their step numbers: a machine
// rebuilt from its log has not counted the turns the first one blocked
// after its last logged entry (Resume), so what follows may be numbered
// lower, never otherwise different.
func sameEntry(a, b trace.Entry) bool {
	a.OrderingKey = b.OrderingKey
	return a.EffectID == b.EffectID && a.SameRequest(&b) && a.SameOutcome(&b)
}

// countSends counts the log's sends to roles of other machines: every send
// the log records, for a machine of one role.
func countSends(log *trace.Trace) int {
	n := 0
	for _, e := range log.Entries {
		if e.Kind == trace.KindSend {
			n++
		}
	}
	return n
}

// A log that is not what the machine would have committed — another
// session's, one with an entry taken out of its middle, a summary one — is
// refused with an error, never resumed into a machine that goes on from a
// state no run reached.
func TestResumeRefusesALogTheMachineDidNotCommit(t *testing.T) {
	prog := compileExample(t, "ping_pong")
	session := effects.DeriveSessionID("resume-bad", 1)
	host := NewRegistryEffects(RegistryEffectsConfig{Registry: testRegistry(t), Seed: 11, Payload: examplePayloads})
	machines, _ := runHosted(t, prog, host, session)
	role := prog.Protocol.Roles[0]
	log := machines[role].Trace()
	if len(log.Entries) < 3 {
		t.Fatalf("ping_pong's %s logged %d entries; the test needs three", role, len(log.Entries))
	}
	cfg := Config{Effects: host, Roles: []string{role}, Session: session, Granularity: policy.Full}

	other := cfg
	other.Session = effects.DeriveSessionID("resume-bad", 2)
	var f *Fault
	if _, _, err := Resume(context.Background(), prog, other, log); !errors.As(err, &f) || f.Kind != FaultDeterminism {
		t.Errorf("another session's log: %v, want a determinism fault", err)
	}

	gap := &trace.Trace{Header: log.Header, Entries: slices.Delete(slices.Clone(log.Entries), 1, 2)}
	if _, _, err := Resume(context.Background(), prog, cfg, gap); !errors.As(err, &f) || f.Kind != FaultDeterminism {
		t.Errorf("a log with entry 1 taken out: %v, want a determinism fault", err)
	}

	summary := &trace.Trace{Header: log.Header, Entries: log.Entries}
	summary.Header.Granularity = policy.TopologyOnly
	if _, _, err := Resume(context.Background(), prog, cfg, summary); err == nil {
		t.Error("a topology-only log was resumed; it records too little to rebuild the machine")
	}
}

// noLive is an Effects that fails the test on any request: Resume must
// answer everything from the log.
type noLive struct {
	Effects
	t *testing.T
}

func (n noLive) Invoke(_ context.Context, call *effects.Call) (effects.Value, error) {
	n.t.Fatalf("Resume called %s live", call.Op)
	return effects.Value{}, nil
}

// A process may crash inside any step; since a step commits its entries
// together, its log is then what the uninterrupted run records up to a
// step boundary. Resume rebuilds a machine from every such prefix of every
// role's trace without a live call, its trace the prefix itself; the step
// that was cut off runs again on the first live Run. A log cut inside a
// step (between a send's payload and the send) is not one a crash leaves,
// and diverges.
func TestResumeFromEveryPrefixCallsNothingLive(t *testing.T) {
	session := effects.DeriveSessionID("resume-prefix", 1)
	for _, c := range resumeCases(t)[:len(exampleNames(t))] {
		t.Run(c.name, func(t *testing.T) {
			machines, _ := runHosted(t, c.prog, c.host(), session)
			for _, role := range c.prog.Protocol.Roles {
				full := machines[role].Trace()
				for k := 0; k <= len(full.Entries); k++ {
					inside := k > 0 && k < len(full.Entries) && sameStep(&full.Entries[k-1], &full.Entries[k])
					prefix := &trace.Trace{Header: full.Header, Entries: full.Entries[:k]}
					live := noLive{Effects: c.host(), t: t}
					m, _, err := Resume(context.Background(), c.prog,
						Config{Effects: live, Roles: []string{role}, Session: session, Granularity: policy.Full, StepMultiplier: 64}, prefix)
					var f *Fault
					if inside {
						if !errors.As(err, &f) || f.Kind != FaultDeterminism {
							t.Fatalf("%s, first %d entries, cut inside step %d: %v, want a determinism fault", role, k, full.Entries[k].OrderingKey, err)
						}
						continue
					}
					if err != nil {
						t.Fatalf("%s, first %d entries: %v", role, k, err)
					}
					if got := m.Trace(); !slices.EqualFunc(got.Entries, prefix.Entries, func(a, b trace.Entry) bool {
						return a.EffectID == b.EffectID && a.SameRequest(&b) && a.SameOutcome(&b)
					}) {
						t.Fatalf("%s, first %d entries: the rebuilt trace has %d entries, not the prefix", role, k, len(got.Entries))
					}
				}
			}
		})
	}
}

// sameStep reports whether two consecutive entries are of one step of the
// machine: the same step number, neither a delivery (which the host makes
// between runs, numbered with the step the machine has reached).
func sameStep(a, b *trace.Entry) bool {
	return a.OrderingKey == b.OrderingKey && a.Kind != trace.KindDeliver && b.Kind != trace.KindDeliver
}

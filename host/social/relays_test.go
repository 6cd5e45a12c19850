package social

import (
	"errors"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/effects/facade"
	"github.com/aurahost/aura-host/host/lifecycle"
)

func TestSelectRelays(t *testing.T) {
	// Homes: D alone (guardian), E alone (contact), the channel {S, A, B, C}.
	topo := Derive(pS.id, []Relationship{rel(KindGuardian, pS, pD, ""), rel(KindContact, pS, pE, ""),
		rel(KindChannel, pS, pA, "f"), rel(KindChannel, pS, pB, "f"), rel(KindChannel, pS, pC, "f")})
	noD := func(p Peer) bool { return p.Authority != pD.id }
	for _, tc := range []struct {
		name   string
		count  int
		usable func(Peer) bool
		want   string // labels, channel members as "x"
	}{
		{"none asked", 0, nil, ""},
		{"one: the guardian", 1, nil, "D"},
		{"each home's first before any second", 3, nil, "D,E,x"},
		{"then the rest of the channel", 5, nil, "D,E,x,x,x"},
		{"never more than there are", 9, nil, "D,E,x,x,x"},
		{"an unusable relay is skipped", 2, noD, "E,x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := SelectRelays(topo, tc.count, tc.usable)
			var ls []string
			for _, c := range got {
				l := labels[c.Authority]
				if strings.Contains("ABC", l) {
					l = "x"
				}
				ls = append(ls, l)
			}
			if strings.Join(ls, ",") != tc.want {
				t.Errorf("relays %v, want %s", ls, tc.want)
			}
			if again := SelectRelays(topo, tc.count, tc.usable); !candidatesValue(again).Equal(candidatesValue(got)) {
				t.Error("a second selection differs: not deterministic")
			}
		})
	}
	// Diversity: with two homes or more, two relays never share one.
	if cs := SelectRelays(topo, 2, nil); distinctHomes(cs) != 2 {
		t.Errorf("two relays from %d homes", distinctHomes(cs))
	}
}

// TestManager: the topology is cached until a journal write is observed;
// a failing journal degrades the service with the reason, and a good read
// recovers it; the operations check their arguments and their caller.
func TestManager(t *testing.T) {
	j := newJournal(pS, pA, pB)
	j.relate(KindGuardian, pS, pA, "")
	m, err := NewManager(ManagerConfig{Self: pS.id, Invoke: j.invoke})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if _, err := m.Invoke(ctx, &effects.Call{Op: effects.SocialNeighbourhood}); !errors.Is(err, effects.ErrUnavailable) {
		t.Fatalf("before start: %v, want unavailable", err)
	}
	if err := m.Start(ctx); err != nil || m.Health().State != lifecycle.Healthy {
		t.Fatalf("start: %v, %v", err, m.Health())
	}
	reads := j.reads
	v, err := m.Invoke(ctx, &effects.Call{Op: effects.SocialNeighbourhood, Authority: pS.id})
	if err != nil || j.reads != reads {
		t.Fatalf("neighbourhood: %v; %d journal reads, want the cached topology", err, j.reads-reads)
	}
	if peers, _ := v.Get("peers"); peers.Len() != 1 {
		t.Fatalf("neighbourhood %v, want one peer", v)
	}
	if err := facade.CheckResult(&effects.Call{Op: effects.SocialNeighbourhood}, v); err != nil {
		t.Errorf("the facade does not decode the neighbourhood: %v", err)
	}
	// A journal write makes it read again, and see B.
	j.relate(KindContact, pS, pB, "")
	m.Observe(&effects.Call{Op: effects.JournalFactsByPredicate}, effects.Null(), nil, 0) // a read changes nothing
	if v, _ := m.Invoke(ctx, &effects.Call{Op: effects.SocialNeighbourhood}); mustGet(t, v, "peers").Len() != 1 {
		t.Fatal("a read invalidated the topology")
	}
	m.Observe(&effects.Call{Op: effects.JournalAppendFact}, effects.Null(), errors.New("refused"), 0) // a failed write neither
	m.Observe(&effects.Call{Op: effects.JournalAppendFact}, effects.Null(), nil, 0)
	relays, err := m.Invoke(ctx, &effects.Call{Op: effects.SocialSelectRelays, Args: effects.Map(map[string]effects.Value{"count": effects.Int(2)})})
	if err != nil || relays.Len() != 2 {
		t.Fatalf("select_relays after a write: %v %v, want 2 relays", relays, err)
	}
	if err := facade.CheckResult(&effects.Call{Op: effects.SocialSelectRelays}, relays); err != nil {
		t.Errorf("the facade does not decode the relays: %v", err)
	}
	// The journal fails: degraded, naming it; it comes back: healthy.
	j.fail = &effects.Error{Code: effects.CodeUnavailable, Op: effects.JournalFactsByPredicate, Message: "journal restarting"}
	m.Observe(&effects.Call{Op: effects.JournalMergeSigned}, effects.Null(), nil, 0)
	if _, err := m.Invoke(ctx, &effects.Call{Op: effects.SocialNeighbourhood}); err == nil {
		t.Fatal("neighbourhood with a failing journal answered")
	}
	if h := m.Health(); h.State != lifecycle.Degraded || !strings.Contains(h.Reason, "journal restarting") {
		t.Fatalf("health %v, want degraded naming the journal's failure", h)
	}
	j.fail = nil
	if _, err := m.Invoke(ctx, &effects.Call{Op: effects.SocialNeighbourhood}); err != nil || m.Health().State != lifecycle.Healthy {
		t.Fatalf("after the journal came back: %v, %v", err, m.Health())
	}
	for _, tc := range []struct {
		call *effects.Call
		code effects.Code
	}{
		{&effects.Call{Op: effects.SocialSelectRelays, Args: effects.Map(map[string]effects.Value{"count": effects.Int(0)})}, effects.CodeInvalidArgs},
		{&effects.Call{Op: effects.SocialSelectRelays, Args: effects.Map(map[string]effects.Value{"count": effects.Int(MaxRelays + 1)})}, effects.CodeInvalidArgs},
		{&effects.Call{Op: effects.SocialSelectRelays, Args: effects.Map(map[string]effects.Value{"count": effects.String("2")})}, effects.CodeInvalidArgs},
		{&effects.Call{Op: effects.SocialNeighbourhood, Authority: pX.id}, effects.CodeDenied},
		{&effects.Call{Op: "social.befriend"}, effects.CodeUnknownOp},
	} {
		if _, err := m.Invoke(ctx, tc.call); effects.AsError(err).Code != tc.code {
			t.Errorf("%s %v: %v, want %s", tc.call.Op, tc.call.Args, err, tc.code)
		}
	}
	if err := m.Stop(ctx); err != nil || m.Health().State != lifecycle.Stopped {
		t.Fatalf("stop: %v %v", err, m.Health())
	}
}

func mustGet(t *testing.T, v effects.Value, name string) effects.Value {
	t.Helper()
	f, ok := v.Get(name)
	if !ok {
		t.Fatalf("%v has no %s", v, name)
	}
	return f
}

func TestSelectionService(t *testing.T) {
	w := newWorld(rel(KindGuardian, pS, pD, ""), rel(KindContact, pS, pE, ""))
	svc := NewSelectionService("", []string{"social_manager"}, w.selector(t, false))
	ctx := t.Context()
	profile := func(dest string) (effects.Value, error) {
		return svc.Invoke(ctx, &effects.Call{Op: effects.SelectionProfile, Args: effects.Map(map[string]effects.Value{"destination": effects.String(dest)})})
	}
	if _, err := profile(pC.id.String()); !errors.Is(err, effects.ErrUnavailable) {
		t.Fatalf("before start: %v", err)
	}
	_ = svc.Start(ctx)
	if v, err := profile(pC.id.String()); err != nil || !mustGet(t, v, "mode").Equal(effects.String("passthrough")) {
		t.Fatalf("profile: %v %v", v, err)
	}
	on := func(b bool) error {
		_, err := svc.Invoke(ctx, &effects.Call{Op: effects.SelectionSetPrivacy, Args: effects.Map(map[string]effects.Value{"on": effects.Bool(b)})})
		return err
	}
	if err := on(true); err != nil || !svc.Selector().Privacy() {
		t.Fatal(err)
	}
	v, err := profile(pC.id.String())
	if err != nil || mustGet(t, v, "path").Len() != 2 {
		t.Fatalf("private profile: %v %v", v, err)
	}
	if err := facade.CheckResult(&effects.Call{Op: effects.SelectionProfile}, v); err != nil {
		t.Errorf("the facade does not decode the profile: %v", err)
	}
	var specs []effects.OpSpec
	specs = append(append(specs, Ops()...), SelectionOps()...)
	if err := facade.CheckSpecs(specs); err != nil {
		t.Errorf("the facade's contracts and the services' declarations differ: %v", err)
	}
	if _, err := profile(pD.id.String()); !errors.Is(err, effects.ErrUnavailable) || !strings.Contains(err.Error(), "distinct homes") {
		t.Fatalf("a private path to one of the two relays: %v, want unavailable saying why", err)
	}
	for _, tc := range []struct {
		dest string
		code effects.Code
	}{{"bob", effects.CodeInvalidArgs}, {pS.id.String(), effects.CodeInvalidArgs}} {
		if _, err := profile(tc.dest); effects.AsError(err).Code != tc.code {
			t.Errorf("profile of %q: %v, want %s", tc.dest, err, tc.code)
		}
	}
	if _, err := svc.Invoke(ctx, &effects.Call{Op: effects.SelectionProfile, Authority: pX.id}); effects.AsError(err).Code != effects.CodeDenied {
		t.Errorf("a call naming another authority: %v", err)
	}
	_ = svc.Stop(ctx)
	if svc.Health().State != lifecycle.Stopped {
		t.Error(svc.Health())
	}
}

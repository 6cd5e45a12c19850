package view_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/session"
	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/host/sim/bundle"
	"github.com/aurahost/aura-host/host/sim/bundle/view"
	"github.com/aurahost/aura-host/host/sim/scenario"
	"github.com/aurahost/aura-host/plugins"
	"github.com/aurahost/aura-host/vm/policy"
	"github.com/aurahost/aura-host/vm/trace"
)

// simulate runs a deployment file's simulation in process, with the
// built-in plugins, and returns its trace bundle's bytes.
func simulate(t testing.TB, file string, seed uint64, decide ...string) []byte {
	t.Helper()
	dep, diags := config.Load(file, config.Options{Builtins: plugins.Names()})
	if diags.HasErrors() {
		t.Fatalf("load %s: %v", file, diags)
	}
	sc, diags := scenario.Load(dep.DeclRange.Filename, dep)
	if diags.HasErrors() {
		t.Fatalf("simulate %s: %v", file, diags)
	}
	cfg := sim.Config{Deployment: sc.Deployment, Seed: seed, Builtins: plugins.Lookup}
	if len(decide) > 0 {
		rules, err := session.ParseRules(decide, sc.Programs...)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Decide = session.SeededDecider(rules, seed)
	}
	s, err := sim.New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("build simulation: %v", err)
	}
	defer s.Close(context.Background())
	out, err := s.Run(context.Background())
	if err != nil {
		t.Fatalf("simulate: %v", err)
	}
	if out.Failed() {
		t.Fatalf("a run failed: %+v", out.Runs)
	}
	return out.Bundle.Bytes()
}

// roundsBundle is the size test's run: five agents, 204 messages under
// loss, delay, a partition and a crash (testdata/rounds_deployment.hcl),
// simulated once for the tests that share it.
func roundsBundle(t testing.TB) []byte {
	roundsOnce.Do(func() { roundsRaw = simulate(t, "testdata/rounds_deployment.hcl", 3) })
	if roundsRaw == nil {
		t.Fatal("the rounds simulation failed (see the first test that ran it)")
	}
	return roundsRaw
}

var (
	roundsOnce sync.Once
	roundsRaw  []byte
)

// recoveryBundle is the README's simulation: guardian recovery across
// four agents, seed 7.
func recoveryBundle(t testing.TB) []byte {
	return simulate(t, "../../../../examples/simulation/deployment.hcl", 7, "Guardian[*]=Approve")
}

func TestViewOfASimulationDrawsEveryMessageBetweenItsAgents(t *testing.T) {
	t.Parallel()
	raw := recoveryBundle(t)
	v, err := view.Read("seed-7.jsonl", raw, view.Options{})
	if err != nil {
		t.Fatal(err)
	}
	read, err := bundle.Read("seed-7.jsonl", raw)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range v.Lifelines {
		names = append(names, l.Name+"="+strings.Join(l.Roles, ","))
	}
	if got, want := strings.Join(names, " "), "account=Account g1=Guardian[0] g2=Guardian[1] g3=Guardian[2]"; got != want {
		t.Errorf("lifelines %q, want %q", got, want)
	}
	// Guardian recovery: 3 Enroll, 3 Request, 3 Approve, 3 Granted.
	labels := map[string]int{}
	for _, m := range v.Messages {
		labels[m.Label]++
		if m.Send < 0 || m.Arrive < 0 {
			t.Errorf("message %s %d→%d: send row %d, arrive row %d: every message of this run arrives", m.Label, m.From, m.To, m.Send, m.Arrive)
			continue
		}
		if m.Arrive <= m.Send {
			t.Errorf("message %s arrives at row %d, not after its send at row %d", m.Label, m.Arrive, m.Send)
		}
		if v.Rows[m.Send].Lane != m.From || v.Rows[m.Arrive].Lane != m.To {
			t.Errorf("message %s: rows on lanes %d→%d, want %d→%d", m.Label, v.Rows[m.Send].Lane, v.Rows[m.Arrive].Lane, m.From, m.To)
		}
	}
	for _, l := range []string{"Enroll", "Request", "Approve", "Granted"} {
		if labels[l] != 3 {
			t.Errorf("%d %s messages, want 3 (all: %v)", labels[l], l, labels)
		}
	}
	if len(v.Messages) != 12 {
		t.Errorf("%d messages, want 12", len(v.Messages))
	}
	// Effects are on their lifeline; the drop fault is first, at 0 ms;
	// the outcome and the end close it, at the bundle's end (the run ends
	// then: nothing else is left to wait for).
	first, last := v.Rows[0], v.Rows[len(v.Rows)-1]
	if first.Kind != view.RowFault || first.Effect != "drop" || first.TimeMs != 0 || !first.Exact {
		t.Errorf("first row %+v, want the drop fault at 0 ms", first)
	}
	if last.Kind != view.RowEnd || last.TimeMs != read.EndMs || read.EndMs <= 0 {
		t.Errorf("last row %+v, want the end at %d ms", last, read.EndMs)
	}
	var verifies, outcome int
	for _, r := range v.Rows {
		if r.Kind == view.RowEffect && r.Label == "crypto.ed25519_verify" {
			verifies++
			if v.Lifelines[r.Lane].Name != "account" {
				t.Errorf("verify on %s, want account", v.Lifelines[r.Lane].Name)
			}
		}
		if r.Kind == view.RowOutcome {
			outcome++
			if r.Label != "run recovery: ok" || r.TimeMs != read.EndMs {
				t.Errorf("outcome row %+v", r)
			}
		}
	}
	if verifies != 3 || outcome != 1 {
		t.Errorf("%d verify rows and %d outcome rows, want 3 and 1", verifies, outcome)
	}
}

// A protocol run's trace is one machine running every role: the view has
// a lifeline per role, and the private keys the trace holds (it must, to
// replay) appear nowhere in the page.
func TestViewOfAProtocolTraceHidesKeyMaterial(t *testing.T) {
	t.Parallel()
	priv := bytes.Repeat([]byte{0xab}, 64)
	tr := &trace.Trace{Header: trace.Header{Format: trace.Format, Protocol: "keys", Roles: []string{"Alice", "Bob"},
		Scheduler: policy.Scheduler("aura.vm.scheduler.round_robin"), Granularity: policy.Full, SessionText: testSession}}
	tr.Entries = []trace.Entry{
		{OrderingKey: 1, EffectID: 0, Kind: trace.KindInvoke, Role: "Alice", Interface: "crypto", Operation: "crypto.ed25519_generate_keypair",
			Outputs: effects.Map(map[string]effects.Value{"private": effects.Bytes(priv), "public": effects.Bytes(priv[32:])})},
		{OrderingKey: 2, EffectID: 1, Kind: trace.KindInvoke, Role: "Alice", Interface: "crypto", Operation: "crypto.ed25519_sign",
			Inputs: effects.Map(map[string]effects.Value{"key": effects.Bytes(priv), "msg": effects.String("hello")})},
		{OrderingKey: 3, EffectID: 2, Kind: trace.KindSend, Role: "Alice", Peer: "Bob", Interface: trace.InterfaceChannel, Operation: "Hello",
			Inputs: effects.Map(map[string]effects.Value{"secret": effects.Bytes(priv)}), Outputs: effects.Uint(0)},
		{OrderingKey: 4, EffectID: 3, Kind: trace.KindRecv, Role: "Bob", Peer: "Alice", Interface: trace.InterfaceChannel, Operation: "Hello",
			Inputs: effects.Uint(0), Outputs: effects.Map(map[string]effects.Value{"secret": effects.Bytes(priv)})},
	}
	var raw bytes.Buffer
	if err := tr.WriteJSONL(&raw); err != nil {
		t.Fatal(err)
	}
	v, err := view.Read("keys.jsonl", raw.Bytes(), view.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Lifelines) != 2 || v.Lifelines[0].Name != "Alice" || v.Lifelines[1].Name != "Bob" {
		t.Errorf("lifelines %+v, want Alice and Bob", v.Lifelines)
	}
	if len(v.Messages) != 1 || v.Messages[0].Send != 2 || v.Messages[0].Arrive != 3 || v.Messages[0].From != 0 || v.Messages[0].To != 1 {
		t.Errorf("messages %+v, want Hello from row 2 (Alice) to row 3 (Bob)", v.Messages)
	}
	var page bytes.Buffer
	if err := v.WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	for _, leak := range []string{"abababab", "q6urq6ur" /* base64 */, "171,171,171"} {
		if strings.Contains(strings.ToLower(page.String()), leak) {
			t.Errorf("the page holds key material (%q)", leak)
		}
	}
	if !strings.Contains(page.String(), `private: \"(secret)\"`) {
		t.Errorf("the keypair's private key is not shown as (secret), as protocol run hides it")
	}
}

// A label chosen by whoever wrote the record — a message label, an
// operation, a role, a fault detail — must not be able to end the data
// element and add markup or script to the page.
func TestHostileLabelsCannotInjectMarkup(t *testing.T) {
	t.Parallel()
	v := hostileView(t)
	var page bytes.Buffer
	if err := v.WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	html := page.String()
	if n := strings.Count(strings.ToLower(html), "<script"); n != 2 {
		t.Errorf("the page has %d <script elements, want 2 (the data and the viewer)", n)
	}
	if n := strings.Count(strings.ToLower(html), "</script"); n != 2 {
		t.Errorf("the page has %d </script> tags, want 2", n)
	}
	for _, raw := range []string{"<img", "alert(1)</", "<!--", "<svg onload"} {
		if strings.Contains(html, raw) {
			t.Errorf("a hostile label reached the page unescaped: %q", raw)
		}
	}
	if !strings.Contains(html, `\u003c/script\u003e\u003cscript\u003ealert(1)\u003c/script\u003e`) {
		t.Errorf("the hostile label is not in the page's data, JSON-escaped")
	}
	if !strings.Contains(html, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src &#39;none&#39;; script-src &#39;sha256-") {
		t.Errorf("the page has no Content-Security-Policy forbidding fetches")
	}
}

const testSession = "session-0e49a140fd0e5617fc56709ecbb6d80c"

// hostile is the label the injection tests put everywhere a record names
// something.
const hostile = `</script><script>alert(1)</script><!-- <img src=x onerror=alert(2)> <svg onload=alert(3)>`

// hostileView is a bundle whose every name is hostile: agents, roles, the
// run, labels, operations and a fault's detail.
func hostileView(t testing.TB) *view.View {
	t.Helper()
	w := bundle.NewWriter(hostile, 1, map[string]any{"mode": "simulation"})
	w.Fault(0, "partition", "start", hostile+" | ["+hostile+"]")
	header := trace.Header{Format: trace.Format, Protocol: hostile, Roles: []string{hostile + "A"},
		Scheduler: policy.Scheduler("aura.vm.scheduler.round_robin"), Granularity: policy.Full, SessionText: testSession}
	a := &trace.Trace{Header: header, Entries: []trace.Entry{
		{OrderingKey: 1, Kind: trace.KindInvoke, Role: hostile + "A", Interface: hostile, Operation: hostile,
			Inputs: effects.String(hostile), Error: &trace.EntryError{Code: effects.Code(hostile), Message: hostile}},
		{OrderingKey: 2, EffectID: 1, Kind: trace.KindSend, Role: hostile + "A", Peer: hostile + "B", Interface: trace.InterfaceChannel,
			Operation: hostile, Inputs: effects.String(hostile), Outputs: effects.Uint(0)},
	}}
	header.Roles = []string{hostile + "B"}
	b := &trace.Trace{Header: header, Entries: []trace.Entry{
		{OrderingKey: 1, Kind: trace.KindDeliver, Role: hostile + "B", Peer: hostile + "A", Interface: trace.InterfaceChannel,
			Operation: hostile, Inputs: effects.Uint(0), Outputs: effects.String(hostile)},
	}}
	w.Trace(hostile, hostile+"A", hostile, a)
	w.Trace(hostile, hostile+"B", hostile+"2", b)
	w.Outcome(hostile, "failed", hostile, 5, 3)
	w.End(5)
	v, err := view.Read("hostile.jsonl", w.Bytes(), view.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Messages) != 1 || v.Messages[0].Arrive < 0 {
		t.Fatalf("messages %+v, want the one hostile message delivered", v.Messages)
	}
	return v
}

func TestAlteredRecordsAreRefusedNamingTheFix(t *testing.T) {
	t.Parallel()
	raw := recoveryBundle(t)
	altered := bytes.Replace(raw, []byte(`"operation":"Request"`), []byte(`"operation":"Requesx"`), 1)
	_, err := view.Read("seed-7.jsonl", altered, view.Options{})
	if err == nil || !strings.Contains(err.Error(), "was altered") || !strings.Contains(err.Error(), "aura-host trace replay seed-7.jsonl") {
		t.Errorf("altered bundle: error %v, want it named altered with the replay command", err)
	}
	_, err = view.Read("x.jsonl", []byte("{\"hello\":1}\n"), view.Options{})
	if err == nil || !strings.Contains(err.Error(), "neither a simulation bundle") {
		t.Errorf("not a record: error %v", err)
	}
}

func TestLimitsRefuseRecordsTooLargeForAPage(t *testing.T) {
	t.Parallel()
	raw := recoveryBundle(t)
	_, err := view.Read("seed-7.jsonl", raw, view.Options{MaxRows: 10})
	if _, ok := err.(*view.TooLargeError); !ok {
		t.Errorf("10 rows at most: error %v, want a *TooLargeError", err)
	}
	roles := make([]string, view.MaxLifelines+1)
	for i := range roles {
		roles[i] = fmt.Sprintf("R%d", i)
	}
	wide := &trace.Trace{Header: trace.Header{Format: trace.Format, Protocol: "wide", Roles: roles, SessionText: testSession,
		Scheduler: policy.Scheduler("aura.vm.scheduler.round_robin"), Granularity: policy.Full}}
	var rawWide bytes.Buffer
	if err := wide.WriteJSONL(&rawWide); err != nil {
		t.Fatal(err)
	}
	if _, err := view.Read("wide.jsonl", rawWide.Bytes(), view.Options{}); err == nil || !strings.Contains(err.Error(), "1001 lifelines") {
		t.Errorf("1001 roles: error %v, want the lifeline limit named", err)
	}
	file := filepath.Join(t.TempDir(), "seed-7.jsonl")
	if err := os.WriteFile(file, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := view.ReadFile(file, view.Options{MaxBytes: 1000}); err == nil || !strings.Contains(err.Error(), "larger than 1000 bytes") {
		t.Errorf("1000 bytes at most: error %v", err)
	}
	if _, err := view.ReadFile(file, view.Options{}); err != nil {
		t.Errorf("within the default limits: %v", err)
	}
}

// A simulation's bundle says when each entry happened: the view's rows
// are in virtual-time order, every entry at its exact time, and each fault
// sits where it happened, on the lifelines it touched.
func TestViewOfASimulationIsOnVirtualTime(t *testing.T) {
	t.Parallel()
	v, err := view.Read("rounds.jsonl", roundsBundle(t), view.Options{})
	if err != nil {
		t.Fatal(err)
	}
	lane := map[string]int{}
	for i, l := range v.Lifelines {
		lane[l.Name] = i
	}
	var last int64
	var partition, heal, crash int = -1, -1, -1
	for i, r := range v.Rows {
		if r.TimeMs < last {
			t.Errorf("row %d (%s %s) at %dms, after a row at %dms", i, r.Kind, r.Label, r.TimeMs, last)
		}
		last = r.TimeMs
		if (r.Kind == view.RowSend || r.Kind == view.RowArrive || r.Kind == view.RowEffect) && !r.Exact {
			t.Errorf("row %d (%s %s): time %dms not exact", i, r.Kind, r.Label, r.TimeMs)
		}
		switch {
		case r.Kind == view.RowFault && r.Effect == "partition" && r.Phase == "start":
			partition = i
			if r.TimeMs != 100 || len(r.Lanes) != 2 || r.Lanes[0] != lane["hub"] || r.Lanes[1] != lane["a"] {
				t.Errorf("partition row %+v, want at 100ms on hub and a", r)
			}
		case r.Kind == view.RowFault && r.Effect == "partition":
			heal = i
			if r.TimeMs != 250 || len(r.Lanes) != 2 {
				t.Errorf("heal row %+v, want at 250ms on the partition's lifelines", r)
			}
		case r.Kind == view.RowFault && r.Effect == "crash" && r.Phase == "start":
			crash = i
			if r.TimeMs != 200 || len(r.Lanes) != 1 || r.Lanes[0] != lane["c"] {
				t.Errorf("crash row %+v, want at 200ms on c", r)
			}
		}
	}
	if partition < 0 || heal < 0 || crash < 0 || !(partition < crash && crash < heal) || heal > len(v.Rows)/2 {
		t.Errorf("partition at row %d, crash at %d, heal at %d of %d: want them in that order, in the first half", partition, crash, heal, len(v.Rows))
	}
	// Nothing crosses the partition while it lasts: a message between hub
	// and a sent before the heal arrives after it.
	held := 0
	for _, m := range v.Messages {
		between := (m.From == lane["hub"] && m.To == lane["a"]) || (m.From == lane["a"] && m.To == lane["hub"])
		if !between || m.Arrive < 0 {
			continue
		}
		if m.Arrive > partition && m.Arrive < heal {
			t.Errorf("message %s arrives at row %d, inside the partition (rows %d to %d)", m.Label, m.Arrive, partition, heal)
		}
		if m.Send > partition && m.Send < heal {
			held++
		}
	}
	if held == 0 {
		t.Errorf("no message between hub and a was sent during the partition: the test's run does not show what it should")
	}
}

// A message sent and never delivered ends in a cross (Arrive -1, and a
// note says so); one delivered twice is two arrows from the one send.
func TestUndeliveredAndDuplicatedMessages(t *testing.T) {
	t.Parallel()
	head := trace.Header{Format: trace.Format, Protocol: "p", Roles: []string{"A"}, SessionText: testSession,
		Scheduler: policy.Scheduler("aura.vm.scheduler.round_robin"), Granularity: policy.Full}
	a := &trace.Trace{Header: head, Entries: []trace.Entry{
		{OrderingKey: 1, Kind: trace.KindSend, Role: "A", Peer: "B", Interface: trace.InterfaceChannel, Operation: "Hello", Inputs: effects.Bytes([]byte("hi")), Outputs: effects.Uint(0)},
		{OrderingKey: 2, EffectID: 1, Kind: trace.KindSend, Role: "A", Peer: "B", Interface: trace.InterfaceChannel, Operation: "Bye", Inputs: effects.Bytes([]byte("bye!")), Outputs: effects.Uint(1)},
	}}
	head.Roles = []string{"B"}
	deliver := trace.Entry{OrderingKey: 1, Kind: trace.KindDeliver, Role: "B", Peer: "A", Interface: trace.InterfaceChannel, Operation: "Hello", Inputs: effects.Uint(0), Outputs: effects.Bytes([]byte("hi"))}
	again := deliver
	again.EffectID, again.OrderingKey = 1, 2
	b := &trace.Trace{Header: head, Entries: []trace.Entry{deliver, again}}
	w := bundle.NewWriter("d", 1, nil)
	w.TimedTrace("r", "A", "alice", a, []bundle.TimeMark{{Entry: 0, Ms: 0}, {Entry: 1, Ms: 40}})
	w.TimedTrace("r", "B", "bob", b, []bundle.TimeMark{{Entry: 0, Ms: 10}, {Entry: 1, Ms: 20}})
	w.Outcome("r", "failed", "timed out", 100, 4)
	w.End(100)
	v, err := view.Read("d.jsonl", w.Bytes(), view.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range v.Messages {
		got = append(got, fmt.Sprintf("%s %d B %d→%d rows %d→%d", m.Label, m.Size, m.From, m.To, m.Send, m.Arrive))
	}
	// Rows by time: Hello sent (0 ms), delivered (10), again (20), Bye sent
	// (40), the outcome, the end.
	want := []string{"Hello 2 B 0→1 rows 0→1", "Bye 4 B 0→1 rows 3→-1", "Hello 2 B 0→1 rows 0→2"}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("messages\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(v.Notes) != 1 || !strings.Contains(v.Notes[0], "1 message(s) were sent but never delivered") {
		t.Errorf("notes %q", v.Notes)
	}
	if r := v.Rows[len(v.Rows)-2]; r.Kind != view.RowOutcome || !r.Bad || r.Error != "timed out" {
		t.Errorf("outcome row %+v, want the failed run", r)
	}
}

// Two machines that each receive, before sending, what the other sends
// after receiving: no order puts every arrival after its send. The view
// is still built (the earliest waiting arrival placed first) and says so.
func TestMessagesWaitingOnEachOtherStillGetAnOrder(t *testing.T) {
	t.Parallel()
	head := trace.Header{Format: trace.Format, Protocol: "p", Roles: []string{"A"}, SessionText: testSession,
		Scheduler: policy.Scheduler("aura.vm.scheduler.round_robin"), Granularity: policy.Full}
	entries := func(me, peer, in, out string) []trace.Entry {
		return []trace.Entry{
			{OrderingKey: 1, Kind: trace.KindDeliver, Role: me, Peer: peer, Interface: trace.InterfaceChannel, Operation: in, Inputs: effects.Uint(0), Outputs: effects.Null()},
			{OrderingKey: 2, EffectID: 1, Kind: trace.KindSend, Role: me, Peer: peer, Interface: trace.InterfaceChannel, Operation: out, Inputs: effects.Null(), Outputs: effects.Uint(0)},
		}
	}
	w := bundle.NewWriter("d", 1, nil)
	w.Trace("r", "A", "alice", &trace.Trace{Header: head, Entries: entries("A", "B", "X", "Y")})
	w.Trace("r", "B", "bob", &trace.Trace{Header: head, Entries: entries("B", "A", "Y", "X")})
	v, err := view.Read("cycle.jsonl", w.Bytes(), view.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Rows) != 4 || len(v.Messages) != 2 {
		t.Fatalf("%d rows and %d messages, want 4 and 2", len(v.Rows), len(v.Messages))
	}
	if len(v.Notes) == 0 || !strings.Contains(v.Notes[0], "arrive before they are sent") {
		t.Errorf("notes %q, want one saying arrivals come before their sends", v.Notes)
	}
}

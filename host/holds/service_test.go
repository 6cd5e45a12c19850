package holds

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/lifecycle"
)

// depositFor deposits payload from depositor for recipient with the given
// holders and returns its id.
func depositFor(t *testing.T, w *world, depositor, recipient string, payload []byte, holders ...string) DepositID {
	t.Helper()
	args := map[string]effects.Value{"recipient": effects.String(w.id(recipient).String()), "payload": effects.Bytes(payload)}
	if len(holders) > 0 {
		var hs []effects.Value
		for _, h := range holders {
			hs = append(hs, effects.String(w.id(h).String()))
		}
		args["holders"] = effects.List(hs...)
	}
	v := mustCall(t, w.svcs[depositor], effects.HoldDeposit, args)
	idv, _ := v.Get("id")
	b, _ := idv.AsBytes()
	return DepositID(b)
}

// The acceptance path over the fake world: the guardian is away while the
// account deposits; the account goes away; the guardian comes back, asks,
// and receives exactly the bytes deposited, verified; its witnesses reach
// the account when the account is back, and move the holders' scores.
func TestGuardianAwayReceivesFromHolders(t *testing.T) {
	w := newWorld(t, "account", "guardian", "h1", "h2", "h3")
	for _, n := range w.names {
		w.start(n, nil)
	}
	w.setDown("guardian", true)
	request := []byte("recovery request 42: replace_tree, signed by the account")
	id := depositFor(t, w, "account", "guardian", request)
	w.settle()
	d, ok := w.svcs["account"].DepositRecord(id)
	if !ok || d.State != DepositHeld || len(d.Acked) != 3 {
		t.Fatalf("deposit %+v, want held by 3 holders", d)
	}
	if got := names(d.Holders, w); got != "[h1 h2 h3]" {
		t.Fatalf("holders %s, want h1 h2 h3 (never the recipient)", got)
	}
	for _, h := range []string{"h1", "h2", "h3"} {
		if n := w.svcs[h].HeldCount(); n != 1 {
			t.Fatalf("%s holds %d envelopes, want 1", h, n)
		}
	}

	w.setDown("account", true)
	w.setDown("guardian", false)
	w.advance(time.Second)
	if err := w.svcs["guardian"].Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	w.settle()
	got := w.svcs["guardian"].ReceivedEnvelopes()
	if len(got) != 1 || !bytes.Equal(got[0].Sealed.Payload, request) || got[0].Sealed.Depositor != w.id("account") {
		t.Fatalf("the guardian received %+v, want the account's request", got)
	}
	if names(got[0].Holders, w) != "[h1 h2 h3]" {
		t.Fatalf("delivered by %s, want every holder", names(got[0].Holders, w))
	}
	if q := queued(w.svcs["guardian"], w.id("account"), kindWitness); q != 3 {
		t.Fatalf("%d witnesses wait for the account, want 3", q)
	}

	w.setDown("account", false)
	w.settle()
	for _, h := range []string{"h1", "h2", "h3"} {
		if sc := w.svcs["account"].Scores()[w.id(h)]; sc != (Score{Delivered: 1}) {
			t.Fatalf("score of %s: %+v, want one delivery", h, sc)
		}
	}
	if d, _ := w.svcs["account"].DepositRecord(id); d.State != DepositDelivered {
		t.Fatalf("deposit state %s, want delivered", d.State)
	}
}

// retrieveWith makes recipient send holder a retrieve for id carrying cap.
func retrieveWith(t *testing.T, w *world, recipient, holder string, id DepositID, c *Capability) {
	t.Helper()
	s := w.svcs[recipient]
	s.mu.Lock()
	err := s.enqueue(w.id(holder), kindRetrieve, map[string]effects.Value{"deposit": effects.Bytes(id[:]), "capability": effects.Bytes(c.Encode())}, w.now)
	s.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	w.settle()
}

// lastRefusal is the newest refusal the recipient recorded.
func lastRefusal(t *testing.T, s *Service) RetrievalRefusal {
	t.Helper()
	r := s.Refusals()
	if len(r) == 0 {
		t.Fatal("no refusal recorded")
	}
	return r[len(r)-1]
}

func walletCap(s *Service, holder effects.AuthorityID) *Capability {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.wallet[holder]; c != nil {
		cc := *c
		return &cc
	}
	return nil
}

// setup: the account deposited for the guardian with h1; the guardian
// holds h1's capability (epoch 1) and received the envelope.
func setupOne(t *testing.T, extra ...string) (*world, DepositID) {
	w := newWorld(t, append([]string{"account", "guardian", "h1"}, extra...)...)
	for _, n := range w.names {
		w.start(n, nil)
	}
	id := depositFor(t, w, "account", "guardian", []byte("payload"), "h1")
	w.settle()
	if _, err := call(t, w.svcs["guardian"], effects.HoldRetrieve, map[string]effects.Value{
		"holders": effects.List(effects.String(w.id("h1").String()))}); err != nil {
		t.Fatal(err)
	}
	w.settle()
	if len(w.svcs["guardian"].ReceivedEnvelopes()) != 1 {
		t.Fatal("the guardian did not receive the envelope")
	}
	return w, id
}

func TestExpiredCapabilityIsRefused(t *testing.T) {
	w, id := setupOne(t)
	c := walletCap(w.svcs["guardian"], w.id("h1"))
	w.advance(DefaultCapabilityTTL) // expiry is exclusive: at ExpiresMs it is expired
	retrieveWith(t, w, "guardian", "h1", id, c)
	r := lastRefusal(t, w.svcs["guardian"])
	if !errors.Is(r.Err, ErrCapabilityExpired) || !errors.Is(r.Err, effects.ErrConflict) {
		t.Fatalf("refusal %v, want capability expired (conflict)", r.Err)
	}
	// The expired capability is dropped: the next Refresh asks again.
	if walletCap(w.svcs["guardian"], w.id("h1")) != nil {
		t.Fatal("the guardian kept an expired capability")
	}
}

func TestRotatedCapabilityIsRefused(t *testing.T) {
	w, id := setupOne(t)
	old := walletCap(w.svcs["guardian"], w.id("h1"))
	w.advance(DefaultCapabilityTTL / 2)
	if err := w.svcs["guardian"].Refresh(context.Background()); err != nil { // half-way: rotate
		t.Fatal(err)
	}
	w.settle()
	cur := walletCap(w.svcs["guardian"], w.id("h1"))
	if cur == nil || cur.Epoch != old.Epoch+1 {
		t.Fatalf("after Refresh at half the TTL the capability is %+v, want epoch %d", cur, old.Epoch+1)
	}
	retrieveWith(t, w, "guardian", "h1", id, old)
	if r := lastRefusal(t, w.svcs["guardian"]); !errors.Is(r.Err, ErrCapabilitySuperseded) {
		t.Fatalf("refusal %v, want superseded", r.Err)
	}
}

// Mallory, a peer, replays the guardian's capability (the holder answers
// the envelope's authenticated source, not what the capability says), and
// then asks with a capability of its own for the guardian's deposit.
func TestRetrieveBySomeoneElseIsRefused(t *testing.T) {
	w, id := setupOne(t, "mallory")
	stolen := walletCap(w.svcs["guardian"], w.id("h1"))
	retrieveWith(t, w, "mallory", "h1", id, stolen)
	if r := lastRefusal(t, w.svcs["mallory"]); !errors.Is(r.Err, ErrNotRecipient) || !errors.Is(r.Err, effects.ErrDenied) {
		t.Fatalf("refusal %v, want not the recipient (denied)", r.Err)
	}
	if _, err := call(t, w.svcs["mallory"], effects.HoldRetrieve, map[string]effects.Value{
		"holders": effects.List(effects.String(w.id("h1").String()))}); err != nil {
		t.Fatal(err)
	}
	w.settle()
	own := walletCap(w.svcs["mallory"], w.id("h1"))
	if own == nil {
		t.Fatal("mallory got no capability of its own")
	}
	retrieveWith(t, w, "mallory", "h1", id, own)
	if r := lastRefusal(t, w.svcs["mallory"]); !errors.Is(r.Err, ErrNotRecipient) {
		t.Fatalf("refusal %v, want not the recipient", r.Err)
	}
	if got := w.svcs["mallory"].ReceivedEnvelopes(); len(got) != 0 {
		t.Fatalf("mallory received %d envelopes", len(got))
	}
	// A capability mallory forges (its own signature, the guardian's name)
	// is no capability h1 issued.
	forged := *stolen
	forged.Epoch++
	retrieveWith(t, w, "guardian", "h1", id, &forged)
	if r := lastRefusal(t, w.svcs["guardian"]); !errors.Is(r.Err, ErrBadCapability) {
		t.Fatalf("refusal %v, want bad capability", r.Err)
	}
}

// A holder that alters the payload it holds is caught by the recipient
// (the depositor's signature fails), which keeps the intact copy from
// another holder and witnesses the failure to the depositor.
func TestTamperedEnvelopeIsRefusedAndWitnessed(t *testing.T) {
	w := newWorld(t, "account", "guardian", "h1", "h2")
	for _, n := range w.names {
		w.start(n, nil)
	}
	id := depositFor(t, w, "account", "guardian", []byte("the real request"), "h1", "h2")
	w.settle()
	h1 := w.svcs["h1"]
	h1.mu.Lock()
	h1.custody[id].sealed.Payload = []byte("the forged request")
	h1.mu.Unlock()
	if _, err := call(t, w.svcs["guardian"], effects.HoldRetrieve, nil); err != nil {
		t.Fatal(err)
	}
	w.settle()
	got := w.svcs["guardian"].ReceivedEnvelopes()
	if len(got) != 1 || string(got[0].Sealed.Payload) != "the real request" || names(got[0].Holders, w) != "[h2]" {
		t.Fatalf("received %+v, want only h2's intact copy", got)
	}
	if r := lastRefusal(t, w.svcs["guardian"]); !errors.Is(r.Err, ErrBadEnvelope) || r.Holder != w.id("h1") {
		t.Fatalf("refusal %+v, want h1's bad envelope", r)
	}
	scores := w.svcs["account"].Scores()
	if scores[w.id("h1")] != (Score{Failed: 1}) || scores[w.id("h2")] != (Score{Delivered: 1}) {
		t.Fatalf("scores %+v, want h1 failed once and h2 delivered once", scores)
	}
}

// A witness signed by anyone but the recipient changes nothing; a genuine
// witness counts once.
func TestForgedWitnessChangesNothing(t *testing.T) {
	w := newWorld(t, "account", "guardian", "h1", "mallory")
	for _, n := range w.names {
		w.start(n, nil)
	}
	id := depositFor(t, w, "account", "guardian", []byte("x"), "h1")
	w.settle()
	acct := w.svcs["account"]
	wit := &Witness{Deposit: id, Depositor: w.id("account"), Holder: w.id("h1"), Recipient: w.id("guardian"), Outcome: Failed, AtMs: w.now}
	signAs := func(name string) []byte {
		s, err := sign(context.Background(), w.invoker(w.id(name)), effects.PurposeHoldWitness, wit.SignedBytes())
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	for _, tc := range []struct {
		name string
		sig  []byte
		want error
	}{
		{"signed by mallory", signAs("mallory"), effects.ErrInvalidSignature},
		{"signed by the holder itself", signAs("h1"), effects.ErrInvalidSignature},
		{"no signature", nil, effects.ErrInvalidSignature},
	} {
		wit.Signature = tc.sig
		_, err := call(t, acct, effects.HoldWitness, map[string]effects.Value{"witness": effects.Bytes(wit.Encode())})
		if !errors.Is(err, tc.want) || !errors.Is(err, ErrBadWitness) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	// Mallory sends its forged witness as a message too.
	wit.Signature = signAs("mallory")
	w.inject("mallory", "account", encodeMessage(MessageID{1}, kindWitness, w.now, map[string]effects.Value{"witness": effects.Bytes(wit.Encode())}))
	w.settle()
	if sc := acct.Scores(); len(sc) != 0 {
		t.Fatalf("scores %+v after forged witnesses, want none", sc)
	}
	wit.Signature = signAs("guardian")
	if _, err := call(t, acct, effects.HoldWitness, map[string]effects.Value{"witness": effects.Bytes(wit.Encode())}); err != nil {
		t.Fatalf("a genuine witness: %v", err)
	}
	if _, err := call(t, acct, effects.HoldWitness, map[string]effects.Value{"witness": effects.Bytes(wit.Encode())}); !errors.Is(err, effects.ErrConflict) {
		t.Fatalf("the same witness again: %v, want conflict", err)
	}
	if sc := acct.Scores()[w.id("h1")]; sc != (Score{Failed: 1}) {
		t.Fatalf("score %+v, want one failure", sc)
	}
}

// A deposit in another agent's name, or one the depositor did not sign,
// is refused by the holder and not kept.
func TestHolderRefusesForgedDeposits(t *testing.T) {
	w := newWorld(t, "account", "guardian", "h1", "mallory")
	for _, n := range w.names {
		w.start(n, nil)
	}
	ctx := context.Background()
	inMallorysName := &Sealed{Depositor: w.id("account"), Recipient: w.id("guardian"), CreatedMs: w.now, ExpiresMs: w.now + 60_000, Payload: []byte("evil")}
	if err := seal(ctx, w.invoker(w.id("mallory")), inMallorysName); err != nil {
		t.Fatal(err)
	}
	expired := &Sealed{Depositor: w.id("mallory"), Recipient: w.id("guardian"), CreatedMs: w.now - 10, ExpiresMs: w.now - 1, Payload: []byte("old")}
	if err := seal(ctx, w.invoker(w.id("mallory")), expired); err != nil {
		t.Fatal(err)
	}
	for i, s := range []*Sealed{inMallorysName, expired} {
		w.inject("mallory", "h1", encodeMessage(MessageID{byte(i + 1)}, kindDeposit, w.now, map[string]effects.Value{"sealed": effects.Bytes(s.Encode())}))
	}
	w.settle()
	if n := w.svcs["h1"].HeldCount(); n != 0 {
		t.Fatalf("h1 holds %d forged deposits", n)
	}
}

// Holders are bounded per depositor; a deposit over the bound is refused
// and its record says so.
func TestHolderBoundPerDepositor(t *testing.T) {
	w := newWorld(t, "account", "guardian", "h1")
	w.start("account", nil)
	w.start("guardian", nil)
	w.start("h1", func(c *Config) { c.MaxPerDepositor = 1 })
	first := depositFor(t, w, "account", "guardian", []byte("one"), "h1")
	second := depositFor(t, w, "account", "guardian", []byte("two"), "h1")
	w.settle()
	d1, _ := w.svcs["account"].DepositRecord(first)
	d2, _ := w.svcs["account"].DepositRecord(second)
	if d1.State != DepositHeld || d2.State != DepositRefused {
		t.Fatalf("states %s and %s, want held and refused", d1.State, d2.State)
	}
}

// A full movement queue refuses with a typed error rather than grow.
func TestFullQueueRefuses(t *testing.T) {
	w := newWorld(t, "account", "guardian", "h1")
	for _, n := range w.names {
		w.start(n, func(c *Config) { c.QueueLimit = 2 })
	}
	w.setDown("h1", true)
	for i := range 2 {
		depositFor(t, w, "account", "guardian", []byte{byte(i)}, "h1")
	}
	w.settle()
	_, err := call(t, w.svcs["account"], effects.HoldDeposit, map[string]effects.Value{
		"recipient": effects.String(w.id("guardian").String()), "payload": effects.Bytes([]byte{9}),
		"holders": effects.List(effects.String(w.id("h1").String()))})
	if !errors.Is(err, ErrQueueFull) || !errors.Is(err, effects.ErrExhausted) {
		t.Fatalf("third deposit: %v, want queue full (exhausted)", err)
	}
	if q := w.svcs["account"].QueueLen(w.id("h1")); q != 2 {
		t.Fatalf("queue length %d, want 2", q)
	}
	if h := w.svcs["account"].Health(); h.State != lifecycle.Degraded {
		t.Fatalf("health %s with a full queue, want degraded", h)
	}
	w.setDown("h1", false)
	w.settle()
	if n := w.svcs["h1"].HeldCount(); n != 2 {
		t.Fatalf("h1 holds %d, want the 2 queued deposits", n)
	}
	if h := w.svcs["account"].Health(); h.State != lifecycle.Healthy {
		t.Fatalf("health %s once the queue drained, want healthy", h)
	}
}

// A message sent twice (a replay) is answered once.
func TestReplayedMessageIsDropped(t *testing.T) {
	w := newWorld(t, "guardian", "h1")
	for _, n := range w.names {
		w.start(n, nil)
	}
	hello := encodeMessage(MessageID{7}, kindHello, w.now, nil)
	w.inject("guardian", "h1", hello)
	w.inject("guardian", "h1", hello)
	w.settle()
	if st := w.svcs["h1"].Stats(); st.Received != 1 || st.Replays != 1 {
		t.Fatalf("stats %+v, want 1 received and 1 replay", st)
	}
	if c := walletCap(w.svcs["guardian"], w.id("h1")); c == nil || c.Epoch != 1 {
		t.Fatalf("capability %+v, want one issue (epoch 1)", c)
	}
}

// What a holder keeps survives its restart (it is in the agent's
// storage), and GC removes it after retention, from storage too.
func TestCustodySurvivesRestartAndGCRemovesIt(t *testing.T) {
	w := newWorld(t, "account", "guardian", "h1")
	for _, n := range w.names {
		w.start(n, nil)
	}
	depositFor(t, w, "account", "guardian", []byte("keep me"), "h1")
	w.settle()
	restarted := w.start("h1", nil)
	if n := restarted.HeldCount(); n != 1 {
		t.Fatalf("after a restart h1 holds %d, want 1", n)
	}
	w.advance(DefaultRetention - time.Millisecond)
	if res, err := restarted.GC(context.Background()); err != nil || res.Custody != 0 {
		t.Fatalf("GC before retention: %+v %v", res, err)
	}
	w.advance(time.Millisecond)
	res, err := restarted.GC(context.Background())
	if err != nil || res.Custody != 1 {
		t.Fatalf("GC at retention: %+v %v, want one removed", res, err)
	}
	if n := len(w.storage[w.id("h1")]); n != 0 {
		t.Fatalf("%d records left in h1's storage", n)
	}
	if res, _ := w.svcs["account"].GC(context.Background()); res.Deposits != 1 {
		t.Fatalf("the account's GC removed %d deposits, want 1", res.Deposits)
	}
}

func TestDepositArgumentsAreChecked(t *testing.T) {
	w := newWorld(t, "account", "guardian", "h1")
	for _, n := range w.names {
		w.start(n, nil)
	}
	outsider := effects.DeriveAuthorityID("outsider", 1)
	for _, tc := range []struct {
		name string
		args map[string]effects.Value
		want error
	}{
		{"bad recipient", map[string]effects.Value{"recipient": effects.String("nobody"), "payload": effects.Bytes(nil)}, effects.ErrInvalidArgs},
		{"self", map[string]effects.Value{"recipient": effects.String(w.id("account").String()), "payload": effects.Bytes(nil)}, effects.ErrInvalidArgs},
		{"too large", map[string]effects.Value{"recipient": effects.String(w.id("guardian").String()), "payload": effects.Bytes(make([]byte, MaxPayload+1))}, effects.ErrInvalidArgs},
		{"holder not a peer", map[string]effects.Value{"recipient": effects.String(w.id("guardian").String()), "payload": effects.Bytes(nil),
			"holders": effects.List(effects.String(outsider.String()))}, effects.ErrInvalidArgs},
		{"recipient as holder", map[string]effects.Value{"recipient": effects.String(w.id("guardian").String()), "payload": effects.Bytes(nil),
			"holders": effects.List(effects.String(w.id("guardian").String()))}, effects.ErrInvalidArgs},
	} {
		if _, err := call(t, w.svcs["account"], effects.HoldDeposit, tc.args); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	other := w.svcs["account"]
	if _, err := other.Invoke(context.Background(), &effects.Call{Op: effects.HoldList, Authority: w.id("guardian")}); !errors.Is(err, effects.ErrDenied) {
		t.Errorf("a call naming another authority: %v, want denied", err)
	}
}

// queued counts the messages of a kind waiting for peer.
func queued(s *Service, peer effects.AuthorityID, kind string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, m := range s.queues[peer].items {
		if m.kind == kind {
			n++
		}
	}
	return n
}

// A holder that keeps offering (each offer a new capability and a long
// list) cannot make the recipient remember more than one offer's worth.
func TestOffersDoNotAccumulate(t *testing.T) {
	w := newWorld(t, "guardian", "h1")
	for _, n := range w.names {
		w.start(n, nil)
	}
	g := w.svcs["guardian"]
	for range 5 {
		if _, err := call(t, g, effects.HoldRetrieve, nil); err != nil {
			t.Fatal(err)
		}
		w.settle()
	}
	var ids []effects.Value
	for i := range maxOffered + 10 {
		ids = append(ids, effects.Bytes([]byte(fmt.Sprintf("%016d", i))))
	}
	for i := range 3 {
		c := &Capability{Holder: w.id("h1"), Recipient: w.id("guardian"), Epoch: int64(10 + i), IssuedMs: w.now, ExpiresMs: w.now + 30_000}
		sig, err := sign(context.Background(), w.invoker(w.id("h1")), effects.PurposeHoldCapability, c.SignedBytes())
		if err != nil {
			t.Fatal(err)
		}
		c.Signature = sig
		w.inject("h1", "guardian", encodeMessage(MessageID{byte(100 + i)}, kindOffer, w.now, map[string]effects.Value{
			"capability": effects.Bytes(c.Encode()), "deposits": effects.List(ids...)}))
		if err := g.Pump(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	g.mu.Lock()
	asked, offered := len(g.asked), len(g.offered[w.id("h1")])
	g.mu.Unlock()
	if offered > maxOffered || asked > g.cfg.QueueLimit {
		t.Fatalf("remembered %d offered and %d asked, want at most %d and %d", offered, asked, maxOffered, g.cfg.QueueLimit)
	}
}

// A refusal of an older capability leaves the newer one the recipient
// holds since: it is not asked for again for nothing.
func TestRefusalOfAnOldCapabilityKeepsTheNewOne(t *testing.T) {
	w, id := setupOne(t)
	old := walletCap(w.svcs["guardian"], w.id("h1"))
	if _, err := call(t, w.svcs["guardian"], effects.HoldRetrieve, nil); err != nil {
		t.Fatal(err)
	}
	w.settle()
	cur := walletCap(w.svcs["guardian"], w.id("h1"))
	retrieveWith(t, w, "guardian", "h1", id, old)
	if r := lastRefusal(t, w.svcs["guardian"]); !errors.Is(r.Err, ErrCapabilitySuperseded) {
		t.Fatalf("refusal %v, want superseded", r.Err)
	}
	if c := walletCap(w.svcs["guardian"], w.id("h1")); c == nil || c.Epoch != cur.Epoch {
		t.Fatalf("capability %+v after the old one was refused, want epoch %d kept", c, cur.Epoch)
	}
}

package invitation

import (
	"context"
	"crypto/ed25519"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/plugintest"
	"github.com/aurahost/aura-host/plugins/internal/service"
	"github.com/aurahost/aura-host/plugins/internal/servicetest"
	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/sdk/sdktest"
)

var args = plugintest.Args

const t0 = 2_000_000

// party is the authority of a test party, by label.
func party(label string) sdk.AuthorityID { return effects.DeriveAuthorityID(label, 1) }

// auth is a party's authority id as the service prints it.
func auth(label string) string { return party(label).String() }

// as serves a fresh instance of the service acting for label's authority
// over host's journal: the instance rebuilds its state from the journal,
// so several parties may share one journal, as replicas would.
func as(t *testing.T, host *servicetest.Host, label string) *sdktest.Harness {
	t.Helper()
	return servicetest.Start(t, New(), host, sdktest.WithAuthority(party(label)))
}

func inviteArgs(kind, receiver string, ttl int64) sdk.Value {
	return args("kind", sdk.String(kind), "receiver", sdk.String(auth(receiver)), "ttl_ms", sdk.Int(ttl))
}

func id(s string) sdk.Value { return args("id", sdk.String(s)) }

// signed returns the created body of an invitation signed by signer's
// device key, as the service would make it (fields override the defaults).
func signed(signer ed25519.PrivateKey, fields map[string]sdk.Value) sdk.Value {
	m := map[string]sdk.Value{
		"id": sdk.String("invitation-01"), "kind": sdk.String(KindContact), "sender": sdk.String(auth("alice")),
		"receiver": sdk.String(auth("bob")), "created_ms": sdk.Int(t0), "expires_ms": sdk.Int(t0 + 1000),
		"nonce": sdk.Bytes(make([]byte, 32)), "sender_key": sdk.Bytes(signer.Public().(ed25519.PublicKey)),
	}
	for k, v := range fields {
		m[k] = v
	}
	body := sdk.Map(m)
	m["signature"] = sdk.Bytes(ed25519.Sign(signer, effects.DeviceSigningMessage(effects.PurposeInvitation, body.Canonical())))
	return sdk.Map(m)
}

func sampleAnswerCode() string {
	m := map[string]sdk.Value{"status": sdk.String(StatusAccepted)}
	for _, f := range signedAnswer("bob", "invitation-01", StatusAccepted, t0).Fields() {
		m[f.Key] = f.Value
	}
	return encode(AnswerPrefix, sdk.Map(m))
}

func sampleCode() string { return Encode(signed(servicetest.DeviceKey(party("alice")), nil)) }

func TestConformance(t *testing.T) {
	t.Parallel()
	sdktest.Conformance(t, New(),
		sdktest.WithHost(servicetest.NewHost(t0)), sdktest.WithAuthority(party("bob")),
		sdktest.WithSample(effects.InvitationInvite, inviteArgs(KindGuardian, "alice", 1000)),
		sdktest.WithSample(effects.InvitationImport, args("code", sdk.String(sampleCode()))),
		sdktest.WithSample(effects.InvitationImportAnswer, args("code", sdk.String(sampleAnswerCode()))),
	)
}

func TestInviteValidatesItsArguments(t *testing.T) {
	t.Parallel()
	hs := as(t, servicetest.NewHost(t0), "alice")
	cases := []struct {
		name     string
		args     sdk.Value
		fragment string
	}{
		{"unknown kind", inviteArgs("friend", "bob", 10), `kind must be "guardian", "contact", "channel" or "device", got "friend"`},
		{"no receiver", args("kind", sdk.String(KindContact), "receiver", sdk.String(""), "ttl_ms", sdk.Int(10)), "receiver must not be empty"},
		{"receiver not an authority", args("kind", sdk.String(KindContact), "receiver", sdk.String("bob"), "ttl_ms", sdk.Int(10)), "receiver must be an authority id"},
		{"self invitation", inviteArgs(KindContact, "alice", 10), "sender and receiver are both " + auth("alice")},
		{"zero ttl", inviteArgs(KindContact, "bob", 0), "ttl_ms must be 1 or more, got 0"},
		{"long message", args("kind", sdk.String(KindContact), "receiver", sdk.String(auth("bob")),
			"ttl_ms", sdk.Int(10), "message", sdk.String(strings.Repeat("x", MaxMessageBytes+1))), "message is 4097 bytes"},
		{"a sender argument", args("kind", sdk.String(KindContact), "sender", sdk.String(auth("mallory")), "receiver", sdk.String(auth("bob")),
			"ttl_ms", sdk.Int(10)), "sender"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			plugintest.Fails(t, hs, effects.InvitationInvite, tc.args, sdk.CodeInvalidArgs, tc.fragment)
		})
	}
}

func TestInvite(t *testing.T) {
	t.Parallel()
	host := servicetest.NewHost(t0)
	hs := as(t, host, "alice")
	got := plugintest.Must(t, hs, effects.InvitationInvite, args("kind", sdk.String(KindGuardian),
		"receiver", sdk.String(auth("bob")), "ttl_ms", sdk.Int(1000), "message", sdk.String("be my guardian")))
	want := args("id", plugintest.Field(t, got, "id"), "kind", sdk.String(KindGuardian), "sender", sdk.String(auth("alice")),
		"receiver", sdk.String(auth("bob")), "status", sdk.String(StatusPending), "created_ms", sdk.Int(t0), "expires_ms", sdk.Int(t0+1000),
		"message", sdk.String("be my guardian"), "fact_id", plugintest.Field(t, got, "fact_id"))
	if !got.Equal(want) {
		t.Fatalf("invite = %v, want %v", got, want)
	}
	facts := host.Bodies(PredicateCreated)
	if len(facts) != 1 {
		t.Fatalf("journaled %d invitation.created facts, want 1", len(facts))
	}
	r, err := decodeCreated(facts[0], "fact")
	if err != nil {
		t.Fatal(err)
	}
	if !r.signatureValid() || !ed25519.PublicKey(r.senderKey).Equal(servicetest.DeviceKey(party("alice")).Public()) {
		t.Fatalf("the created fact is not signed by alice's device key: %v", facts[0])
	}
}

// TestTransitions drives every operation from every state: the allowed
// transitions, the parties that may not make them, and the terminal states
// that may not change. The acting party is the authority of the instance
// called, never an argument.
func TestTransitions(t *testing.T) {
	t.Parallel()
	type call struct {
		op       sdk.OpID
		as       string
		want     string   // status after a success
		code     sdk.Code // or the error
		fragment string
	}
	ok := func(op sdk.OpID, as, want string) call { return call{op: op, as: as, want: want} }
	fails := func(op sdk.OpID, as string, code sdk.Code, fragment string) call {
		return call{op: op, as: as, code: code, fragment: fragment}
	}
	const accept, decline, cancel = effects.InvitationAccept, effects.InvitationDecline, effects.InvitationCancel
	terminal := func(state string) []call {
		msg := "is already " + state
		return []call{
			fails(accept, "bob", sdk.CodeConflict, msg),
			fails(decline, "bob", sdk.CodeConflict, msg),
			fails(cancel, "alice", sdk.CodeConflict, msg),
		}
	}
	cases := []struct {
		name    string
		advance int64
		calls   []call
	}{
		{"receiver accepts", 0, append([]call{ok(accept, "bob", StatusAccepted)}, terminal(StatusAccepted)...)},
		{"receiver declines", 0, append([]call{ok(decline, "bob", StatusDeclined)}, terminal(StatusDeclined)...)},
		{"sender cancels", 0, append([]call{ok(cancel, "alice", StatusCancelled)}, terminal(StatusCancelled)...)},
		{"only the receiver accepts", 0, []call{
			fails(accept, "alice", sdk.CodeDenied, `only the receiver of invitation`),
			fails(accept, "mallory", sdk.CodeDenied, "this caller acts for "+auth("mallory")),
			ok(accept, "bob", StatusAccepted),
		}},
		{"only the receiver declines", 0, []call{
			fails(decline, "alice", sdk.CodeDenied, "only the receiver"),
			ok(decline, "bob", StatusDeclined),
		}},
		{"only the sender cancels", 0, []call{
			fails(cancel, "bob", sdk.CodeDenied, "only the sender"),
			fails(cancel, "mallory", sdk.CodeDenied, "only the sender"),
			ok(cancel, "alice", StatusCancelled),
		}},
		{"denied before terminal state is revealed", 0, []call{
			ok(accept, "bob", StatusAccepted),
			fails(cancel, "mallory", sdk.CodeDenied, "only the sender"),
		}},
		{"pending until the last millisecond", 999, []call{ok(accept, "bob", StatusAccepted)}},
		{"expired", 1000, []call{
			fails(accept, "bob", sdk.CodeConflict, "expired at 2001000 ms"),
			fails(decline, "bob", sdk.CodeConflict, "expired"),
			fails(cancel, "alice", sdk.CodeConflict, "expired"),
			fails(accept, "mallory", sdk.CodeDenied, "only the receiver"),
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			host := servicetest.NewHost(t0)
			iid := plugintest.Str(t, plugintest.Must(t, as(t, host, "alice"), effects.InvitationInvite, inviteArgs(KindContact, "bob", 1000)), "id")
			host.Advance(tc.advance)
			transitions := 0
			for i, c := range tc.calls {
				got, err := as(t, host, c.as).Invoke(context.Background(), c.op, id(iid))
				if c.code != "" {
					if err := plugintest.Check(err, c.code, c.fragment); err != nil {
						t.Fatalf("call %d %s as %s: %v", i, c.op, c.as, err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("call %d %s as %s: %v", i, c.op, c.as, err)
				}
				transitions++
				if st := plugintest.Str(t, got, "status"); st != c.want {
					t.Fatalf("call %d %s: status %q, want %q", i, c.op, st, c.want)
				}
				pred := predicateOf(c.want)
				facts := host.Bodies(pred)
				if len(facts) != 1 {
					t.Fatalf("%s facts = %v, want one", pred, facts)
				}
				a, err := decodeAnswer(facts[0], pred)
				if err != nil || a.id != iid || a.by != auth(c.as) || a.atMS != host.Now() || !a.valid(c.want) ||
					!ed25519.PublicKey(a.key).Equal(servicetest.DeviceKey(party(c.as)).Public()) {
					t.Fatalf("%s fact %v is not %s's signed answer (%v)", pred, facts[0], c.as, err)
				}
				if fid, _ := plugintest.Field(t, got, "fact_id").AsBytes(); len(fid) == 0 {
					t.Fatalf("%s returned no fact_id: %v", c.op, got)
				}
				if by := plugintest.Str(t, got, "settled_by"); by != auth(c.as) {
					t.Fatalf("settled_by = %q, want %q", by, auth(c.as))
				}
			}
			settledFacts := len(host.Bodies(PredicateAccepted)) + len(host.Bodies(PredicateDeclined)) + len(host.Bodies(PredicateCancelled))
			if settledFacts != transitions {
				t.Fatalf("journaled %d transitions, made %d", settledFacts, transitions)
			}
			if tc.advance >= 1000 {
				if n := len(host.Bodies(PredicateExpired)); n != 1 {
					t.Fatalf("journaled %d expiries, want exactly 1 however often it was noticed", n)
				}
				if st := plugintest.Str(t, plugintest.Must(t, as(t, host, "alice"), effects.InvitationGet, id(iid)), "status"); st != StatusExpired {
					t.Fatalf("status = %q, want expired", st)
				}
			}
		})
	}
	t.Run("unknown invitation", func(t *testing.T) {
		hs := as(t, servicetest.NewHost(t0), "bob")
		for _, op := range []sdk.OpID{accept, decline, cancel} {
			plugintest.Fails(t, hs, op, id("invitation-00"), sdk.CodeNotFound, `no invitation "invitation-00"`)
		}
		plugintest.Fails(t, hs, effects.InvitationGet, id("invitation-00"), sdk.CodeNotFound, "no invitation")
		plugintest.Fails(t, hs, effects.InvitationExport, id("invitation-00"), sdk.CodeNotFound, "no invitation")
	})
}

func TestListPending(t *testing.T) {
	t.Parallel()
	host := servicetest.NewHost(t0)
	invite := func(sender, receiver string, ttl int64) string {
		host.Advance(1)
		return plugintest.Str(t, plugintest.Must(t, as(t, host, sender), effects.InvitationInvite, inviteArgs(KindContact, receiver, ttl)), "id")
	}
	ab := invite("alice", "bob", 1000)
	ac := invite("alice", "carol", 1000)
	cb := invite("carol", "bob", 1000)
	invite("dave", "bob", 10) // expires below
	plugintest.Must(t, as(t, host, "carol"), effects.InvitationDecline, id(ac))
	host.Advance(10) // dave's invitation expires
	hs := as(t, host, "alice")
	ids := func(v sdk.Value) []string {
		var out []string
		for _, it := range v.Items() {
			out = append(out, plugintest.Str(t, it, "id"))
		}
		return out
	}
	for _, tc := range []struct {
		args sdk.Value
		want []string
	}{
		{sdk.Null(), []string{ab, cb}},
		{args("for", sdk.String(auth("bob"))), []string{ab, cb}},
		{args("for", sdk.String(auth("alice"))), []string{ab}},
		{args("for", sdk.String(auth("carol"))), []string{cb}},
		{args("for", sdk.String(auth("dave"))), nil},
	} {
		if got := ids(plugintest.Must(t, hs, effects.InvitationListPending, tc.args)); strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("list_pending(%v) = %v, want %v", tc.args, got, tc.want)
		}
	}
}

func TestExportAndImport(t *testing.T) {
	t.Parallel()
	aliceHost, bobHost := servicetest.NewHost(t0), servicetest.NewHost(t0+5)
	alice := as(t, aliceHost, "alice")
	bob := as(t, bobHost, "bob")
	inv := plugintest.Must(t, alice, effects.InvitationInvite, args("kind", sdk.String(KindDevice),
		"receiver", sdk.String(auth("bob")), "ttl_ms", sdk.Int(1000), "message", sdk.String("enrol your phone")))
	iid := plugintest.Str(t, inv, "id")
	code, _ := plugintest.Must(t, alice, effects.InvitationExport, id(iid)).AsString()
	if !strings.HasPrefix(code, CodePrefix) {
		t.Fatalf("code %q does not start with %s", code, CodePrefix)
	}

	imported := plugintest.Must(t, bob, effects.InvitationImport, args("code", sdk.String(strings.ToLower(code)+"\n")))
	want := plugintest.Must(t, alice, effects.InvitationGet, id(iid))
	if !imported.Equal(want) {
		t.Fatalf("imported %v, want %v", imported, want)
	}
	if got := bobHost.Bodies(PredicateCreated); len(got) != 1 {
		t.Fatalf("import journaled %d facts, want 1", len(got))
	}
	plugintest.Must(t, bob, effects.InvitationAccept, id(iid))
	again := plugintest.Must(t, bob, effects.InvitationImport, args("code", sdk.String(code)))
	if st := plugintest.Str(t, again, "status"); st != StatusAccepted {
		t.Fatalf("re-import returned status %q, want the invitation as it stands (accepted)", st)
	}
	if got := bobHost.Bodies(PredicateCreated); len(got) != 1 {
		t.Fatalf("re-import journaled again: %d facts", len(got))
	}

	tampered := []byte(code)
	if i := len(CodePrefix) + 3; tampered[i] == 'A' {
		tampered[i] = 'B'
	} else {
		tampered[i] = 'A'
	}
	aliceKey := servicetest.DeviceKey(party("alice"))
	for _, tc := range []struct {
		name, code string
		want       sdk.Code
		fragment   string
	}{
		{"tampered", string(tampered), sdk.CodeInvalidArgs, "checksum does not match"},
		{"truncated", code[:len(code)-3], sdk.CodeInvalidArgs, "corrupt"},
		{"not a code", "hello", sdk.CodeInvalidArgs, "must start with AURA-INV2-"},
		{"not base32", CodePrefix + "!!!!", sdk.CodeInvalidArgs, "not base32"},
		{"checksummed garbage", CodePrefix + garbage(), sdk.CodeInvalidArgs, "holds nothing readable"},
		{"same id, different invitation", Encode(signed(aliceKey, map[string]sdk.Value{"id": sdk.String(iid)})), sdk.CodeConflict, "a different invitation with id"},
		{"expired", Encode(signed(aliceKey, map[string]sdk.Value{"id": sdk.String("invitation-02"), "created_ms": sdk.Int(0), "expires_ms": sdk.Int(10)})),
			sdk.CodeConflict, "expired at 10 ms"},
		{"invalid invitation", Encode(signed(aliceKey, map[string]sdk.Value{"id": sdk.String("invitation-03"), "receiver": sdk.String(auth("alice"))})),
			sdk.CodeInvalidArgs, "sender and receiver are both"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plugintest.Fails(t, bob, effects.InvitationImport, args("code", sdk.String(tc.code)), tc.want, tc.fragment)
		})
	}

	plugintest.Must(t, alice, effects.InvitationCancel, id(iid))
	plugintest.Fails(t, alice, effects.InvitationExport, id(iid), sdk.CodeConflict, "only a pending invitation can be exported")
}

// garbage is a code body with a valid checksum over bytes that are not a
// canonical encoding.
func garbage() string {
	payload := []byte{0xff, 0x01}
	return codeEncoding.EncodeToString(append(payload, checksum(payload)...))
}

func TestRestartRebuildsFromFacts(t *testing.T) {
	t.Parallel()
	host := servicetest.NewHost(t0)
	first := as(t, host, "alice")
	var ids []string
	for i, receiver := range []string{"bob", "carol", "dave", "erin", "frank"} {
		ids = append(ids, plugintest.Str(t, plugintest.Must(t, first, effects.InvitationInvite,
			inviteArgs(KindGuardian, receiver, int64(1000+i*1000))), "id"))
	}
	plugintest.Must(t, as(t, host, "bob"), effects.InvitationAccept, id(ids[0]))
	plugintest.Must(t, as(t, host, "carol"), effects.InvitationDecline, id(ids[1]))
	first = as(t, host, "alice")
	plugintest.Must(t, first, effects.InvitationCancel, id(ids[2]))
	host.Advance(4000) // ids[3] expires (unnoticed), ids[4] stays pending
	before := map[string]sdk.Value{}
	for _, iid := range ids {
		before[iid] = plugintest.Must(t, first, effects.InvitationGet, id(iid))
	}
	pending := plugintest.Must(t, first, effects.InvitationListPending, sdk.Null())

	second := as(t, host, "alice")
	for iid, want := range before {
		if got := plugintest.Must(t, second, effects.InvitationGet, id(iid)); !got.Equal(want) {
			t.Fatalf("after restart get(%s) = %v, want %v", iid, got, want)
		}
	}
	if got := plugintest.Must(t, second, effects.InvitationListPending, sdk.Null()); !got.Equal(pending) {
		t.Fatalf("after restart list_pending = %v, want %v", got, pending)
	}
	plugintest.Fails(t, as(t, host, "bob"), effects.InvitationAccept, id(ids[0]), sdk.CodeConflict, "already accepted")
	plugintest.Must(t, as(t, host, "frank"), effects.InvitationAccept, id(ids[4]))
}

// appendFact journals a fact directly, as a merged journal would bring it.
func appendFact(t *testing.T, host *servicetest.Host, f service.Fact) {
	t.Helper()
	if _, err := host.Invoke(context.Background(), &sdk.Call{Op: effects.JournalAppendFact,
		Args: args("fact", f.Value(sdk.AuthorityID{1}))}); err != nil {
		t.Fatal(err)
	}
}

// signedAnswer is label's device-signed answer to invitation iid.
func signedAnswer(label, iid, status string, at int64) sdk.Value {
	key := servicetest.DeviceKey(party(label))
	a := answer{id: iid, by: auth(label), atMS: at, key: key.Public().(ed25519.PublicKey)}
	a.signature = ed25519.Sign(key, effects.DeviceSigningMessage(effects.PurposeInvitationAnswer, a.signed(status).Canonical()))
	return a.body()
}

// TestReplayResolvesCompetingTerminalFacts merges, as journals from two
// devices would, a cancellation and an earlier acceptance of the same
// invitation: every replica must settle on the earlier. An unsigned answer
// merged in is ignored.
func TestReplayResolvesCompetingTerminalFacts(t *testing.T) {
	t.Parallel()
	host := servicetest.NewHost(t0)
	iid := plugintest.Str(t, plugintest.Must(t, as(t, host, "alice"), effects.InvitationInvite, inviteArgs(KindContact, "bob", 1000)), "id")
	host.Advance(20)
	plugintest.Must(t, as(t, host, "alice"), effects.InvitationCancel, id(iid))
	forged := signedAnswer("bob", iid, StatusAccepted, t0+5)
	forged = args("id", plugintest.Field(t, forged, "id"), "by", plugintest.Field(t, forged, "by"), "at_ms", sdk.Int(t0+1),
		"key", plugintest.Field(t, forged, "key"), "signature", plugintest.Field(t, forged, "signature"))
	appendFact(t, host, service.Fact{Predicate: PredicateAccepted, Time: t0 + 1, Body: forged})
	appendFact(t, host, service.Fact{Predicate: PredicateAccepted, Time: t0 + 10, Body: signedAnswer("bob", iid, StatusAccepted, t0+10)})
	got := plugintest.Must(t, as(t, host, "alice"), effects.InvitationGet, id(iid))
	if st, by, at := plugintest.Str(t, got, "status"), plugintest.Str(t, got, "settled_by"), plugintest.Int(t, got, "settled_ms"); st != StatusAccepted || by != auth("bob") || at != t0+10 {
		t.Fatalf("after merging, status %q by %q at %d, want accepted by bob at %d (the earlier signed fact)", st, by, at, t0+10)
	}
}

// TestExpire records the expiry of every pending invitation past its
// expiry, and only those: not a settled one, not one still pending; a
// second run finds nothing; the journal failing half way leaves the rest
// for the next run.
func TestExpire(t *testing.T) {
	t.Parallel()
	host := servicetest.NewHost(t0)
	alice := as(t, host, "alice")
	short := plugintest.Str(t, plugintest.Must(t, alice, effects.InvitationInvite, inviteArgs(KindContact, "bob", 10)), "id")
	accepted := plugintest.Str(t, plugintest.Must(t, alice, effects.InvitationInvite, inviteArgs(KindGuardian, "carol", 10)), "id")
	plugintest.Must(t, as(t, host, "carol"), effects.InvitationAccept, id(accepted))
	plugintest.Must(t, alice, effects.InvitationInvite, inviteArgs(KindContact, "dave", 1000))
	alice = as(t, host, "alice") // an instance that has read carol's acceptance
	if got := plugintest.Must(t, alice, effects.InvitationExpire, sdk.Null()); !got.Equal(sdk.Int(0)) {
		t.Fatalf("expire before any expiry = %v, want 0", got)
	}
	host.Advance(10)
	if got := plugintest.Must(t, alice, effects.InvitationExpire, sdk.Null()); !got.Equal(sdk.Int(1)) {
		t.Fatalf("expire = %v, want 1 (the short one; the accepted one is settled, the long one pending)", got)
	}
	bodies := host.Bodies(PredicateExpired)
	if len(bodies) != 1 || plugintest.Str(t, bodies[0], "id") != short {
		t.Fatalf("expired facts %v, want one for %s", bodies, short)
	}
	if got := plugintest.Must(t, alice, effects.InvitationExpire, sdk.Null()); !got.Equal(sdk.Int(0)) {
		t.Fatalf("a second expire = %v, want 0", got)
	}
	if got := plugintest.Must(t, as(t, host, "bob"), effects.InvitationGet, id(short)); plugintest.Str(t, got, "status") != StatusExpired {
		t.Fatalf("after expire the invitation reads %v", got)
	}
	host.Advance(1000)
	host.SetJournalDown(true)
	plugintest.Fails(t, alice, effects.InvitationExpire, sdk.Null(), sdk.CodeUnavailable, "")
	host.SetJournalDown(false)
	if got := plugintest.Must(t, alice, effects.InvitationExpire, sdk.Null()); !got.Equal(sdk.Int(1)) {
		t.Fatalf("expire after the journal came back = %v, want 1", got)
	}
}

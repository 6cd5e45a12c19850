package invitation

import (
	"context"
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

func inviteArgs(kind, sender, receiver string, ttl int64) sdk.Value {
	return args("kind", sdk.String(kind), "sender", sdk.String(sender), "receiver", sdk.String(receiver), "ttl_ms", sdk.Int(ttl))
}

func idAs(id, as string) sdk.Value { return args("id", sdk.String(id), "as", sdk.String(as)) }

func id(s string) sdk.Value { return args("id", sdk.String(s)) }

func sampleCode() string {
	return Encode(args("id", sdk.String("invitation-01"), "kind", sdk.String(KindContact), "sender", sdk.String("alice"),
		"receiver", sdk.String("bob"), "created_ms", sdk.Int(t0), "expires_ms", sdk.Int(t0+1000)))
}

func TestConformance(t *testing.T) {
	t.Parallel()
	sdktest.Conformance(t, New(),
		sdktest.WithHost(servicetest.NewHost(t0)),
		sdktest.WithSample(effects.InvitationInvite, inviteArgs(KindGuardian, "alice", "bob", 1000)),
		sdktest.WithSample(effects.InvitationImport, args("code", sdk.String(sampleCode()))),
	)
}

func TestInviteValidatesItsArguments(t *testing.T) {
	t.Parallel()
	hs := servicetest.Start(t, New(), servicetest.NewHost(t0))
	cases := []struct {
		name     string
		args     sdk.Value
		fragment string
	}{
		{"unknown kind", inviteArgs("friend", "a", "b", 10), `kind must be "guardian", "contact", "channel" or "device", got "friend"`},
		{"no sender", inviteArgs(KindContact, "", "b", 10), "sender must not be empty"},
		{"no receiver", inviteArgs(KindContact, "a", "", 10), "receiver must not be empty"},
		{"self invitation", inviteArgs(KindContact, "a", "a", 10), `sender and receiver are both "a"`},
		{"zero ttl", inviteArgs(KindContact, "a", "b", 0), "ttl_ms must be 1 or more, got 0"},
		{"long message", args("kind", sdk.String(KindContact), "sender", sdk.String("a"), "receiver", sdk.String("b"),
			"ttl_ms", sdk.Int(10), "message", sdk.String(strings.Repeat("x", MaxMessageBytes+1))), "message is 4097 bytes"},
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
	hs := servicetest.Start(t, New(), host)
	got := plugintest.Must(t, hs, effects.InvitationInvite, args("kind", sdk.String(KindGuardian), "sender", sdk.String("alice"),
		"receiver", sdk.String("bob"), "ttl_ms", sdk.Int(1000), "message", sdk.String("be my guardian")))
	want := args("id", plugintest.Field(t, got, "id"), "kind", sdk.String(KindGuardian), "sender", sdk.String("alice"),
		"receiver", sdk.String("bob"), "status", sdk.String(StatusPending), "created_ms", sdk.Int(t0), "expires_ms", sdk.Int(t0+1000),
		"message", sdk.String("be my guardian"), "fact_id", plugintest.Field(t, got, "fact_id"))
	if !got.Equal(want) {
		t.Fatalf("invite = %v, want %v", got, want)
	}
	if facts := host.Bodies(PredicateCreated); len(facts) != 1 {
		t.Fatalf("journaled %d invitation.created facts, want 1", len(facts))
	}
}

// TestTransitions drives every operation from every state: the allowed
// transitions, the parties that may not make them, and the terminal states
// that may not change.
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
			fails(accept, "mallory", sdk.CodeDenied, `"mallory" is not`),
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
			hs := servicetest.Start(t, New(), host)
			iid := plugintest.Str(t, plugintest.Must(t, hs, effects.InvitationInvite, inviteArgs(KindContact, "alice", "bob", 1000)), "id")
			host.Advance(tc.advance)
			transitions := 0
			for i, c := range tc.calls {
				got, err := hs.Invoke(context.Background(), c.op, idAs(iid, c.as))
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
				want := args("id", sdk.String(iid), "by", sdk.String(c.as), "at_ms", sdk.Int(host.Now()))
				if len(facts) != 1 || !facts[0].Equal(want) {
					t.Fatalf("%s facts = %v, want [%v]", pred, facts, want)
				}
				if fid, _ := plugintest.Field(t, got, "fact_id").AsBytes(); len(fid) == 0 {
					t.Fatalf("%s returned no fact_id: %v", c.op, got)
				}
				if by := plugintest.Str(t, got, "settled_by"); by != c.as {
					t.Fatalf("settled_by = %q, want %q", by, c.as)
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
				if st := plugintest.Str(t, plugintest.Must(t, hs, effects.InvitationGet, id(iid)), "status"); st != StatusExpired {
					t.Fatalf("status = %q, want expired", st)
				}
			}
		})
	}
	t.Run("unknown invitation", func(t *testing.T) {
		hs := servicetest.Start(t, New(), servicetest.NewHost(t0))
		for _, op := range []sdk.OpID{accept, decline, cancel} {
			plugintest.Fails(t, hs, op, idAs("invitation-00", "bob"), sdk.CodeNotFound, `no invitation "invitation-00"`)
		}
		plugintest.Fails(t, hs, effects.InvitationGet, id("invitation-00"), sdk.CodeNotFound, "no invitation")
		plugintest.Fails(t, hs, effects.InvitationExport, id("invitation-00"), sdk.CodeNotFound, "no invitation")
	})
}

func TestListPending(t *testing.T) {
	t.Parallel()
	host := servicetest.NewHost(t0)
	hs := servicetest.Start(t, New(), host)
	invite := func(sender, receiver string, ttl int64) string {
		host.Advance(1)
		return plugintest.Str(t, plugintest.Must(t, hs, effects.InvitationInvite, inviteArgs(KindContact, sender, receiver, ttl)), "id")
	}
	ab := invite("alice", "bob", 1000)
	ac := invite("alice", "carol", 1000)
	cb := invite("carol", "bob", 1000)
	invite("dave", "bob", 10) // expires below
	plugintest.Must(t, hs, effects.InvitationDecline, idAs(ac, "carol"))
	host.Advance(10) // dave's invitation expires
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
		{args("for", sdk.String("bob")), []string{ab, cb}},
		{args("for", sdk.String("alice")), []string{ab}},
		{args("for", sdk.String("carol")), []string{cb}},
		{args("for", sdk.String("dave")), nil},
	} {
		if got := ids(plugintest.Must(t, hs, effects.InvitationListPending, tc.args)); strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("list_pending(%v) = %v, want %v", tc.args, got, tc.want)
		}
	}
}

func TestExportAndImport(t *testing.T) {
	t.Parallel()
	aliceHost, bobHost := servicetest.NewHost(t0), servicetest.NewHost(t0+5)
	alice := servicetest.Start(t, New(), aliceHost)
	bob := servicetest.Start(t, New(), bobHost)
	inv := plugintest.Must(t, alice, effects.InvitationInvite, args("kind", sdk.String(KindDevice), "sender", sdk.String("alice"),
		"receiver", sdk.String("bob"), "ttl_ms", sdk.Int(1000), "message", sdk.String("enrol your phone")))
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
	plugintest.Must(t, bob, effects.InvitationAccept, idAs(iid, "bob"))
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
	other := Encode(args("id", sdk.String(iid), "kind", sdk.String(KindDevice), "sender", sdk.String("alice"),
		"receiver", sdk.String("bob"), "created_ms", sdk.Int(t0), "expires_ms", sdk.Int(t0+1000), "message", sdk.String("changed")))
	expired := Encode(args("id", sdk.String("invitation-02"), "kind", sdk.String(KindContact), "sender", sdk.String("alice"),
		"receiver", sdk.String("bob"), "created_ms", sdk.Int(0), "expires_ms", sdk.Int(10)))
	selfInvite := Encode(args("id", sdk.String("invitation-03"), "kind", sdk.String(KindContact), "sender", sdk.String("bob"),
		"receiver", sdk.String("bob"), "created_ms", sdk.Int(t0), "expires_ms", sdk.Int(t0+10)))
	for _, tc := range []struct {
		name, code string
		want       sdk.Code
		fragment   string
	}{
		{"tampered", string(tampered), sdk.CodeInvalidArgs, "checksum does not match"},
		{"truncated", code[:len(code)-3], sdk.CodeInvalidArgs, "corrupt"},
		{"not a code", "hello", sdk.CodeInvalidArgs, "must start with AURA-INV1-"},
		{"not base32", CodePrefix + "!!!!", sdk.CodeInvalidArgs, "not base32"},
		{"checksummed garbage", CodePrefix + garbage(), sdk.CodeInvalidArgs, "holds no invitation"},
		{"same id, different invitation", other, sdk.CodeConflict, "a different invitation with id"},
		{"expired", expired, sdk.CodeConflict, "expired at 10 ms"},
		{"invalid invitation", selfInvite, sdk.CodeInvalidArgs, "sender and receiver are both"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plugintest.Fails(t, bob, effects.InvitationImport, args("code", sdk.String(tc.code)), tc.want, tc.fragment)
		})
	}

	plugintest.Must(t, alice, effects.InvitationCancel, idAs(iid, "alice"))
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
	first := servicetest.Start(t, New(), host)
	var ids []string
	for i, receiver := range []string{"bob", "carol", "dave", "erin", "frank"} {
		ids = append(ids, plugintest.Str(t, plugintest.Must(t, first, effects.InvitationInvite,
			inviteArgs(KindGuardian, "alice", receiver, int64(1000+i*1000))), "id"))
	}
	plugintest.Must(t, first, effects.InvitationAccept, idAs(ids[0], "bob"))
	plugintest.Must(t, first, effects.InvitationDecline, idAs(ids[1], "carol"))
	plugintest.Must(t, first, effects.InvitationCancel, idAs(ids[2], "alice"))
	host.Advance(4000) // ids[3] expires (unnoticed), ids[4] stays pending
	before := map[string]sdk.Value{}
	for _, iid := range ids {
		before[iid] = plugintest.Must(t, first, effects.InvitationGet, id(iid))
	}
	pending := plugintest.Must(t, first, effects.InvitationListPending, sdk.Null())

	second := servicetest.Start(t, New(), host)
	for iid, want := range before {
		if got := plugintest.Must(t, second, effects.InvitationGet, id(iid)); !got.Equal(want) {
			t.Fatalf("after restart get(%s) = %v, want %v", iid, got, want)
		}
	}
	if got := plugintest.Must(t, second, effects.InvitationListPending, sdk.Null()); !got.Equal(pending) {
		t.Fatalf("after restart list_pending = %v, want %v", got, pending)
	}
	plugintest.Fails(t, second, effects.InvitationAccept, idAs(ids[0], "bob"), sdk.CodeConflict, "already accepted")
	plugintest.Must(t, second, effects.InvitationAccept, idAs(ids[4], "frank"))
}

// TestReplayResolvesCompetingTerminalFacts merges, as journals from two
// devices would, a cancellation and an earlier acceptance of the same
// invitation: every replica must settle on the earlier.
func TestReplayResolvesCompetingTerminalFacts(t *testing.T) {
	t.Parallel()
	host := servicetest.NewHost(t0)
	first := servicetest.Start(t, New(), host)
	iid := plugintest.Str(t, plugintest.Must(t, first, effects.InvitationInvite, inviteArgs(KindContact, "alice", "bob", 1000)), "id")
	host.Advance(20)
	plugintest.Must(t, first, effects.InvitationCancel, idAs(iid, "alice"))
	accepted := service.Fact{Predicate: PredicateAccepted, Time: t0 + 10,
		Body: args("id", sdk.String(iid), "by", sdk.String("bob"), "at_ms", sdk.Int(t0+10))}
	if _, err := host.Invoke(context.Background(), &sdk.Call{Op: effects.JournalAppendFact,
		Args: args("fact", accepted.Value(sdk.AuthorityID{}))}); err != nil {
		t.Fatal(err)
	}
	second := servicetest.Start(t, New(), host)
	got := plugintest.Must(t, second, effects.InvitationGet, id(iid))
	if st, by := plugintest.Str(t, got, "status"), plugintest.Str(t, got, "settled_by"); st != StatusAccepted || by != "bob" {
		t.Fatalf("after merging, status %q by %q, want accepted by bob (the earlier fact)", st, by)
	}
}

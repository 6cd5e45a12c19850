package invitation

import (
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/plugintest"
	"github.com/aurahost/aura-host/plugins/internal/service"
	"github.com/aurahost/aura-host/plugins/internal/servicetest"
	"github.com/aurahost/aura-host/sdk"
)

// These tests are the attacks of issue 11 (#4, "services trust what the
// caller says") against the invitation service. On the code before the
// fix, a re-encoded code imported as pending and `invitation.accept … as=X`
// accepted as anyone; each must now be refused with a typed error and
// leave the journal as it was.

const century = int64(100 * 365 * 24 * 3600 * 1000)

// aliceCode is a genuine code of an invitation from alice to bob.
func aliceCode(t *testing.T) (code, iid string) {
	t.Helper()
	alice := as(t, servicetest.NewHost(t0), "alice")
	iid = plugintest.Str(t, plugintest.Must(t, alice, effects.InvitationInvite, inviteArgs(KindGuardian, "bob", 60_000)), "id")
	c, _ := plugintest.Must(t, alice, effects.InvitationExport, id(iid)).AsString()
	return c, iid
}

// unchanged fails the test if the journal gained a fact.
func unchanged(t *testing.T, host *servicetest.Host, before int) {
	t.Helper()
	if n := host.FactCount(); n != before {
		t.Fatalf("a refused attempt changed the journal: %d facts before, %d after", before, n)
	}
}

// TestAttackReEncodedCodeIsRefused: mallory decodes alice's code, writes
// herself in as the receiver with an expiry a century out, and re-encodes
// it (with a fresh, valid checksum). The signature no longer verifies.
func TestAttackReEncodedCodeIsRefused(t *testing.T) {
	t.Parallel()
	code, _ := aliceCode(t)
	body, err := Decode(code)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]sdk.Value{}
	for _, f := range body.Fields() {
		m[f.Key] = f.Value
	}
	m["receiver"] = sdk.String(auth("mallory"))
	m["expires_ms"] = sdk.Int(t0 + century)
	forged := Encode(sdk.Map(m))

	host := servicetest.NewHost(t0)
	mallory := as(t, host, "mallory")
	before := host.FactCount()
	plugintest.Fails(t, mallory, effects.InvitationImport, args("code", sdk.String(forged)), sdk.CodeInvalidSignature,
		"the signature does not verify over its body under its sender key: the code was altered or re-encoded")
	unchanged(t, host, before)

	// Re-signing the altered body with her own device key does not help:
	// that key is not alice's device key.
	malloryKey := servicetest.DeviceKey(party("mallory"))
	resigned := Encode(signed(malloryKey, map[string]sdk.Value{"receiver": sdk.String(auth("mallory")), "expires_ms": sdk.Int(t0 + century)}))
	plugintest.Fails(t, mallory, effects.InvitationImport, args("code", sdk.String(resigned)), sdk.CodeUnknownDevice,
		"which is not the device key of its sender "+auth("alice"))
	unchanged(t, host, before)

	// Nor a sender the deployment knows no key for.
	host.Forget(party("alice"))
	plugintest.Fails(t, mallory, effects.InvitationImport, args("code", sdk.String(Encode(signed(malloryKey, map[string]sdk.Value{
		"receiver": sdk.String(auth("mallory"))})))), sdk.CodeUnknownDevice, "whose device key this deployment does not know")
	unchanged(t, host, before)
}

// TestAttackInvitationForAnotherReceiverIsDenied: a genuine code, for bob,
// imported by mallory.
func TestAttackInvitationForAnotherReceiverIsDenied(t *testing.T) {
	t.Parallel()
	code, iid := aliceCode(t)
	host := servicetest.NewHost(t0)
	before := host.FactCount()
	plugintest.Fails(t, as(t, host, "mallory"), effects.InvitationImport, args("code", sdk.String(code)), sdk.CodeDenied,
		"invitation "+iid+" is for "+auth("bob")+", not for "+auth("mallory"))
	unchanged(t, host, before)
}

// TestAttackExpiredCodeIsRefused: a genuine code past its expiry.
func TestAttackExpiredCodeIsRefused(t *testing.T) {
	t.Parallel()
	code, _ := aliceCode(t)
	host := servicetest.NewHost(t0 + 60_000)
	before := host.FactCount()
	plugintest.Fails(t, as(t, host, "bob"), effects.InvitationImport, args("code", sdk.String(code)), sdk.CodeConflict, "expired at")
	unchanged(t, host, before)
}

// TestAttackAcceptAsSomeoneElseIsImpossible: bob has imported alice's
// invitation; mallory, acting on the same journal, tries to accept it —
// naming bob as the acting party, as the old `as=` argument allowed, and
// as herself.
func TestAttackAcceptAsSomeoneElseIsImpossible(t *testing.T) {
	t.Parallel()
	code, iid := aliceCode(t)
	host := servicetest.NewHost(t0)
	plugintest.Must(t, as(t, host, "bob"), effects.InvitationImport, args("code", sdk.String(code)))
	before := host.FactCount()
	mallory := as(t, host, "mallory")
	plugintest.Fails(t, mallory, effects.InvitationAccept, args("id", sdk.String(iid), "as", sdk.String(auth("bob"))), sdk.CodeInvalidArgs, `"as"`)
	plugintest.Fails(t, mallory, effects.InvitationAccept, id(iid), sdk.CodeDenied,
		"only the receiver of invitation "+iid+" ("+auth("bob")+") may accept it; this caller acts for "+auth("mallory"))
	plugintest.Fails(t, mallory, effects.InvitationDecline, id(iid), sdk.CodeDenied, "only the receiver")
	plugintest.Fails(t, mallory, effects.InvitationCancel, id(iid), sdk.CodeDenied, "only the sender")
	unchanged(t, host, before)
	if st := plugintest.Str(t, plugintest.Must(t, as(t, host, "bob"), effects.InvitationGet, id(iid)), "status"); st != StatusPending {
		t.Fatalf("after mallory's attempts the invitation is %s, want pending", st)
	}
	// A forged acceptance merged into the journal — signed by mallory's
	// key in bob's name — does not count on replay.
	forged := signedAnswer("mallory", iid, StatusAccepted, t0+1)
	m := map[string]sdk.Value{}
	for _, f := range forged.Fields() {
		m[f.Key] = f.Value
	}
	m["by"] = sdk.String(auth("bob"))
	appendFact(t, host, service.Fact{Predicate: PredicateAccepted, Time: t0 + 1, Body: sdk.Map(m)})
	if st := plugintest.Str(t, plugintest.Must(t, as(t, host, "bob"), effects.InvitationGet, id(iid)), "status"); st != StatusPending {
		t.Fatalf("a forged acceptance settled the invitation: %s", st)
	}
}

// TestAnswerTravelsBackSigned: bob accepts alice's invitation and sends his
// answer back as a code; alice's service records it. A re-encoded answer
// (declined instead of accepted), one claiming to be bob's but signed by
// mallory, and one for another invitation are refused and change nothing.
func TestAnswerTravelsBackSigned(t *testing.T) {
	t.Parallel()
	aliceHost, bobHost := servicetest.NewHost(t0), servicetest.NewHost(t0)
	alice := as(t, aliceHost, "alice")
	iid := plugintest.Str(t, plugintest.Must(t, alice, effects.InvitationInvite, inviteArgs(KindGuardian, "bob", 60_000)), "id")
	code, _ := plugintest.Must(t, alice, effects.InvitationExport, id(iid)).AsString()
	bob := as(t, bobHost, "bob")
	plugintest.Must(t, bob, effects.InvitationImport, args("code", sdk.String(code)))
	bobHost.Advance(5)
	plugintest.Must(t, bob, effects.InvitationAccept, id(iid))
	answerCode, _ := plugintest.Must(t, bob, effects.InvitationExportAnswer, id(iid)).AsString()

	v, err := decode(AnswerPrefix, "an answer code", answerCode)
	if err != nil {
		t.Fatal(err)
	}
	with := func(k string, val sdk.Value) string {
		m := map[string]sdk.Value{}
		for _, f := range v.Fields() {
			m[f.Key] = f.Value
		}
		m[k] = val
		return encode(AnswerPrefix, sdk.Map(m))
	}
	mallorySigned := signedAnswer("mallory", iid, StatusAccepted, t0+5)
	m := map[string]sdk.Value{"status": sdk.String(StatusAccepted)}
	for _, f := range mallorySigned.Fields() {
		m[f.Key] = f.Value
	}
	m["by"] = sdk.String(auth("bob"))
	before := aliceHost.FactCount()
	for _, tc := range []struct {
		name, code string
		want       sdk.Code
		fragment   string
	}{
		{"re-encoded as a decline", with("status", sdk.String(StatusDeclined)), sdk.CodeInvalidSignature, "does not verify"},
		{"by mallory, in bob's name", encode(AnswerPrefix, sdk.Map(m)), sdk.CodeInvalidSignature, "does not verify"},
		{"mallory's own answer", encode(AnswerPrefix, func() sdk.Value {
			mm := map[string]sdk.Value{"status": sdk.String(StatusAccepted)}
			for _, f := range mallorySigned.Fields() {
				mm[f.Key] = f.Value
			}
			return sdk.Map(mm)
		}()), sdk.CodeDenied, "not by its receiver"},
		{"another invitation", with("id", sdk.String("invitation-99")), sdk.CodeNotFound, "no invitation"},
	} {
		plugintest.Fails(t, alice, effects.InvitationImportAnswer, args("code", sdk.String(tc.code)), tc.want, tc.fragment)
	}
	unchanged(t, aliceHost, before)

	got := plugintest.Must(t, alice, effects.InvitationImportAnswer, args("code", sdk.String(answerCode)))
	if st, by := plugintest.Str(t, got, "status"), plugintest.Str(t, got, "settled_by"); st != StatusAccepted || by != auth("bob") {
		t.Fatalf("alice's invitation after bob's answer: %s by %s", st, by)
	}
	if st := plugintest.Str(t, plugintest.Must(t, as(t, aliceHost, "alice"), effects.InvitationGet, id(iid)), "status"); st != StatusAccepted {
		t.Fatalf("after a restart alice's invitation is %s", st)
	}
}

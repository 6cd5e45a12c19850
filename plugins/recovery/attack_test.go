package recovery

import (
	"context"
	"crypto/ed25519"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/plugintest"
	"github.com/aurahost/aura-host/plugins/internal/service"
	"github.com/aurahost/aura-host/plugins/internal/servicetest"
	"github.com/aurahost/aura-host/sdk"
)

// These tests are issue 11's attack #4 on recovery: before the fix, the
// initiator named the guardians and their keys in recovery.initiate, so
// whoever initiated could approve with keys of their own. Each attempt
// must now be refused with a typed error, or not count, and change
// nothing.

func unchanged(t *testing.T, host *servicetest.Host, before int) {
	t.Helper()
	if n := host.FactCount(); n != before {
		t.Fatalf("a refused attempt changed the journal: %d facts before, %d after", before, n)
	}
}

// TestAttackInitiatorSuppliedGuardianKeysAreRefused: the initiator passes
// guardians with keys it holds (and threshold 1), to initiate or as the
// guardian set.
func TestAttackInitiatorSuppliedGuardianKeysAreRefused(t *testing.T) {
	t.Parallel()
	host := servicetest.NewHost(t0)
	hs := start(t, host)
	setGuardians(t, hs, 2, "g1", "g2", "g3")
	before := host.FactCount()
	own := args("id", sdk.String(gid("x")), "public_key", sdk.Bytes(pub("x")))
	plugintest.Fails(t, hs, effects.RecoveryInitiate, args("account", sdk.String(account), "operation", sdk.String(OperationReplaceTree),
		"guardians", sdk.List(own), "threshold", sdk.Int(1), "ttl_ms", sdk.Int(ttl)), sdk.CodeInvalidArgs, "unexpected")
	plugintest.Fails(t, hs, effects.RecoverySetGuardians, args("guardians", sdk.List(own), "threshold", sdk.Int(1)), sdk.CodeInvalidArgs, "want string")
	unchanged(t, host, before)
	// What initiate uses is the journaled set, with the deployment's keys.
	got := plugintest.Must(t, hs, effects.RecoveryInitiate, initiateArgs(OperationReplaceTree))
	if g := plugintest.Field(t, got, "guardians"); !g.Equal(guardians("g1", "g2", "g3")) {
		t.Fatalf("the request's guardians are %v, want the journaled set", g)
	}
}

// TestAttackApprovalsFromNonGuardiansDoNotCount: x is no guardian; it
// approves in its own name, and in g1's name with its own key.
func TestAttackApprovalsFromNonGuardiansDoNotCount(t *testing.T) {
	t.Parallel()
	host := servicetest.NewHost(t0)
	hs := start(t, host)
	setGuardians(t, hs, 2, "g1", "g2", "g3")
	rid := plugintest.Str(t, plugintest.Must(t, hs, effects.RecoveryInitiate, initiateArgs(OperationAddDevice)), "id")
	before := host.FactCount()
	plugintest.Fails(t, hs, effects.RecoverySubmitApproval, approve(rid, "x", sign("x", rid)), sdk.CodeDenied, "is not one of the guardians")
	plugintest.Fails(t, hs, effects.RecoverySubmitApproval, approve(rid, "g1", sign("x", rid)), sdk.CodeInvalidSignature,
		"under the guardian's device key from the guardian set")
	plugintest.Fails(t, hs, effects.RecoverySubmitApproval, approve(rid, "g1", ed25519.Sign(key("g1"), ApprovalMessage(rid, OperationAddDevice, account))),
		sdk.CodeInvalidSignature, "does not verify") // a raw signature, without the device-signing purpose
	unchanged(t, host, before)
	state := plugintest.Field(t, plugintest.Must(t, hs, effects.RecoveryGet, args("id", sdk.String(rid))), "state")
	if want := args("state", sdk.String(StateInitiated), "collected", sdk.Int(0), "required", sdk.Int(2)); !state.Equal(want) {
		t.Fatalf("state after the attempts = %v, want %v", state, want)
	}
}

// TestAttackForgedGuardianSetIsIgnored: a guardian set naming x as the only
// guardian, signed by x's key rather than the account's device, merged
// into the journal. It does not count on replay: the account's own set
// stands, and initiate uses it.
func TestAttackForgedGuardianSetIsIgnored(t *testing.T) {
	t.Parallel()
	host := servicetest.NewHost(t0)
	setGuardians(t, start(t, host), 2, "g1", "g2", "g3")
	host.Advance(10)
	forged := &guardianSet{account: account, guardians: []guardian{{id: gid("x"), key: pub("x")}}, threshold: 1, setMS: t0 + 10, signer: pub("x")}
	forged.signature = ed25519.Sign(key("x"), effects.DeviceSigningMessage(effects.PurposeGuardianSet, forged.signed().Canonical()))
	if _, err := host.Invoke(context.Background(), &sdk.Call{Op: effects.JournalAppendFact, Args: args("fact",
		service.Fact{Predicate: PredicateGuardiansSet, Time: t0 + 10, Body: forged.body()}.Value(party("alice")))}); err != nil {
		t.Fatal(err)
	}
	hs := start(t, host)
	set := plugintest.Must(t, hs, effects.RecoveryGuardians, sdk.Null())
	if g := plugintest.Field(t, set, "guardians"); !g.Equal(guardians("g1", "g2", "g3")) {
		t.Fatalf("after merging a forged set, guardians = %v, want the account's own", g)
	}
	rid := plugintest.Str(t, plugintest.Must(t, hs, effects.RecoveryInitiate, initiateArgs(OperationAddDevice)), "id")
	plugintest.Fails(t, hs, effects.RecoverySubmitApproval, approve(rid, "x", sign("x", rid)), sdk.CodeDenied, "is not one of the guardians")
}

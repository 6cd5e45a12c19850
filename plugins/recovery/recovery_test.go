package recovery

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/plugintest"
	"github.com/aurahost/aura-host/plugins/internal/servicetest"
	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/sdk/sdktest"
)

var args, strs = plugintest.Args, plugintest.Strs

const (
	t0  = 3_000_000
	ttl = 10_000
)

// party is a test party's authority, by label.
func party(label string) sdk.AuthorityID { return effects.DeriveAuthorityID(label, 1) }

// account is the authority the service acts for (alice's).
var account = party("alice").String()

// gid is the guardian id of a test party: its authority id.
func gid(label string) string { return party(label).String() }

// key is a test party's device key, as the fake host knows it.
func key(label string) ed25519.PrivateKey { return servicetest.DeviceKey(party(label)) }

func pub(label string) []byte { return key(label).Public().(ed25519.PublicKey) }

// guardians is the guardian list the service reports for labels.
func guardians(labels ...string) sdk.Value {
	items := make([]sdk.Value, len(labels))
	for i, l := range labels {
		items[i] = args("id", sdk.String(gid(l)), "public_key", sdk.Bytes(pub(l)))
	}
	return sdk.List(items...)
}

// start serves the service acting for alice over host.
func start(t *testing.T, host *servicetest.Host) *sdktest.Harness {
	t.Helper()
	return servicetest.Start(t, New(), host, sdktest.WithAuthority(party("alice")))
}

// setGuardians journals alice's guardian set.
func setGuardians(t *testing.T, hs *sdktest.Harness, threshold int64, labels ...string) {
	t.Helper()
	ids := make([]string, len(labels))
	for i, l := range labels {
		ids[i] = gid(l)
	}
	plugintest.Must(t, hs, effects.RecoverySetGuardians, args("guardians", strs(ids...), "threshold", sdk.Int(threshold)))
}

func initiateArgs(operation string) sdk.Value {
	return args("operation", sdk.String(operation), "ttl_ms", sdk.Int(ttl))
}

func approve(rid, guardian string, sig []byte) sdk.Value {
	return args("recovery_id", sdk.String(rid), "guardian_id", sdk.String(gid(guardian)), "signature", sdk.Bytes(sig))
}

// signMessage is signer's device signature of an approval message.
func signMessage(signer string, msg []byte) []byte {
	return ed25519.Sign(key(signer), effects.DeviceSigningMessage(effects.PurposeRecoveryApproval, msg))
}

// sign is guardian signer's approval of rid (an add_device recovery of
// account).
func sign(signer, rid string) []byte {
	return signMessage(signer, ApprovalMessage(rid, OperationAddDevice, account))
}

func TestConformance(t *testing.T) {
	t.Parallel()
	sdktest.Conformance(t, New(),
		sdktest.WithHost(servicetest.NewHost(t0)), sdktest.WithAuthority(party("alice")),
		sdktest.WithSample(effects.RecoverySetGuardians, args("guardians", strs(gid("g1")), "threshold", sdk.Int(1))),
		sdktest.WithSample(effects.RecoveryInitiate, initiateArgs(OperationAddDevice)),
		sdktest.WithSample(effects.RecoveryApprovalMessage, args("recovery_id", sdk.String("recovery-01"),
			"operation", sdk.String(OperationAddDevice), "account", sdk.String(account))),
	)
}

func TestApprovalMessage(t *testing.T) {
	t.Parallel()
	want := []byte("aura-recovery-approval/v1\x00recovery-01\x00replace_tree\x00" + account)
	if got := ApprovalMessage("recovery-01", OperationReplaceTree, account); !bytes.Equal(got, want) {
		t.Fatalf("ApprovalMessage = %q, want %q", got, want)
	}
	hs := start(t, servicetest.NewHost(t0))
	got := plugintest.Must(t, hs, effects.RecoveryApprovalMessage, args("recovery_id", sdk.String("recovery-01"),
		"operation", sdk.String(OperationReplaceTree), "account", sdk.String(account)))
	if !got.Equal(sdk.Bytes(want)) {
		t.Fatalf("approval_message = %v, want %q", got, want)
	}
	plugintest.Fails(t, hs, effects.RecoveryApprovalMessage, args("recovery_id", sdk.String("r"),
		"operation", sdk.String("steal"), "account", sdk.String(account)), sdk.CodeInvalidArgs, `got "steal"`)
	plugintest.Fails(t, hs, effects.RecoveryApprovalMessage, args("recovery_id", sdk.String("r"),
		"operation", sdk.String(OperationAddDevice), "account", sdk.String("a\x00b")), sdk.CodeInvalidArgs, "account must not contain a NUL byte")
}

func TestSetGuardiansValidatesItsArguments(t *testing.T) {
	t.Parallel()
	host := servicetest.NewHost(t0)
	host.Forget(party("stranger"))
	hs := start(t, host)
	set := func(threshold int64, ids ...string) sdk.Value {
		return args("guardians", strs(ids...), "threshold", sdk.Int(threshold))
	}
	cases := []struct {
		name     string
		args     sdk.Value
		code     sdk.Code
		fragment string
	}{
		{"no guardians", set(1), sdk.CodeInvalidArgs, "at least one guardian"},
		{"not an authority", set(1, "g1"), sdk.CodeInvalidArgs, `guardian "g1" is not an authority id`},
		{"repeated guardian", set(1, gid("g1"), gid("g1")), sdk.CodeInvalidArgs, "is listed twice"},
		{"the account itself", set(1, account), sdk.CodeInvalidArgs, "its own guardian"},
		{"threshold 0", set(0, gid("g1"), gid("g2")), sdk.CodeInvalidArgs, "between 1 and the number of guardians (2), got 0"},
		{"threshold above n", set(3, gid("g1"), gid("g2")), sdk.CodeInvalidArgs, "got 3"},
		{"guardian keys from the caller", args("guardians", guardians("g1"), "threshold", sdk.Int(1)), sdk.CodeInvalidArgs, "want string"},
		{"a guardian the deployment does not know", set(1, gid("stranger")), sdk.CodeUnknownDevice, "no device key is known for guardian"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			plugintest.Fails(t, hs, effects.RecoverySetGuardians, tc.args, tc.code, tc.fragment)
		})
	}
	if n := host.FactCount(); n != 0 {
		t.Fatalf("refused set_guardians calls journaled %d facts", n)
	}
}

func TestInitiateValidatesItsArguments(t *testing.T) {
	t.Parallel()
	hs := start(t, servicetest.NewHost(t0))
	plugintest.Fails(t, hs, effects.RecoveryInitiate, initiateArgs(OperationAddDevice), sdk.CodeConflict, "has no guardian set")
	setGuardians(t, hs, 1, "g1")
	cases := []struct {
		name     string
		args     sdk.Value
		fragment string
	}{
		{"unknown operation", initiateArgs("wipe"), `got "wipe"`},
		{"zero ttl", args("operation", sdk.String(OperationAddDevice), "ttl_ms", sdk.Int(0)), "ttl_ms must be 1 or more"},
		{"an account argument", args("account", sdk.String(gid("bob")), "operation", sdk.String(OperationAddDevice), "ttl_ms", sdk.Int(1)), `"account"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			plugintest.Fails(t, hs, effects.RecoveryInitiate, tc.args, sdk.CodeInvalidArgs, tc.fragment)
		})
	}
}

func TestInitiate(t *testing.T) {
	t.Parallel()
	host := servicetest.NewHost(t0)
	hs := start(t, host)
	setGuardians(t, hs, 2, "g1", "g2")
	set := plugintest.Must(t, hs, effects.RecoveryGuardians, sdk.Null())
	if want := args("account", sdk.String(account), "guardians", guardians("g1", "g2"), "threshold", sdk.Int(2), "set_ms", sdk.Int(t0)); !set.Equal(want) {
		t.Fatalf("guardians = %v, want %v", set, want)
	}
	got := plugintest.Must(t, hs, effects.RecoveryInitiate, initiateArgs(OperationReplaceTree))
	want := args("id", plugintest.Field(t, got, "id"), "account", sdk.String(account), "operation", sdk.String(OperationReplaceTree),
		"guardians", guardians("g1", "g2"), "threshold", sdk.Int(2), "created_ms", sdk.Int(t0), "expires_ms", sdk.Int(t0+ttl),
		"approvals", strs(), "state", args("state", sdk.String(StateInitiated), "collected", sdk.Int(0), "required", sdk.Int(2)))
	if !got.Equal(want) {
		t.Fatalf("initiate = %v, want %v", got, want)
	}
	if n := len(host.Bodies(PredicateInitiated)); n != 1 {
		t.Fatalf("journaled %d recovery.initiated facts, want 1", n)
	}
}

// TestApprovals drives a 2-of-3 add_device recovery through its states,
// with every approval that must be refused.
func TestApprovals(t *testing.T) {
	t.Parallel()
	type submit struct {
		guardian string
		sig      func(rid string) []byte
		advance  int64 // ms before submitting
		// want is the state after a success; or code and fragment.
		want      string
		collected int64
		code      sdk.Code
		fragment  string
	}
	valid := func(g string) func(string) []byte { return func(rid string) []byte { return sign(g, rid) } }
	ok := func(g, state string, collected int64) submit {
		return submit{guardian: g, sig: valid(g), want: state, collected: collected}
	}
	fails := func(g string, sig func(string) []byte, code sdk.Code, fragment string) submit {
		return submit{guardian: g, sig: sig, code: code, fragment: fragment}
	}
	tampered := func(rid string) []byte { s := sign("g2", rid); s[0] ^= 0x80; return s }
	otherKey := func(rid string) []byte { return sign("g3", rid) }
	otherOp := func(rid string) []byte {
		return signMessage("g2", ApprovalMessage(rid, OperationRemoveDevice, account))
	}
	otherAccount := func(rid string) []byte {
		return signMessage("g2", ApprovalMessage(rid, OperationAddDevice, gid("eve")))
	}
	otherRequest := func(string) []byte { return sign("g2", "recovery-00") }
	cases := []struct {
		name      string
		threshold int64
		submits   []submit
	}{
		{"two of three", 2, []submit{ok("g1", StateCollectingShares, 1), ok("g2", StateComplete, 2)}},
		{"one of three", 1, []submit{ok("g3", StateComplete, 1)}},
		{"duplicate approval", 2, []submit{ok("g1", StateCollectingShares, 1),
			fails("g1", valid("g1"), sdk.CodeConflict, `guardian "`+gid("g1")+`" already approved`), ok("g2", StateComplete, 2)}},
		{"not a guardian", 2, []submit{fails("x", valid("x"), sdk.CodeDenied, `"`+gid("x")+`" is not one of the guardians`)}},
		{"tampered signature", 2, []submit{fails("g2", tampered, sdk.CodeInvalidSignature, "does not verify"), ok("g2", StateCollectingShares, 1)}},
		{"another guardian's signature", 2, []submit{fails("g2", otherKey, sdk.CodeInvalidSignature, "guardian "+gid("g2")+"'s approval")}},
		{"signature of another operation", 2, []submit{fails("g2", otherOp, sdk.CodeInvalidSignature, "does not verify")}},
		{"signature for another account", 2, []submit{fails("g2", otherAccount, sdk.CodeInvalidSignature, "does not verify")}},
		{"signature of another request", 2, []submit{fails("g2", otherRequest, sdk.CodeInvalidSignature, "does not verify")}},
		{"signature for another purpose", 2, []submit{fails("g2", func(rid string) []byte {
			return ed25519.Sign(key("g2"), effects.DeviceSigningMessage(effects.PurposeInvitation, ApprovalMessage(rid, OperationAddDevice, account)))
		}, sdk.CodeInvalidSignature, "does not verify")}},
		{"truncated signature", 2, []submit{fails("g2", func(rid string) []byte { return sign("g2", rid)[:63] }, sdk.CodeInvalidSignature, "does not verify")}},
		{"complete takes no more", 2, []submit{ok("g1", StateCollectingShares, 1), ok("g2", StateComplete, 2),
			fails("g3", valid("g3"), sdk.CodeConflict, "already complete")}},
		{"open until the last millisecond", 2, []submit{ok("g1", StateCollectingShares, 1),
			{guardian: "g2", sig: valid("g2"), advance: ttl - 1, want: StateComplete, collected: 2}}},
		{"expired", 2, []submit{ok("g1", StateCollectingShares, 1),
			{guardian: "g2", sig: valid("g2"), advance: ttl, code: sdk.CodeConflict, fragment: "expired at 3010000 ms with 1 of 2 approvals"},
			fails("g3", valid("g3"), sdk.CodeConflict, "failed (expired)")}},
		{"membership checked before expiry", 2, []submit{{guardian: "x", sig: valid("x"), advance: ttl, code: sdk.CodeDenied, fragment: "not one of the guardians"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			host := servicetest.NewHost(t0)
			hs := start(t, host)
			setGuardians(t, hs, tc.threshold, "g1", "g2", "g3")
			rid := plugintest.Str(t, plugintest.Must(t, hs, effects.RecoveryInitiate, initiateArgs(OperationAddDevice)), "id")
			accepted := 0
			for i, s := range tc.submits {
				host.Advance(s.advance)
				got, err := hs.Invoke(context.Background(), effects.RecoverySubmitApproval, approve(rid, s.guardian, s.sig(rid)))
				if s.code != "" {
					if err := plugintest.Check(err, s.code, s.fragment); err != nil {
						t.Fatalf("submit %d by %s: %v", i, s.guardian, err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("submit %d by %s: %v", i, s.guardian, err)
				}
				accepted++
				if st := plugintest.Str(t, got, "state"); st != s.want {
					t.Fatalf("submit %d: state %q, want %q (%v)", i, st, s.want, got)
				}
				if c := plugintest.Int(t, got, "collected"); c != s.collected {
					t.Fatalf("submit %d: collected %d, want %d", i, c, s.collected)
				}
				if r := plugintest.Int(t, got, "required"); r != tc.threshold {
					t.Fatalf("submit %d: required %d, want %d", i, r, tc.threshold)
				}
				plugintest.Field(t, got, "approval_fact_id")
				if s.want == StateComplete {
					plugintest.Field(t, got, "grant_fact_id")
				}
			}
			if n := len(host.Bodies(PredicateApproved)); n != accepted {
				t.Fatalf("journaled %d approvals, accepted %d", n, accepted)
			}
			req := plugintest.Must(t, hs, effects.RecoveryGet, args("id", sdk.String(rid)))
			state := plugintest.Field(t, req, "state")
			grants := host.Bodies(PredicateGranted)
			if plugintest.Str(t, state, "state") == StateComplete {
				want := args("recovery_id", sdk.String(rid), "account", sdk.String(account), "operation", sdk.String(OperationAddDevice),
					"approvers", plugintest.Field(t, req, "approvals"), "granted_ms", sdk.Int(host.Now()))
				if len(grants) != 1 || !grants[0].Equal(want) {
					t.Fatalf("grants = %v, want [%v]", grants, want)
				}
			} else if len(grants) != 0 {
				t.Fatalf("an incomplete recovery was granted: %v", grants)
			}
			if tc.name == "expired" {
				want := args("state", sdk.String(StateFailed), "collected", sdk.Int(1), "required", sdk.Int(2), "reason", sdk.String(ReasonExpired))
				if !state.Equal(want) {
					t.Fatalf("state after expiry = %v, want %v", state, want)
				}
				if n := len(host.Bodies(PredicateFailed)); n != 1 {
					t.Fatalf("journaled %d failures, want exactly 1 however often the expiry was noticed", n)
				}
			}
		})
	}
	t.Run("unknown request", func(t *testing.T) {
		hs := start(t, servicetest.NewHost(t0))
		plugintest.Fails(t, hs, effects.RecoverySubmitApproval, approve("recovery-00", "g1", sign("g1", "recovery-00")),
			sdk.CodeNotFound, `no recovery request "recovery-00"`)
		plugintest.Fails(t, hs, effects.RecoveryGet, args("id", sdk.String("recovery-00")), sdk.CodeNotFound, "no recovery request")
	})
}

// TestReconstructing makes the journal refuse the grant after the
// threshold approval was recorded: the request waits in reconstructing,
// and the next attempt completes it.
func TestReconstructing(t *testing.T) {
	t.Parallel()
	for _, finish := range []string{"next approval attempt", "restart"} {
		t.Run(finish, func(t *testing.T) {
			host := servicetest.NewHost(t0)
			hs := start(t, host)
			setGuardians(t, hs, 2, "g1", "g2", "g3")
			rid := plugintest.Str(t, plugintest.Must(t, hs, effects.RecoveryInitiate, initiateArgs(OperationAddDevice)), "id")
			plugintest.Must(t, hs, effects.RecoverySubmitApproval, approve(rid, "g1", sign("g1", rid)))
			host.RefuseAppends(PredicateGranted)
			plugintest.Fails(t, hs, effects.RecoverySubmitApproval, approve(rid, "g2", sign("g2", rid)), sdk.CodeUnavailable, `approval of "`+gid("g2")+`" recorded`)
			state := plugintest.Field(t, plugintest.Must(t, hs, effects.RecoveryGet, args("id", sdk.String(rid))), "state")
			if want := args("state", sdk.String(StateReconstructing), "collected", sdk.Int(2), "required", sdk.Int(2)); !state.Equal(want) {
				t.Fatalf("state = %v, want %v", state, want)
			}
			host.RefuseAppends("")
			host.Advance(ttl) // past the expiry: the threshold was reached in time
			if finish == "restart" {
				hs = start(t, host)
			} else {
				plugintest.Fails(t, hs, effects.RecoverySubmitApproval, approve(rid, "g2", sign("g2", rid)), sdk.CodeConflict, "already complete")
			}
			state = plugintest.Field(t, plugintest.Must(t, hs, effects.RecoveryGet, args("id", sdk.String(rid))), "state")
			if st := plugintest.Str(t, state, "state"); st != StateComplete {
				t.Fatalf("state = %q, want complete", st)
			}
			if n := len(host.Bodies(PredicateGranted)); n != 1 {
				t.Fatalf("journaled %d grants, want 1", n)
			}
		})
	}
}

func TestRestartRebuildsFromFacts(t *testing.T) {
	t.Parallel()
	host := servicetest.NewHost(t0)
	first := start(t, host)
	initiate := func(threshold, ttlMS int64) string {
		host.Advance(1)
		setGuardians(t, first, threshold, "g1", "g2", "g3")
		return plugintest.Str(t, plugintest.Must(t, first, effects.RecoveryInitiate, args(
			"operation", sdk.String(OperationAddDevice), "ttl_ms", sdk.Int(ttlMS))), "id")
	}
	complete, collecting, expired, fresh := initiate(2, ttl), initiate(3, ttl), initiate(2, 100), initiate(1, ttl)
	plugintest.Must(t, first, effects.RecoverySubmitApproval, approve(complete, "g1", sign("g1", complete)))
	plugintest.Must(t, first, effects.RecoverySubmitApproval, approve(complete, "g3", sign("g3", complete)))
	plugintest.Must(t, first, effects.RecoverySubmitApproval, approve(collecting, "g2", sign("g2", collecting)))
	plugintest.Must(t, first, effects.RecoverySubmitApproval, approve(expired, "g2", sign("g2", expired)))
	host.Advance(100) // expired's deadline passes, the others' not
	plugintest.Fails(t, first, effects.RecoverySubmitApproval, approve(expired, "g1", sign("g1", expired)), sdk.CodeConflict, "expired")
	before := plugintest.Must(t, first, effects.RecoveryList, sdk.Null())
	if n := len(before.Items()); n != 4 {
		t.Fatalf("list has %d requests, want 4", n)
	}

	second := start(t, host)
	if got := plugintest.Must(t, second, effects.RecoveryList, sdk.Null()); !got.Equal(before) {
		t.Fatalf("after restart list = %v, want %v", got, before)
	}
	plugintest.Fails(t, second, effects.RecoverySubmitApproval, approve(collecting, "g2", sign("g2", collecting)), sdk.CodeConflict, "already approved")
	plugintest.Fails(t, second, effects.RecoverySubmitApproval, approve(complete, "g2", sign("g2", complete)), sdk.CodeConflict, "already complete")
	plugintest.Fails(t, second, effects.RecoverySubmitApproval, approve(expired, "g3", sign("g3", expired)), sdk.CodeConflict, "failed (expired)")
	got := plugintest.Must(t, second, effects.RecoverySubmitApproval, approve(fresh, "g3", sign("g3", fresh)))
	if st := plugintest.Str(t, got, "state"); st != StateComplete {
		t.Fatalf("fresh request after restart: state %q, want complete", st)
	}
}

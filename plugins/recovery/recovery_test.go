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
	t0      = 3_000_000
	account = "authority-alice"
	ttl     = 10_000
)

// keys are the test guardians' keys, by guardian id.
var keys = map[string]ed25519.PrivateKey{
	"g1": ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, 32)),
	"g2": ed25519.NewKeyFromSeed(bytes.Repeat([]byte{2}, 32)),
	"g3": ed25519.NewKeyFromSeed(bytes.Repeat([]byte{3}, 32)),
	"x":  ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, 32)), // not a guardian
}

func pub(id string) []byte { return keys[id].Public().(ed25519.PublicKey) }

func guardians(ids ...string) sdk.Value {
	items := make([]sdk.Value, len(ids))
	for i, id := range ids {
		items[i] = args("id", sdk.String(id), "public_key", sdk.Bytes(pub(id)))
	}
	return sdk.List(items...)
}

func initiateArgs(operation string, g sdk.Value, threshold int64) sdk.Value {
	return args("account", sdk.String(account), "operation", sdk.String(operation), "guardians", g,
		"threshold", sdk.Int(threshold), "ttl_ms", sdk.Int(ttl))
}

func approve(rid, gid string, sig []byte) sdk.Value {
	return args("recovery_id", sdk.String(rid), "guardian_id", sdk.String(gid), "signature", sdk.Bytes(sig))
}

// sign is guardian signer's approval of rid (an add_device recovery of
// account).
func sign(signer, rid string) []byte {
	return ed25519.Sign(keys[signer], ApprovalMessage(rid, OperationAddDevice, account))
}

func TestConformance(t *testing.T) {
	t.Parallel()
	sdktest.Conformance(t, New(),
		sdktest.WithHost(servicetest.NewHost(t0)),
		sdktest.WithSample(effects.RecoveryInitiate, initiateArgs(OperationAddDevice, guardians("g1"), 1)),
		sdktest.WithSample(effects.RecoveryApprovalMessage, args("recovery_id", sdk.String("recovery-01"),
			"operation", sdk.String(OperationAddDevice), "account", sdk.String(account))),
	)
}

func TestApprovalMessage(t *testing.T) {
	t.Parallel()
	want := []byte("aura-recovery-approval/v1\x00recovery-01\x00replace_tree\x00authority-alice")
	if got := ApprovalMessage("recovery-01", OperationReplaceTree, account); !bytes.Equal(got, want) {
		t.Fatalf("ApprovalMessage = %q, want %q", got, want)
	}
	hs := servicetest.Start(t, New(), servicetest.NewHost(t0))
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

func TestInitiateValidatesItsArguments(t *testing.T) {
	t.Parallel()
	hs := servicetest.Start(t, New(), servicetest.NewHost(t0))
	withGuardians := func(items ...sdk.Value) sdk.Value { return initiateArgs(OperationAddDevice, sdk.List(items...), 1) }
	cases := []struct {
		name     string
		args     sdk.Value
		fragment string
	}{
		{"empty account", args("account", sdk.String(""), "operation", sdk.String(OperationAddDevice), "guardians", guardians("g1"),
			"threshold", sdk.Int(1), "ttl_ms", sdk.Int(1)), "account must not be empty"},
		{"NUL in account", args("account", sdk.String("a\x00"), "operation", sdk.String(OperationAddDevice), "guardians", guardians("g1"),
			"threshold", sdk.Int(1), "ttl_ms", sdk.Int(1)), "NUL"},
		{"unknown operation", initiateArgs("wipe", guardians("g1"), 1), `got "wipe"`},
		{"no guardians", initiateArgs(OperationAddDevice, sdk.List(), 1), "at least one guardian"},
		{"guardian not a map", withGuardians(sdk.String("g1")), "guardians[0] is string"},
		{"guardian without id", withGuardians(args("public_key", sdk.Bytes(pub("g1")))), `has no field "id"`},
		{"guardian with empty id", withGuardians(args("id", sdk.String(""), "public_key", sdk.Bytes(pub("g1")))), "empty id"},
		{"short key", withGuardians(args("id", sdk.String("g1"), "public_key", sdk.Bytes(pub("g1")[:31]))), "got 31 bytes"},
		{"extra field", withGuardians(args("id", sdk.String("g1"), "public_key", sdk.Bytes(pub("g1")), "weight", sdk.Int(2))), `unexpected field "weight"`},
		{"repeated guardian", withGuardians(args("id", sdk.String("g1"), "public_key", sdk.Bytes(pub("g1"))),
			args("id", sdk.String("g1"), "public_key", sdk.Bytes(pub("g2")))), `"g1" is listed twice`},
		{"shared key", withGuardians(args("id", sdk.String("g1"), "public_key", sdk.Bytes(pub("g1"))),
			args("id", sdk.String("g2"), "public_key", sdk.Bytes(pub("g1")))), "share a public key"},
		{"threshold 0", initiateArgs(OperationAddDevice, guardians("g1", "g2"), 0), "between 1 and the number of guardians (2), got 0"},
		{"threshold above n", initiateArgs(OperationAddDevice, guardians("g1", "g2"), 3), "got 3"},
		{"zero ttl", args("account", sdk.String(account), "operation", sdk.String(OperationAddDevice), "guardians", guardians("g1"),
			"threshold", sdk.Int(1), "ttl_ms", sdk.Int(0)), "ttl_ms must be 1 or more"},
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
	hs := servicetest.Start(t, New(), host)
	got := plugintest.Must(t, hs, effects.RecoveryInitiate, initiateArgs(OperationReplaceTree, guardians("g1", "g2"), 2))
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
		return ed25519.Sign(keys["g2"], ApprovalMessage(rid, OperationRemoveDevice, account))
	}
	otherAccount := func(rid string) []byte {
		return ed25519.Sign(keys["g2"], ApprovalMessage(rid, OperationAddDevice, "authority-eve"))
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
			fails("g1", valid("g1"), sdk.CodeConflict, `guardian "g1" already approved`), ok("g2", StateComplete, 2)}},
		{"not a guardian", 2, []submit{fails("x", valid("x"), sdk.CodeDenied, `"x" is not one of the guardians`)}},
		{"tampered signature", 2, []submit{fails("g2", tampered, sdk.CodeDenied, "does not verify"), ok("g2", StateCollectingShares, 1)}},
		{"another guardian's signature", 2, []submit{fails("g2", otherKey, sdk.CodeDenied, `guardian "g2"'s approval`)}},
		{"signature of another operation", 2, []submit{fails("g2", otherOp, sdk.CodeDenied, "does not verify")}},
		{"signature for another account", 2, []submit{fails("g2", otherAccount, sdk.CodeDenied, "does not verify")}},
		{"signature of another request", 2, []submit{fails("g2", otherRequest, sdk.CodeDenied, "does not verify")}},
		{"truncated signature", 2, []submit{fails("g2", func(rid string) []byte { return sign("g2", rid)[:63] }, sdk.CodeDenied, "does not verify")}},
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
			hs := servicetest.Start(t, New(), host)
			rid := plugintest.Str(t, plugintest.Must(t, hs, effects.RecoveryInitiate,
				initiateArgs(OperationAddDevice, guardians("g1", "g2", "g3"), tc.threshold)), "id")
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
		hs := servicetest.Start(t, New(), servicetest.NewHost(t0))
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
			hs := servicetest.Start(t, New(), host)
			rid := plugintest.Str(t, plugintest.Must(t, hs, effects.RecoveryInitiate, initiateArgs(OperationAddDevice, guardians("g1", "g2", "g3"), 2)), "id")
			plugintest.Must(t, hs, effects.RecoverySubmitApproval, approve(rid, "g1", sign("g1", rid)))
			host.RefuseAppends(PredicateGranted)
			plugintest.Fails(t, hs, effects.RecoverySubmitApproval, approve(rid, "g2", sign("g2", rid)), sdk.CodeUnavailable, `approval of "g2" recorded`)
			state := plugintest.Field(t, plugintest.Must(t, hs, effects.RecoveryGet, args("id", sdk.String(rid))), "state")
			if want := args("state", sdk.String(StateReconstructing), "collected", sdk.Int(2), "required", sdk.Int(2)); !state.Equal(want) {
				t.Fatalf("state = %v, want %v", state, want)
			}
			host.RefuseAppends("")
			host.Advance(ttl) // past the expiry: the threshold was reached in time
			if finish == "restart" {
				hs = servicetest.Start(t, New(), host)
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
	first := servicetest.Start(t, New(), host)
	initiate := func(threshold, ttlMS int64) string {
		host.Advance(1)
		return plugintest.Str(t, plugintest.Must(t, first, effects.RecoveryInitiate, args("account", sdk.String(account),
			"operation", sdk.String(OperationAddDevice), "guardians", guardians("g1", "g2", "g3"),
			"threshold", sdk.Int(threshold), "ttl_ms", sdk.Int(ttlMS))), "id")
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

	second := servicetest.Start(t, New(), host)
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

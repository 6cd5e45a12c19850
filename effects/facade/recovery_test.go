package facade_test

import (
	"context"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/effects/facade"
)

const recoveryID = "recovery-00112233445566778899aabbccddeeff"

func stateValue(state string, collected int64, reason string) map[string]effects.Value {
	m := map[string]effects.Value{"state": str(state), "collected": i64(collected), "required": i64(2)}
	if reason != "" {
		m["reason"] = str(reason)
	}
	return m
}

// requestValue is a request as plugins/recovery builds it.
func requestValue(approvals []string, state map[string]effects.Value) effects.Value {
	guardians := list(
		obj(map[string]effects.Value{"id": str("g1"), "public_key": effects.Bytes(filled(32, 1))}),
		obj(map[string]effects.Value{"id": str("g2"), "public_key": effects.Bytes(filled(32, 2))}))
	ids := make([]effects.Value, len(approvals))
	for i, a := range approvals {
		ids[i] = str(a)
	}
	return obj(map[string]effects.Value{
		"id": str(recoveryID), "account": str("alice"), "operation": str("add_device"), "guardians": guardians,
		"threshold": i64(2), "created_ms": i64(1000), "expires_ms": i64(3601000), "approvals": list(ids...), "state": obj(state),
	})
}

func request(approvals []string, state facade.RecoveryState) facade.RecoveryRequest {
	return facade.RecoveryRequest{ID: recoveryID, Account: "alice", Operation: facade.RecoveryAddDevice,
		Guardians: []facade.Guardian{{ID: "g1", PublicKey: filled(32, 1)}, {ID: "g2", PublicKey: filled(32, 2)}},
		Threshold: 2, CreatedMs: 1000, ExpiresMs: 3601000, Approvals: approvals, State: state}
}

func recoveryCases() []methodCase {
	sig := filled(64, 9)
	approvalFact, grantFact := filled(32, 0xa1), filled(32, 0xa2)
	return []methodCase{
		{
			name: "Recovery.Initiate",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Recovery.Initiate(ctx, facade.RecoveryParams{Operation: facade.RecoveryAddDevice, TTL: time.Hour})
			},
			op:    effects.RecoveryInitiate,
			args:  args("operation", str("add_device"), "ttl_ms", i64(3600000)),
			reply: requestValue(nil, stateValue("initiated", 0, "")),
			want:  request([]string{}, facade.RecoveryState{Phase: facade.RecoveryInitiated, Required: 2}),
		},
		{
			name: "Recovery.SetGuardians",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Recovery.SetGuardians(ctx, []string{"g1", "g2"}, 2)
			},
			op:    effects.RecoverySetGuardians,
			args:  args("guardians", list(str("g1"), str("g2")), "threshold", i64(2)),
			reply: guardianSetValue(map[string]effects.Value{"fact_id": effects.Bytes(filled(32, 7))}),
			want: facade.GuardianSet{Account: "alice", Threshold: 2, SetMs: 500, FactID: filled(32, 7),
				Guardians: []facade.Guardian{{ID: "g1", PublicKey: filled(32, 1)}, {ID: "g2", PublicKey: filled(32, 2)}}},
		},
		{
			name: "Recovery.Guardians",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Recovery.Guardians(ctx) },
			op:   effects.RecoveryGuardians, args: effects.Null(),
			reply: guardianSetValue(nil),
			want: facade.GuardianSet{Account: "alice", Threshold: 2, SetMs: 500,
				Guardians: []facade.Guardian{{ID: "g1", PublicKey: filled(32, 1)}, {ID: "g2", PublicKey: filled(32, 2)}}},
		},
		{
			name: "Recovery.SubmitApproval/collecting",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Recovery.SubmitApproval(ctx, facade.GuardianApproval{RecoveryID: recoveryID, GuardianID: "g1", Signature: sig})
			},
			op:   effects.RecoverySubmitApproval,
			args: args("recovery_id", str(recoveryID), "guardian_id", str("g1"), "signature", effects.Bytes(sig)),
			reply: func() effects.Value {
				m := stateValue("collecting_shares", 1, "")
				m["approval_fact_id"] = effects.Bytes(approvalFact)
				return obj(m)
			}(),
			want: facade.RecoveryResult{State: facade.RecoveryState{Phase: facade.RecoveryCollectingShares, Collected: 1, Required: 2},
				ApprovalFactID: approvalFact},
		},
		{
			name: "Recovery.SubmitApproval/granted",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Recovery.SubmitApproval(ctx, facade.GuardianApproval{RecoveryID: recoveryID, GuardianID: "g2", Signature: sig})
			},
			op:   effects.RecoverySubmitApproval,
			args: args("recovery_id", str(recoveryID), "guardian_id", str("g2"), "signature", effects.Bytes(sig)),
			reply: func() effects.Value {
				m := stateValue("complete", 2, "")
				m["approval_fact_id"], m["grant_fact_id"] = effects.Bytes(approvalFact), effects.Bytes(grantFact)
				return obj(m)
			}(),
			want: facade.RecoveryResult{State: facade.RecoveryState{Phase: facade.RecoveryComplete, Collected: 2, Required: 2},
				ApprovalFactID: approvalFact, GrantFactID: grantFact},
		},
		{
			name: "Recovery.Get",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Recovery.Get(ctx, recoveryID) },
			op:   effects.RecoveryGet, args: args("id", str(recoveryID)),
			reply: requestValue([]string{"g1"}, stateValue("failed", 1, "expired")),
			want:  request([]string{"g1"}, facade.RecoveryState{Phase: facade.RecoveryFailed, Collected: 1, Required: 2, Reason: "expired"}),
		},
		{
			name: "Recovery.List",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) { return fx.Recovery.List(ctx) },
			op:   effects.RecoveryList, args: effects.Null(),
			reply: list(requestValue([]string{"g2", "g1"}, stateValue("complete", 2, ""))),
			want: []facade.RecoveryRequest{request([]string{"g2", "g1"},
				facade.RecoveryState{Phase: facade.RecoveryComplete, Collected: 2, Required: 2})},
		},
		{
			name: "Recovery.ApprovalMessage",
			call: func(ctx context.Context, fx *facade.Clients) (any, error) {
				return fx.Recovery.ApprovalMessage(ctx, recoveryID, facade.RecoveryAddDevice, "alice")
			},
			op:    effects.RecoveryApprovalMessage,
			args:  args("recovery_id", str(recoveryID), "operation", str("add_device"), "account", str("alice")),
			reply: bs("aura-recovery-approval/v1\x00" + recoveryID + "\x00add_device\x00alice"),
			want:  []byte("aura-recovery-approval/v1\x00" + recoveryID + "\x00add_device\x00alice"),
		},
	}
}

// guardianSetValue is a guardian set as plugins/recovery builds it.
func guardianSetValue(extra map[string]effects.Value) effects.Value {
	m := map[string]effects.Value{"account": str("alice"), "threshold": i64(2), "set_ms": i64(500), "guardians": list(
		obj(map[string]effects.Value{"id": str("g1"), "public_key": effects.Bytes(filled(32, 1))}),
		obj(map[string]effects.Value{"id": str("g2"), "public_key": effects.Bytes(filled(32, 2))}))}
	for k, v := range extra {
		m[k] = v
	}
	return obj(m)
}

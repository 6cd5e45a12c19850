package ceremony

import (
	"context"
	"slices"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/service"
	"github.com/aurahost/aura-host/sdk"
)

// Name is the plugin's name, and the family of its operations and facts.
const Name = "ceremony"

// Version is the plugin's semantic version.
const Version = "0.1.0"

// The states of a ceremony.
const (
	StateProposed   = "proposed"
	StateCollecting = "collecting"
	StateCompleted  = "completed"
	StateRolledBack = "rolled_back"
)

// The reasons of a rollback.
const (
	ReasonExpired     = "expired"     // the threshold was not reached before the ceremony expired
	ReasonCancelled   = "cancelled"   // the account cancelled it
	ReasonUnreachable = "unreachable" // too many invitees declined (or let their invitation expire) to reach the threshold
)

// The predicates of the facts the service journals.
const (
	PredicateProposed   = "ceremony.proposed"
	PredicateCompleted  = "ceremony.completed"
	PredicateRolledBack = "ceremony.rolled_back"
)

// The invitation service's facts the tracker reads.
const (
	predicateInvitationCreated   = "invitation.created"
	predicateInvitationAccepted  = "invitation.accepted"
	predicateInvitationDeclined  = "invitation.declined"
	predicateInvitationCancelled = "invitation.cancelled"
	kindGuardian                 = "guardian"
)

// MaxInvitations bounds a ceremony's invitations.
const MaxInvitations = 64

// New returns the ceremony tracker plugin, ready to Serve.
func New() *sdk.Plugin {
	s := &ceremonies{byID: map[string]*ceremony{}}
	s.rt = service.New(service.Config{Name: Name, Rebuild: s.rebuild})
	return s.rt.Plugin(Version, s.operations())
}

const ceremonyDoc = "a ceremony map {id: string (\"ceremony-\" and 32 hex digits), account, invitations: list of invitation ids, " +
	"guardians: list of their receivers, threshold: int, created_ms, expires_ms, rotation: string (the key handle, \"\" for none), " +
	"state: proposed | collecting | completed | rolled_back, accepted: list of the guardians whose verified acceptance counts, " +
	"reason: string (expired | cancelled | unreachable when rolled back or due to be; else \"\"), settled: bool (the outcome " +
	"is journaled; a completion or rollback shown but not settled is due: advance makes it)}"

func (s *ceremonies) operations() []sdk.Operation {
	idParam := []sdk.Param{{Name: "id", Kind: sdk.KindString, Doc: "the ceremony's id"}}
	return []sdk.Operation{
		{
			Spec: sdk.OpSpec{
				ID: effects.CeremonyPropose,
				Doc: "Opens a guardian ceremony of the caller's authority (the account) over guardian invitations it sent " +
					"and journals ceremony.proposed. Each invitation must be a guardian invitation journaled here, sent by the " +
					"account and signed by this agent's device (else not_found), pending (else conflict), and listed once (else " +
					"invalid_args); the threshold is 1 to the number of invitations and ttl_ms 1 or more (else invalid_args). " +
					"rotation names a pending held key (a FROST resharing's new key, crypto.frost_key_info must know it, else " +
					"not_found) that completion commits and a rollback aborts. Returns " + ceremonyDoc + ".",
				Params: []sdk.Param{
					{Name: "invitations", Kind: sdk.KindList, Doc: "the guardian invitations' ids (\"invitation-…\"), distinct, at most 64"},
					{Name: "threshold", Kind: sdk.KindInt, Doc: "how many verified acceptances complete the ceremony, 1 to len(invitations)"},
					{Name: "ttl_ms", Kind: sdk.KindInt, Doc: "milliseconds until the ceremony expires, 1 or more"},
					{Name: "rotation", Kind: sdk.KindString, Optional: true, Doc: "the handle of the pending key rotation to commit on completion"},
				},
				Result:      sdk.KindMap,
				Determinism: sdk.WritesWorld,
			},
			Handle: s.rt.Op(s.propose),
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.CeremonyAdvance,
				Doc: "Counts the ceremony's verified acceptances (each invitation's answer signed by its receiver's device " +
					"key as the deployment knows it, given before the invitation and the ceremony expired) and moves it: at " +
					"the threshold it commits the rotation (crypto.frost_dkg_commit) and journals ceremony.completed; expired, " +
					"or unable to reach the threshold, it aborts the rotation (crypto.frost_dkg_abort) and journals " +
					"ceremony.rolled_back; otherwise it keeps collecting. A terminal ceremony is returned as it is. Only the " +
					"account may advance it (else denied); an unknown ceremony is not_found. Returns " + ceremonyDoc + ".",
				Params:      idParam,
				Result:      sdk.KindMap,
				Idempotent:  true,
				Determinism: sdk.WritesWorld,
			},
			Handle: s.rt.Op(s.advance),
		},
		{
			Spec: sdk.OpSpec{
				ID: effects.CeremonyCancel,
				Doc: "The account rolls back a ceremony that has not completed: aborts its rotation and journals " +
					"ceremony.rolled_back {reason: cancelled}. Another caller is denied; a completed ceremony is a conflict; " +
					"cancelling a rolled-back one returns it as it is. Returns " + ceremonyDoc + ".",
				Params:      idParam,
				Result:      sdk.KindMap,
				Idempotent:  true,
				Determinism: sdk.WritesWorld,
			},
			Handle: s.rt.Op(s.cancel),
		},
		{
			Spec: sdk.OpSpec{
				ID:          effects.CeremonyGet,
				Doc:         "Returns " + ceremonyDoc + ", its state as of now (a rollback or completion due is shown, not journaled). Unknown is not_found.",
				Params:      idParam,
				Result:      sdk.KindMap,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: s.rt.Op(s.get),
		},
		{
			Spec: sdk.OpSpec{
				ID:          effects.CeremonyList,
				Doc:         "Returns every known ceremony (list of ceremony maps as get returns them), oldest first.",
				Result:      sdk.KindList,
				Idempotent:  true,
				Determinism: sdk.ReadsWorld,
			},
			Handle: s.rt.Op(s.list),
		},
	}
}

// view reads what the ceremonies need to be judged: the time, the
// account's verified invitations.
func (s *ceremonies) view(ctx context.Context, fx *service.Effects, account string) (int64, map[string]*invitation, error) {
	now, err := fx.Now(ctx)
	if err != nil {
		return 0, nil, err
	}
	anchor, ok, err := fx.Anchor(ctx)
	if err != nil {
		return 0, nil, err
	}
	if !ok {
		return 0, nil, sdk.Errorf(sdk.CodeUnavailable, "the ceremony tracker runs under no agent: no device key anchors the invitations")
	}
	invs, err := invitationsOf(ctx, fx, account, anchor)
	return now, invs, err
}

func (s *ceremonies) find(c *sdk.Call) (*ceremony, error) {
	id, _ := c.Arg("id").AsString()
	cer, ok := s.byID[id]
	if !ok {
		return nil, sdk.Errorf(sdk.CodeNotFound, "no ceremony %q", id)
	}
	return cer, nil
}

func (s *ceremonies) get(ctx context.Context, fx *service.Effects, c *sdk.Call) (sdk.Value, error) {
	cer, err := s.find(c)
	if err != nil {
		return sdk.Value{}, err
	}
	now, invs, err := s.view(ctx, fx, cer.account)
	if err != nil {
		return sdk.Value{}, err
	}
	return cer.value(count(cer, invs, now), now), nil
}

func (s *ceremonies) list(ctx context.Context, fx *service.Effects, _ *sdk.Call) (sdk.Value, error) {
	now, invs, err := s.view(ctx, fx, fx.Authority().String())
	if err != nil {
		return sdk.Value{}, err
	}
	out := []sdk.Value{}
	for _, cer := range service.Oldest(s.byID, func(c *ceremony) int64 { return c.createdMS }) {
		out = append(out, cer.value(count(cer, invs, now), now))
	}
	return sdk.List(out...), nil
}

// distinct reports whether ss has no repeated item.
func distinct(ss []string) bool {
	sorted := slices.Clone(ss)
	slices.Sort(sorted)
	return len(slices.Compact(sorted)) == len(ss)
}

package recovery

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"fmt"
	"slices"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/service"
	"github.com/aurahost/aura-host/sdk"
)

// recoveries is one instance's state, touched only inside rt's operations.
type recoveries struct {
	rt   *service.Runtime
	byID map[string]*request
	// set is the account's current guardian set (the newest trusted
	// recovery.guardians_set fact), nil before one is journaled; anchor
	// is this agent's device key, which must have signed it.
	set    *guardianSet
	anchor ed25519.PublicKey
}

type guardian struct {
	id  string
	key []byte
}

type approval struct {
	guardian string
	ms       int64
}

// request is one recovery request and what became of it.
type request struct {
	id, account, operation string
	guardians              []guardian
	threshold              int64
	createdMS, expiresMS   int64

	approvals []approval // journaled approvals, oldest first
	granted   bool
	failed    string // the recorded failure reason, or ""
}

func (r *request) guardian(id string) (guardian, bool) {
	for _, g := range r.guardians {
		if g.id == id {
			return g, true
		}
	}
	return guardian{}, false
}

func (r *request) approved(id string) (approval, bool) {
	for _, a := range r.approvals {
		if a.guardian == id {
			return a, true
		}
	}
	return approval{}, false
}

// addApproval keeps approvals in time order (ties by guardian id), so
// replicas that learnt them in different orders list them alike.
func (r *request) addApproval(a approval) {
	i, _ := slices.BinarySearchFunc(r.approvals, a, func(x, y approval) int {
		return cmp.Or(cmp.Compare(x.ms, y.ms), cmp.Compare(x.guardian, y.guardian))
	})
	r.approvals = slices.Insert(r.approvals, i, a)
}

// state is where the request stands at time now.
func (r *request) state(now int64) (state, reason string) {
	switch {
	case r.granted:
		return StateComplete, ""
	case r.failed != "":
		return StateFailed, r.failed
	case int64(len(r.approvals)) >= r.threshold:
		return StateReconstructing, ""
	case now >= r.expiresMS:
		return StateFailed, ReasonExpired
	case len(r.approvals) == 0:
		return StateInitiated, ""
	}
	return StateCollectingShares, ""
}

func (r *request) stateValue(now int64) map[string]sdk.Value {
	st, reason := r.state(now)
	m := map[string]sdk.Value{
		"state":     sdk.String(st),
		"collected": sdk.Int(int64(len(r.approvals))),
		"required":  sdk.Int(r.threshold),
	}
	if reason != "" {
		m["reason"] = sdk.String(reason)
	}
	return m
}

func (r *request) guardiansValue() sdk.Value {
	items := make([]sdk.Value, len(r.guardians))
	for i, g := range r.guardians {
		items[i] = sdk.Map(map[string]sdk.Value{"id": sdk.String(g.id), "public_key": sdk.Bytes(g.key)})
	}
	return sdk.List(items...)
}

func (r *request) approvers() sdk.Value {
	ids := make([]string, len(r.approvals))
	for i, a := range r.approvals {
		ids[i] = a.guardian
	}
	return service.Strings(ids)
}

func (r *request) value(now int64) sdk.Value {
	return sdk.Map(map[string]sdk.Value{
		"id":         sdk.String(r.id),
		"account":    sdk.String(r.account),
		"operation":  sdk.String(r.operation),
		"guardians":  r.guardiansValue(),
		"threshold":  sdk.Int(r.threshold),
		"created_ms": sdk.Int(r.createdMS),
		"expires_ms": sdk.Int(r.expiresMS),
		"approvals":  r.approvers(),
		"state":      sdk.Map(r.stateValue(now)),
	})
}

func (r *request) initiatedBody() sdk.Value {
	return sdk.Map(map[string]sdk.Value{
		"id":         sdk.String(r.id),
		"account":    sdk.String(r.account),
		"operation":  sdk.String(r.operation),
		"guardians":  r.guardiansValue(),
		"threshold":  sdk.Int(r.threshold),
		"created_ms": sdk.Int(r.createdMS),
		"expires_ms": sdk.Int(r.expiresMS),
	})
}

// decodeGuardians reads and checks a guardian list (from arguments or a
// fact).
func decodeGuardians(items []sdk.Value) ([]guardian, error) {
	if len(items) == 0 {
		return nil, fmt.Errorf("guardians must name at least one guardian")
	}
	out := make([]guardian, 0, len(items))
	ids, keys := map[string]bool{}, map[string]string{}
	for i, it := range items {
		if it.Kind() != sdk.KindMap {
			return nil, fmt.Errorf("guardians[%d] is %s, want a map {id, public_key}", i, it.Kind())
		}
		for _, f := range it.Fields() {
			if f.Key != "id" && f.Key != "public_key" {
				return nil, fmt.Errorf("guardians[%d] has an unexpected field %q (want id and public_key)", i, f.Key)
			}
		}
		b := service.Read(it, fmt.Sprintf("guardians[%d]", i))
		g := guardian{id: b.String("id"), key: b.Bytes("public_key")}
		if err := b.Err(); err != nil {
			return nil, err
		}
		switch {
		case g.id == "":
			return nil, fmt.Errorf("guardians[%d] has an empty id", i)
		case checkNoNUL("a guardian id", g.id) != nil:
			return nil, fmt.Errorf("guardians[%d]: id must not contain a NUL byte", i)
		case len(g.key) != ed25519.PublicKeySize:
			return nil, fmt.Errorf("guardian %q: public_key must be a %d-byte Ed25519 public key, got %d bytes", g.id, ed25519.PublicKeySize, len(g.key))
		case ids[g.id]:
			return nil, fmt.Errorf("guardian %q is listed twice", g.id)
		case keys[string(g.key)] != "":
			return nil, fmt.Errorf("guardians %q and %q share a public key: one key would approve twice", keys[string(g.key)], g.id)
		}
		ids[g.id], keys[string(g.key)] = true, g.id
		out = append(out, g)
	}
	return out, nil
}

func decodeInitiated(body sdk.Value) (*request, error) {
	b := service.Read(body, PredicateInitiated+" fact")
	r := &request{id: b.String("id"), account: b.String("account"), operation: b.String("operation"),
		threshold: b.Int("threshold"), createdMS: b.Int("created_ms"), expiresMS: b.Int("expires_ms")}
	items := b.List("guardians")
	if err := b.Err(); err != nil {
		return nil, err
	}
	var err error
	if r.guardians, err = decodeGuardians(items); err != nil {
		return nil, err
	}
	if !validOperation(r.operation) || r.threshold < 1 || r.threshold > int64(len(r.guardians)) {
		return nil, fmt.Errorf("recovery %s: invalid operation %q or threshold %d", r.id, r.operation, r.threshold)
	}
	return r, nil
}

func (s *recoveries) rebuild(ctx context.Context, fx *service.Effects) error {
	byID := map[string]*request{}
	anchor, _, err := fx.Anchor(ctx) // nil under no agent: no guardian set can be trusted
	if err != nil {
		return err
	}
	account := fx.Authority().String()
	var set *guardianSet
	err = fx.Replay(ctx,
		service.Step{Predicate: PredicateGuardiansSet, Apply: func(f service.Fact) error {
			g, err := decodeGuardianSet(f.Body)
			if err != nil {
				return err
			}
			if !g.trusted(account, anchor) {
				return fmt.Errorf("guardian set of %s at %d ms is not signed by this agent's device: ignored", g.account, g.setMS)
			}
			if g.newer(set) {
				set = g
			}
			return nil
		}},
		service.Step{Predicate: PredicateInitiated, Apply: func(f service.Fact) error {
			r, err := decodeInitiated(f.Body)
			if err != nil {
				return err
			}
			if _, dup := byID[r.id]; dup {
				return fmt.Errorf("a second recovery.initiated fact for %s", r.id)
			}
			byID[r.id] = r
			return nil
		}},
		service.Step{Predicate: PredicateApproved, Apply: func(f service.Fact) error {
			b := service.Read(f.Body, PredicateApproved+" fact")
			id, gid, at := b.String("recovery_id"), b.String("guardian_id"), b.Int("approved_ms")
			if err := b.Err(); err != nil {
				return err
			}
			r, ok := byID[id]
			if !ok {
				return fmt.Errorf("approval of unknown recovery %s", id)
			}
			if _, member := r.guardian(gid); !member {
				return fmt.Errorf("approval of recovery %s by %q, who is not one of its guardians", id, gid)
			}
			if prev, dup := r.approved(gid); dup {
				if prev.ms <= at {
					return nil
				}
				r.approvals = slices.DeleteFunc(r.approvals, func(a approval) bool { return a.guardian == gid })
			}
			r.addApproval(approval{guardian: gid, ms: at})
			return nil
		}},
		service.Step{Predicate: PredicateGranted, Apply: func(f service.Fact) error {
			b := service.Read(f.Body, PredicateGranted+" fact")
			id := b.String("recovery_id")
			if err := b.Err(); err != nil {
				return err
			}
			if r, ok := byID[id]; ok {
				r.granted = true
			}
			return nil
		}},
		service.Step{Predicate: PredicateFailed, Apply: func(f service.Fact) error {
			b := service.Read(f.Body, PredicateFailed+" fact")
			id, reason := b.String("recovery_id"), b.String("reason")
			if err := b.Err(); err != nil {
				return err
			}
			if r, ok := byID[id]; ok && reason != "" {
				// A grant made before the expiry outranks it: the state
				// function checks granted first.
				r.failed = reason
			}
			return nil
		}},
	)
	if err != nil {
		return err
	}
	s.byID, s.set, s.anchor = byID, set, anchor
	return nil
}

func (s *recoveries) initiate(ctx context.Context, fx *service.Effects, c *sdk.Call) (sdk.Value, error) {
	account, err := service.Actor(c)
	if err != nil {
		return sdk.Value{}, err
	}
	a := service.Read(c.Args, "arguments")
	r := &request{account: account, operation: a.String("operation")}
	ttl := a.Int("ttl_ms")
	if err := a.Err(); err != nil {
		return sdk.Value{}, service.Invalid("%v", err)
	}
	if err := checkOperation(r.operation); err != nil {
		return sdk.Value{}, err
	}
	if ttl < 1 {
		return sdk.Value{}, service.Invalid("ttl_ms must be 1 or more, got %d", ttl)
	}
	if s.set == nil {
		return sdk.Value{}, sdk.Errorf(sdk.CodeConflict,
			"%s has no guardian set: establish one with recovery.set_guardians before a recovery can be initiated", account)
	}
	// The guardians and their keys come from the journaled, signed set —
	// never from the initiator.
	r.guardians, r.threshold = s.set.guardians, s.set.threshold
	now, err := fx.Now(ctx)
	if err != nil {
		return sdk.Value{}, err
	}
	if r.id, err = fx.NewID(ctx, "recovery"); err != nil {
		return sdk.Value{}, err
	}
	r.createdMS, r.expiresMS = now, now+ttl
	if _, err := fx.Append(ctx, service.Fact{Predicate: PredicateInitiated, Time: now, Body: r.initiatedBody()}); err != nil {
		return sdk.Value{}, err
	}
	s.byID[r.id] = r
	return r.value(now), nil
}

func (s *recoveries) find(id string) (*request, error) {
	r, ok := s.byID[id]
	if !ok {
		return nil, sdk.Errorf(sdk.CodeNotFound, "no recovery request %q", id)
	}
	return r, nil
}

func (s *recoveries) submitApproval(ctx context.Context, fx *service.Effects, c *sdk.Call) (sdk.Value, error) {
	a := service.Read(c.Args, "arguments")
	id, gid, sig := a.String("recovery_id"), a.String("guardian_id"), a.Bytes("signature")
	if err := a.Err(); err != nil {
		return sdk.Value{}, service.Invalid("%v", err)
	}
	r, err := s.find(id)
	if err != nil {
		return sdk.Value{}, err
	}
	g, member := r.guardian(gid)
	if !member {
		return sdk.Value{}, sdk.Errorf(sdk.CodeDenied, "%q is not one of the guardians of recovery %s", gid, r.id)
	}
	now, err := fx.Now(ctx)
	if err != nil {
		return sdk.Value{}, err
	}
	if st, _ := r.state(now); st == StateReconstructing {
		// The threshold was reached but the grant not journaled (the
		// journal failed then): finish that first.
		if _, err := s.grant(ctx, fx, r, now); err != nil {
			return sdk.Value{}, err
		}
	}
	switch st, reason := r.state(now); st {
	case StateComplete:
		return sdk.Value{}, sdk.Errorf(sdk.CodeConflict, "recovery %s is already complete: it had the %d approvals it needed", r.id, r.threshold)
	case StateFailed:
		if reason == ReasonExpired && r.failed == "" {
			if err := s.recordExpiry(ctx, fx, r); err != nil {
				return sdk.Value{}, err
			}
			return sdk.Value{}, sdk.Errorf(sdk.CodeConflict, "recovery %s expired at %d ms with %d of %d approvals", r.id, r.expiresMS, len(r.approvals), r.threshold)
		}
		return sdk.Value{}, sdk.Errorf(sdk.CodeConflict, "recovery %s failed (%s) and accepts no more approvals", r.id, reason)
	}
	if prev, dup := r.approved(gid); dup {
		return sdk.Value{}, sdk.Errorf(sdk.CodeConflict, "guardian %q already approved recovery %s at %d ms", gid, r.id, prev.ms)
	}
	valid, err := fx.VerifyDevice(ctx, effects.PurposeRecoveryApproval, ApprovalMessage(r.id, r.operation, r.account), sig, g.key)
	if err != nil {
		return sdk.Value{}, err
	}
	if !valid {
		return sdk.Value{}, sdk.Errorf(sdk.CodeInvalidSignature,
			"the signature does not verify as guardian %s's approval of recovery %s under the guardian's device key from the guardian set "+
				"(it must be a device signature, purpose %q, of %s | recovery id | operation | account)",
			gid, r.id, effects.PurposeRecoveryApproval, ApprovalDomain)
	}
	body := sdk.Map(map[string]sdk.Value{
		"recovery_id": sdk.String(r.id), "guardian_id": sdk.String(gid), "signature": sdk.Bytes(sig), "approved_ms": sdk.Int(now),
	})
	approvalID, err := fx.Append(ctx, service.Fact{Predicate: PredicateApproved, Time: now, Body: body})
	if err != nil {
		return sdk.Value{}, err
	}
	r.addApproval(approval{guardian: gid, ms: now})
	out := r.stateValue(now)
	out["approval_fact_id"] = sdk.Bytes(approvalID)
	if int64(len(r.approvals)) >= r.threshold {
		grantID, err := s.grant(ctx, fx, r, now)
		if err != nil {
			e := effects.AsError(err)
			return sdk.Value{}, &sdk.Error{Code: e.Code, Retryable: e.Retryable, Message: fmt.Sprintf(
				"approval of %q recorded, but the grant could not be journaled (the next approval attempt or a restart completes it): %s", gid, e.Message)}
		}
		out = r.stateValue(now)
		out["approval_fact_id"], out["grant_fact_id"] = sdk.Bytes(approvalID), sdk.Bytes(grantID)
	}
	return sdk.Map(out), nil
}

// grant journals the grant of a request that has its threshold of
// approvals, moving it from reconstructing to complete.
func (s *recoveries) grant(ctx context.Context, fx *service.Effects, r *request, now int64) ([]byte, error) {
	body := sdk.Map(map[string]sdk.Value{
		"recovery_id": sdk.String(r.id), "account": sdk.String(r.account), "operation": sdk.String(r.operation),
		"approvers": r.approvers(), "granted_ms": sdk.Int(now),
	})
	id, err := fx.Append(ctx, service.Fact{Predicate: PredicateGranted, Time: now, Body: body})
	if err != nil {
		return nil, err
	}
	r.granted = true
	return id, nil
}

// recordExpiry journals that a request expired before its threshold. The
// fact depends only on the request, so noticing the expiry twice records
// one fact.
func (s *recoveries) recordExpiry(ctx context.Context, fx *service.Effects, r *request) error {
	body := sdk.Map(map[string]sdk.Value{
		"recovery_id": sdk.String(r.id), "reason": sdk.String(ReasonExpired), "failed_ms": sdk.Int(r.expiresMS),
	})
	if _, err := fx.Append(ctx, service.Fact{Predicate: PredicateFailed, Time: r.expiresMS, Body: body}); err != nil {
		return err
	}
	r.failed = ReasonExpired
	return nil
}

// finishGrants completes, at start-up, the requests whose threshold was
// reached but whose grant was never journaled.
func (s *recoveries) finishGrants(ctx context.Context, fx *service.Effects) error {
	now, err := fx.Now(ctx)
	if err != nil {
		return err
	}
	for _, r := range s.sorted() {
		if st, _ := r.state(now); st == StateReconstructing {
			if _, err := s.grant(ctx, fx, r, now); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *recoveries) sorted() []*request {
	return service.Oldest(s.byID, func(r *request) int64 { return r.createdMS })
}

func (s *recoveries) get(ctx context.Context, fx *service.Effects, c *sdk.Call) (sdk.Value, error) {
	id, _ := c.Arg("id").AsString()
	r, err := s.find(id)
	if err != nil {
		return sdk.Value{}, err
	}
	now, err := fx.Now(ctx)
	if err != nil {
		return sdk.Value{}, err
	}
	return r.value(now), nil
}

func (s *recoveries) list(ctx context.Context, fx *service.Effects, _ *sdk.Call) (sdk.Value, error) {
	now, err := fx.Now(ctx)
	if err != nil {
		return sdk.Value{}, err
	}
	out := []sdk.Value{}
	for _, r := range s.sorted() {
		out = append(out, r.value(now))
	}
	return sdk.List(out...), nil
}

package session

import (
	"context"
	"fmt"

	"github.com/aurahost/aura-host/plugins/internal/service"
	"github.com/aurahost/aura-host/sdk"
)

// sessions is one instance's state, touched only inside rt's operations.
type sessions struct {
	rt      *service.Runtime
	byID    map[string]*record
	created int64 // the highest epoch handed out: sessions ever created
}

// record is one known session.
type record struct {
	id           string
	kind         string
	participants []string
	myRole       string
	epoch        int64
	startedMS    int64
	expiresMS    int64
	endedMS      int64
	ended        bool
}

func (r *record) status(now int64) string {
	switch {
	case r.ended:
		return StatusEnded
	case now >= r.expiresMS:
		return StatusExpired
	}
	return StatusActive
}

func (r *record) handle(now int64) sdk.Value {
	m := map[string]sdk.Value{
		"id":           sdk.String(r.id),
		"kind":         sdk.String(r.kind),
		"participants": service.Strings(r.participants),
		"my_role":      sdk.String(r.myRole),
		"epoch":        sdk.Int(r.epoch),
		"started_ms":   sdk.Int(r.startedMS),
		"expires_ms":   sdk.Int(r.expiresMS),
		"status":       sdk.String(r.status(now)),
	}
	if r.ended {
		m["ended_ms"] = sdk.Int(r.endedMS)
	}
	return sdk.Map(m)
}

// createdBody is the body of the session.created fact.
func (r *record) createdBody() sdk.Value {
	return sdk.Map(map[string]sdk.Value{
		"id":           sdk.String(r.id),
		"kind":         sdk.String(r.kind),
		"participants": service.Strings(r.participants),
		"my_role":      sdk.String(r.myRole),
		"epoch":        sdk.Int(r.epoch),
		"started_ms":   sdk.Int(r.startedMS),
		"expires_ms":   sdk.Int(r.expiresMS),
	})
}

func (s *sessions) rebuild(ctx context.Context, fx *service.Effects) error {
	byID := map[string]*record{}
	var created int64
	err := fx.Replay(ctx,
		service.Step{Predicate: PredicateCreated, Apply: func(f service.Fact) error {
			b := service.Read(f.Body, PredicateCreated+" fact")
			r := &record{id: b.String("id"), kind: b.String("kind"), participants: b.Strings("participants"),
				myRole: b.String("my_role"), epoch: b.Int("epoch"), startedMS: b.Int("started_ms"), expiresMS: b.Int("expires_ms")}
			if err := b.Err(); err != nil {
				return err
			}
			if _, dup := byID[r.id]; dup {
				return fmt.Errorf("a second session.created fact for %s", r.id)
			}
			byID[r.id] = r
			created = max(created, r.epoch)
			return nil
		}},
		service.Step{Predicate: PredicateEnded, Apply: func(f service.Fact) error {
			b := service.Read(f.Body, PredicateEnded+" fact")
			id, at := b.String("id"), b.Int("ended_ms")
			if err := b.Err(); err != nil {
				return err
			}
			if r, ok := byID[id]; ok {
				// Two devices may both have ended it: the first end counts.
				if !r.ended || at < r.endedMS {
					r.ended, r.endedMS = true, at
				}
			}
			return nil
		}},
		service.Step{Predicate: PredicateExpired, Apply: func(f service.Fact) error {
			b := service.Read(f.Body, PredicateExpired+" fact")
			id := b.String("id")
			if err := b.Err(); err != nil {
				return err
			}
			if r, ok := byID[id]; ok && !r.ended {
				delete(byID, id)
			}
			return nil
		}},
	)
	if err != nil {
		return err
	}
	s.byID, s.created = byID, created
	return nil
}

func (s *sessions) create(ctx context.Context, fx *service.Effects, c *sdk.Call) (sdk.Value, error) {
	a := service.Read(c.Args, "arguments")
	r := &record{kind: a.String("kind"), participants: a.Strings("participants"), myRole: a.String("my_role")}
	ttl := a.Int("ttl_ms")
	if err := a.Err(); err != nil {
		return sdk.Value{}, service.Invalid("%v", err)
	}
	if r.kind != KindCoordination && r.kind != KindThreshold {
		return sdk.Value{}, service.Invalid("kind must be %q or %q, got %q", KindCoordination, KindThreshold, r.kind)
	}
	if len(r.participants) == 0 {
		return sdk.Value{}, service.Invalid("participants must name at least one participant")
	}
	seen := map[string]bool{}
	for i, p := range r.participants {
		switch {
		case p == "":
			return sdk.Value{}, service.Invalid("participants[%d] is empty", i)
		case seen[p]:
			return sdk.Value{}, service.Invalid("participant %q is listed twice", p)
		}
		seen[p] = true
	}
	if r.myRole == "" {
		return sdk.Value{}, service.Invalid("my_role must not be empty")
	}
	if ttl < 1 {
		return sdk.Value{}, service.Invalid("ttl_ms must be 1 or more, got %d", ttl)
	}
	now, err := fx.Now(ctx)
	if err != nil {
		return sdk.Value{}, err
	}
	if r.id, err = fx.NewID(ctx, "session"); err != nil {
		return sdk.Value{}, err
	}
	r.epoch, r.startedMS, r.expiresMS = s.created+1, now, now+ttl
	if _, err := fx.Append(ctx, service.Fact{Predicate: PredicateCreated, Time: now, Body: r.createdBody()}); err != nil {
		return sdk.Value{}, err
	}
	s.byID[r.id] = r
	s.created = r.epoch
	return r.handle(now), nil
}

func (s *sessions) find(c *sdk.Call) (*record, error) {
	id, _ := c.Arg("id").AsString()
	r, ok := s.byID[id]
	if !ok {
		return nil, sdk.Errorf(sdk.CodeNotFound, "no session %q (never created, or cleaned after it expired)", id)
	}
	return r, nil
}

func (s *sessions) get(ctx context.Context, fx *service.Effects, c *sdk.Call) (sdk.Value, error) {
	r, err := s.find(c)
	if err != nil {
		return sdk.Value{}, err
	}
	now, err := fx.Now(ctx)
	if err != nil {
		return sdk.Value{}, err
	}
	return r.handle(now), nil
}

func (s *sessions) end(ctx context.Context, fx *service.Effects, c *sdk.Call) (sdk.Value, error) {
	r, err := s.find(c)
	if err != nil {
		return sdk.Value{}, err
	}
	now, err := fx.Now(ctx)
	if err != nil {
		return sdk.Value{}, err
	}
	switch r.status(now) {
	case StatusEnded:
		return sdk.Value{}, sdk.Errorf(sdk.CodeConflict, "session %s already ended at %d ms", r.id, r.endedMS)
	case StatusExpired:
		return sdk.Value{}, sdk.Errorf(sdk.CodeConflict, "session %s expired at %d ms and can no longer be ended", r.id, r.expiresMS)
	}
	body := sdk.Map(map[string]sdk.Value{"id": sdk.String(r.id), "ended_ms": sdk.Int(now)})
	if _, err := fx.Append(ctx, service.Fact{Predicate: PredicateEnded, Time: now, Body: body}); err != nil {
		return sdk.Value{}, err
	}
	r.ended, r.endedMS = true, now
	return r.handle(now), nil
}

// sorted returns the records, oldest first (ties by id).
func (s *sessions) sorted() []*record {
	return service.Oldest(s.byID, func(r *record) int64 { return r.startedMS })
}

func (s *sessions) listActive(ctx context.Context, fx *service.Effects, _ *sdk.Call) (sdk.Value, error) {
	now, err := fx.Now(ctx)
	if err != nil {
		return sdk.Value{}, err
	}
	var out []sdk.Value
	for _, r := range s.sorted() {
		if r.status(now) == StatusActive {
			out = append(out, r.handle(now))
		}
	}
	return sdk.List(out...), nil
}

func (s *sessions) stats(ctx context.Context, fx *service.Effects, _ *sdk.Call) (sdk.Value, error) {
	now, err := fx.Now(ctx)
	if err != nil {
		return sdk.Value{}, err
	}
	counts := map[string]int64{}
	for _, r := range s.byID {
		counts[r.status(now)]++
	}
	return sdk.Map(map[string]sdk.Value{
		"active":  sdk.Int(counts[StatusActive]),
		"ended":   sdk.Int(counts[StatusEnded]),
		"expired": sdk.Int(counts[StatusExpired]),
		"known":   sdk.Int(int64(len(s.byID))),
		"created": sdk.Int(s.created),
	}), nil
}

func (s *sessions) cleanExpired(ctx context.Context, fx *service.Effects, _ *sdk.Call) (sdk.Value, error) {
	n, err := s.clean(ctx, fx)
	if err != nil {
		return sdk.Value{}, err
	}
	return sdk.Int(n), nil
}

// cleanAtStart cleans expired sessions once the state is rebuilt, as the
// platform's lifecycle manager does at start-up.
func (s *sessions) cleanAtStart(ctx context.Context, fx *service.Effects) error {
	_, err := s.clean(ctx, fx)
	return err
}

// clean journals each expiry before forgetting the session, so that a
// failure half way leaves every forgotten session recorded as expired.
func (s *sessions) clean(ctx context.Context, fx *service.Effects) (int64, error) {
	now, err := fx.Now(ctx)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, r := range s.sorted() {
		if r.status(now) != StatusExpired {
			continue
		}
		if _, err := fx.Append(ctx, service.ExpiryFact(PredicateExpired, r.id, r.expiresMS)); err != nil {
			return n, err
		}
		delete(s.byID, r.id)
		n++
	}
	return n, nil
}

package rendezvous

import (
	"cmp"
	"context"
	"maps"
	"slices"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/service"
	"github.com/aurahost/aura-host/sdk"
)

// directory is one instance's state, touched only inside rt's operations.
type directory struct {
	rt     *service.Runtime
	byPeer map[string]*entry
}

// entry is one peer's latest descriptor.
type entry struct {
	peer                   string
	descriptor             sdk.Value
	publishedMS, expiresMS int64
}

func (e *entry) refreshAt() int64 { return max(e.publishedMS, e.expiresMS-RefreshMargin) }

func (e *entry) value() sdk.Value {
	return sdk.Map(map[string]sdk.Value{
		"peer":          sdk.String(e.peer),
		"descriptor":    e.descriptor,
		"published_ms":  sdk.Int(e.publishedMS),
		"expires_ms":    sdk.Int(e.expiresMS),
		"refresh_at_ms": sdk.Int(e.refreshAt()),
	})
}

// newer orders two descriptors of a peer: the later publication wins, and
// ties are broken by content, so replicas agree whatever order they learnt
// them in.
func (e *entry) newer(than *entry) bool {
	return cmp.Or(cmp.Compare(e.publishedMS, than.publishedMS), cmp.Compare(e.expiresMS, than.expiresMS),
		effects.Compare(e.descriptor, than.descriptor)) > 0
}

func (s *directory) rebuild(ctx context.Context, fx *service.Effects) error {
	now, err := fx.Now(ctx)
	if err != nil {
		return err
	}
	byPeer := map[string]*entry{}
	err = fx.Replay(ctx, service.Step{Predicate: PredicatePublished, Apply: func(f service.Fact) error {
		b := service.Read(f.Body, PredicatePublished+" fact")
		e := &entry{peer: b.String("peer"), descriptor: b.Map("descriptor"), publishedMS: b.Int("published_ms"), expiresMS: b.Int("expires_ms")}
		if err := b.Err(); err != nil {
			return err
		}
		if old, ok := byPeer[e.peer]; !ok || e.newer(old) {
			byPeer[e.peer] = e
		}
		return nil
	}})
	if err != nil {
		return err
	}
	for peer, e := range byPeer {
		if now >= e.expiresMS {
			delete(byPeer, peer)
		}
	}
	s.byPeer = byPeer
	return nil
}

func (s *directory) publish(ctx context.Context, fx *service.Effects, c *sdk.Call) (sdk.Value, error) {
	a := service.Read(c.Args, "arguments")
	e := &entry{peer: a.String("peer"), descriptor: a.Map("descriptor")}
	validity := int64(DefaultValidity)
	if a.Has("validity_ms") {
		validity = a.Int("validity_ms")
	}
	if err := a.Err(); err != nil {
		return sdk.Value{}, service.Invalid("%v", err)
	}
	switch size := len(e.descriptor.Canonical()); {
	case e.peer == "":
		return sdk.Value{}, service.Invalid("peer must not be empty")
	case e.descriptor.Len() == 0:
		return sdk.Value{}, service.Invalid("descriptor must not be empty: it says how to reach the peer")
	case size > MaxDescriptorBytes:
		return sdk.Value{}, service.Invalid("descriptor encodes to %d bytes, more than the %d allowed", size, MaxDescriptorBytes)
	case validity < 1:
		return sdk.Value{}, service.Invalid("validity_ms must be 1 or more, got %d", validity)
	}
	now, err := fx.Now(ctx)
	if err != nil {
		return sdk.Value{}, err
	}
	e.publishedMS, e.expiresMS = now, now+validity
	body := sdk.Map(map[string]sdk.Value{
		"peer": sdk.String(e.peer), "descriptor": e.descriptor, "published_ms": sdk.Int(e.publishedMS), "expires_ms": sdk.Int(e.expiresMS),
	})
	if _, err := fx.Append(ctx, service.Fact{Predicate: PredicatePublished, Time: now, Body: body}); err != nil {
		return sdk.Value{}, err
	}
	s.byPeer[e.peer] = e
	return e.value(), nil
}

func (s *directory) lookup(ctx context.Context, fx *service.Effects, c *sdk.Call) (sdk.Value, error) {
	peer, _ := c.Arg("peer").AsString()
	e, ok := s.byPeer[peer]
	if !ok {
		return sdk.Value{}, sdk.Errorf(sdk.CodeNotFound, "no descriptor for peer %q", peer)
	}
	now, err := fx.Now(ctx)
	if err != nil {
		return sdk.Value{}, err
	}
	if now >= e.expiresMS {
		return sdk.Value{}, sdk.Errorf(sdk.CodeNotFound, "the descriptor for peer %q expired at %d ms", peer, e.expiresMS)
	}
	return e.descriptor, nil
}

func (s *directory) list(ctx context.Context, fx *service.Effects, _ *sdk.Call) (sdk.Value, error) {
	now, err := fx.Now(ctx)
	if err != nil {
		return sdk.Value{}, err
	}
	out := []sdk.Value{}
	for _, peer := range slices.Sorted(maps.Keys(s.byPeer)) {
		if e := s.byPeer[peer]; now < e.expiresMS {
			out = append(out, e.value())
		}
	}
	return sdk.List(out...), nil
}

func (s *directory) expire(ctx context.Context, fx *service.Effects, _ *sdk.Call) (sdk.Value, error) {
	now, err := fx.Now(ctx)
	if err != nil {
		return sdk.Value{}, err
	}
	var n int64
	for peer, e := range s.byPeer {
		if now >= e.expiresMS {
			delete(s.byPeer, peer)
			n++
		}
	}
	return sdk.Int(n), nil
}

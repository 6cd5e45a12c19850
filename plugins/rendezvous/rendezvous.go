package rendezvous

import (
	"bytes"
	"cmp"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/internal/descriptor"
	"github.com/aurahost/aura-host/plugins/internal/service"
	"github.com/aurahost/aura-host/sdk"
)

// directory is one instance's state, touched only inside rt's operations.
type directory struct {
	rt     *service.Runtime
	byPeer map[string]*entry // by authority ("authority-…")
}

// entry is one authority's latest verified descriptor.
type entry struct {
	peer                   string // the descriptor's authority, "authority-…"
	descriptor             sdk.Value
	seq                    int64
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

// newer orders two descriptors of a peer: the higher seq wins, then the
// later publication, and ties are broken by content, so replicas agree
// whatever order they learnt them in.
func (e *entry) newer(than *entry) bool {
	return cmp.Or(cmp.Compare(e.seq, than.seq), cmp.Compare(e.publishedMS, than.publishedMS),
		cmp.Compare(e.expiresMS, than.expiresMS), effects.Compare(e.descriptor, than.descriptor)) > 0
}

// authorityOf reads a peer argument: an authority ID ("authority-…"), or
// its 32 hex digits, the transport's name for it.
func authorityOf(peer string) (effects.AuthorityID, error) {
	if strings.HasPrefix(peer, "authority-") {
		return effects.ParseAuthorityID(peer)
	}
	var id effects.AuthorityID
	b, err := hex.DecodeString(peer)
	if err != nil || len(b) != len(id) {
		return id, fmt.Errorf("peer %q is not an authority: want \"authority-\" and 32 hex digits, or the 32 hex digits alone", peer)
	}
	copy(id[:], b)
	return id, nil
}

// descriptorError is the service's error for a descriptor that does not
// verify: invalid_signature for a signature, invalid_args for the rest.
func descriptorError(err error) error {
	if errors.Is(err, descriptor.ErrBadSignature) {
		return sdk.Errorf(sdk.CodeInvalidSignature, "%v: it was altered, or signed by another key than its device_key", err)
	}
	return service.Invalid("%v", err)
}

// checkKey checks a verified descriptor's key against the trust anchor:
// the device key the deployment knows for its authority (device.public_key
// through the host). A descriptor signed by any other key — someone else
// re-signing an authority's descriptor with their own — is unknown_device,
// as is one for an authority whose key the deployment does not know.
func checkKey(ctx context.Context, fx *service.Effects, s descriptor.Signed) error {
	known, ok, err := fx.PeerKey(ctx, s.Authority.String())
	if err != nil {
		return err
	}
	if !ok {
		return sdk.Errorf(sdk.CodeUnknownDevice, "the descriptor is for %s, whose device key this deployment does not know: it cannot be checked", s.Authority)
	}
	if !bytes.Equal(known, s.DeviceKey) {
		return sdk.Errorf(sdk.CodeUnknownDevice, "the descriptor for %s is signed by key %x, which is not the device key this deployment knows for it", s.Authority, []byte(s.DeviceKey))
	}
	return nil
}

// rebuild replays the published facts, verifying each again: its
// signature (at its publication time), its peer, and its key against the
// trust anchor as it is now; a fact that fails is logged and skipped.
// Per peer the newest is kept, unless it has expired.
func (s *directory) rebuild(ctx context.Context, fx *service.Effects) error {
	now, err := fx.Now(ctx)
	if err != nil {
		return err
	}
	byPeer := map[string]*entry{}
	var dependency error          // a failed trust-anchor lookup fails the rebuild rather than dropping a fact
	checked := map[string]error{} // by authority and key: one trust-anchor lookup each
	checkKeyOnce := func(d descriptor.Signed) error {
		k := d.Authority.String() + string(d.DeviceKey)
		err, ok := checked[k]
		if !ok {
			err = checkKey(ctx, fx, d)
			checked[k] = err
		}
		return err
	}
	err = fx.Replay(ctx, service.Step{Predicate: PredicatePublished, Apply: func(f service.Fact) error {
		b := service.Read(f.Body, PredicatePublished+" fact")
		e := &entry{peer: b.String("peer"), descriptor: b.Map("descriptor"), publishedMS: b.Int("published_ms"), expiresMS: b.Int("expires_ms")}
		if err := b.Err(); err != nil {
			return err
		}
		d, err := descriptor.Parse(e.descriptor)
		if err == nil {
			err = d.Verify(e.publishedMS)
		}
		if err != nil {
			return err
		}
		if e.peer != d.Authority.String() {
			return fmt.Errorf("the fact's peer %s is not its descriptor's authority %s", e.peer, d.Authority)
		}
		if e.expiresMS > d.ExpiresMS {
			return fmt.Errorf("the fact keeps the descriptor until %d ms, after it expires at %d ms", e.expiresMS, d.ExpiresMS)
		}
		if err := checkKeyOnce(d); err != nil {
			if effects.AsError(err).Code != sdk.CodeUnknownDevice {
				dependency = err
				return nil
			}
			return err
		}
		e.seq = d.Seq
		if old, ok := byPeer[e.peer]; !ok || e.newer(old) {
			byPeer[e.peer] = e
		}
		return nil
	}})
	if err == nil {
		err = dependency
	}
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
	peer, desc := a.String("peer"), a.Map("descriptor")
	validity := int64(DefaultValidity)
	if a.Has("validity_ms") {
		validity = a.Int("validity_ms")
	}
	if err := a.Err(); err != nil {
		return sdk.Value{}, service.Invalid("%v", err)
	}
	switch size := len(desc.Canonical()); {
	case peer == "":
		return sdk.Value{}, service.Invalid("peer must not be empty")
	case desc.Len() == 0:
		return sdk.Value{}, service.Invalid("descriptor must not be empty: it is the peer's signed descriptor")
	case size > MaxDescriptorBytes:
		return sdk.Value{}, service.Invalid("descriptor encodes to %d bytes, more than the %d allowed", size, MaxDescriptorBytes)
	case validity < 1:
		return sdk.Value{}, service.Invalid("validity_ms must be 1 or more, got %d", validity)
	}
	id, err := authorityOf(peer)
	if err != nil {
		return sdk.Value{}, service.Invalid("%v", err)
	}
	now, err := fx.Now(ctx)
	if err != nil {
		return sdk.Value{}, err
	}
	d, err := descriptor.Verify(desc, now)
	if err != nil {
		return sdk.Value{}, descriptorError(err)
	}
	if d.Authority != id {
		return sdk.Value{}, service.Invalid("peer %s is not the descriptor's authority %s", id, d.Authority)
	}
	if err := checkKey(ctx, fx, d); err != nil {
		return sdk.Value{}, err
	}
	e := &entry{peer: id.String(), descriptor: desc, seq: d.Seq, publishedMS: now, expiresMS: min(d.ExpiresMS, now+validity)}
	if old, ok := s.byPeer[e.peer]; ok && d.Seq < old.seq {
		return sdk.Value{}, sdk.Errorf(sdk.CodeConflict, "the descriptor for %s has seq %d, older than the published one's %d: an old descriptor does not replace a newer one", id, d.Seq, old.seq)
	}
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
	id, err := authorityOf(peer)
	if err != nil {
		return sdk.Value{}, service.Invalid("%v", err)
	}
	e, ok := s.byPeer[id.String()]
	if !ok {
		return sdk.Value{}, sdk.Errorf(sdk.CodeNotFound, "no descriptor for peer %s", id)
	}
	now, err := fx.Now(ctx)
	if err != nil {
		return sdk.Value{}, err
	}
	if now >= e.expiresMS {
		return sdk.Value{}, sdk.Errorf(sdk.CodeNotFound, "the descriptor for peer %s expired at %d ms", id, e.expiresMS)
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

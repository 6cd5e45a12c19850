package vm

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync"

	"lukechampine.com/blake3"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/vm/syntax"
	"github.com/aurahost/aura-host/vm/trace"
)

// RegistryEffectsConfig configures a RegistryEffects.
type RegistryEffectsConfig struct {
	// Registry serves Invoke; nil makes every operation unknown_op.
	Registry *effects.Registry
	// Handler, when set, serves Invoke instead of Registry: a host passes
	// its router here so calls take the one path every call takes.
	Handler effects.Handler
	// Seed derives every decision, payload and random byte the host makes
	// up, so a run is the same for the same seed.
	Seed uint64
	// Decide, when set, picks branches instead of the seeded choice. n
	// counts the decisions this role has made in this session, from 0.
	Decide func(req *DecisionRequest, n uint64) (string, error)
	// Payload, when set, supplies host() values instead of seeded ones.
	Payload func(req *PayloadRequest) (effects.Value, error)
	// ClockStart is the time of the first Now, in milliseconds; each Now
	// of a role advances its clock by ClockStep (default 1).
	ClockStart, ClockStep int64
}

// RegistryEffects is an in-process Effects for tests, simulations and examples:
// it dispatches Invoke to an *effects.Registry (or any effects.Handler,
// such as the host's router) and derives everything else
// from a seed, per session and role, so concurrent machines sharing it
// stay deterministic however they interleave. Guards are held by one
// (session, role) at a time across every session using the host. It is
// safe for concurrent use.
type RegistryEffects struct {
	cfg      RegistryEffectsConfig
	mu       sync.Mutex
	counters map[counterKey]uint64
	guards   map[string]guardHolder
}

type counterKey struct {
	session effects.SessionID
	role    string
	kind    trace.EffectKind
}

type guardHolder struct {
	session effects.SessionID
	role    string
}

// NewRegistryEffects returns a RegistryEffects over cfg.
func NewRegistryEffects(cfg RegistryEffectsConfig) *RegistryEffects {
	if cfg.ClockStep == 0 {
		cfg.ClockStep = 1
	}
	return &RegistryEffects{cfg: cfg, counters: map[counterKey]uint64{}, guards: map[string]guardHolder{}}
}

// next returns and advances the counter of (session, role, kind).
func (h *RegistryEffects) next(c Caller, kind trace.EffectKind) uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	k := counterKey{c.Session, c.Role, kind}
	n := h.counters[k]
	h.counters[k] = n + 1
	return n
}

// stream returns the deterministic byte stream for one request.
func (h *RegistryEffects) stream(c Caller, kind trace.EffectKind, n uint64) *blake3.OutputReader {
	hs := blake3.New(32, nil)
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], h.cfg.Seed)
	hs.Write([]byte("aura.vm.registry_host/v1\x00"))
	hs.Write(b[:])
	hs.Write(c.Session[:])
	hs.Write([]byte(c.Role + "\x00" + string(kind) + "\x00"))
	binary.BigEndian.PutUint64(b[:], n)
	hs.Write(b[:])
	return hs.XOF()
}

func (h *RegistryEffects) draw(c Caller, kind trace.EffectKind, n uint64, size int) []byte {
	out := make([]byte, size)
	h.stream(c, kind, n).Read(out)
	return out
}

// Decide picks with cfg.Decide, or uniformly by the seed.
func (h *RegistryEffects) Decide(ctx context.Context, req *DecisionRequest) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	n := h.next(req.Caller, trace.KindDecide)
	if h.cfg.Decide != nil {
		return h.cfg.Decide(req, n)
	}
	if len(req.Labels) == 0 {
		return "", effects.Errorf(effects.CodeInvalidArgs, "no labels to decide among")
	}
	r := binary.BigEndian.Uint64(h.draw(req.Caller, trace.KindDecide, n, 8))
	return req.Labels[r%uint64(len(req.Labels))], nil
}

// Payload supplies cfg.Payload's value, or a seeded value of the sort.
func (h *RegistryEffects) Payload(ctx context.Context, req *PayloadRequest) (effects.Value, error) {
	if err := ctx.Err(); err != nil {
		return effects.Value{}, err
	}
	n := h.next(req.Caller, trace.KindPayload)
	if h.cfg.Payload != nil {
		return h.cfg.Payload(req)
	}
	b := h.draw(req.Caller, trace.KindPayload, n, 8)
	u := binary.BigEndian.Uint64(b)
	switch req.Sort {
	case syntax.SortUnit:
		return effects.Null(), nil
	case "bool":
		return effects.Bool(u&1 == 1), nil
	case "int":
		return effects.Int(int64(u >> 1)), nil
	case "uint", "nat":
		return effects.Uint(u), nil
	case "string":
		return effects.String(fmt.Sprintf("%016x", u)), nil
	case "list":
		return effects.List(effects.Uint(u)), nil
	case "map":
		return effects.Map(map[string]effects.Value{"value": effects.Uint(u)}), nil
	}
	return effects.Bytes(b), nil
}

// Invoke dispatches to the handler, or the registry.
func (h *RegistryEffects) Invoke(ctx context.Context, call *effects.Call) (effects.Value, error) {
	if h.cfg.Handler != nil {
		return h.cfg.Handler.Invoke(ctx, call)
	}
	if h.cfg.Registry == nil {
		return effects.Value{}, &effects.Error{Code: effects.CodeUnknownOp, Op: call.Op, Message: "no registry"}
	}
	return h.cfg.Registry.Invoke(ctx, call)
}

// HandlerIdentity names the provider serving op.
func (h *RegistryEffects) HandlerIdentity(op effects.OpID) string {
	if h.cfg.Registry == nil {
		return ""
	}
	if e, ok := h.cfg.Registry.Lookup(op); ok {
		return e.Provider
	}
	return ""
}

// Acquire grants a free guard, or one the caller holds already.
func (h *RegistryEffects) Acquire(ctx context.Context, req *GuardRequest) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	me := guardHolder{req.Session, req.Role}
	if cur, held := h.guards[req.Guard]; held && cur != me {
		return false, nil
	}
	h.guards[req.Guard] = me
	return true, nil
}

// Release frees a guard the caller holds; releasing another's guard is a
// conflict.
func (h *RegistryEffects) Release(ctx context.Context, req *GuardRequest) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if cur, held := h.guards[req.Guard]; !held || cur != (guardHolder{req.Session, req.Role}) {
		return effects.Errorf(effects.CodeConflict, "%s does not hold guard %q", req.Role, req.Guard)
	}
	delete(h.guards, req.Guard)
	return nil
}

// Now returns the role's virtual clock: ClockStart, then ClockStep more
// at each call.
func (h *RegistryEffects) Now(ctx context.Context, req *ClockRequest) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	n := h.next(req.Caller, trace.KindNow)
	return h.cfg.ClockStart + int64(n)*h.cfg.ClockStep, nil
}

// Random returns seeded bytes.
func (h *RegistryEffects) Random(ctx context.Context, req *RandomRequest) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	n := h.next(req.Caller, trace.KindRandom)
	return h.draw(req.Caller, trace.KindRandom, n, req.Bytes), nil
}

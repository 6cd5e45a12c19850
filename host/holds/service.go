package holds

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/lifecycle"
)

// Storage key prefixes: what this agent holds for others, and what it
// received and verified as a recipient.
const (
	custodyPrefix  = "holds/custody/"
	receivedPrefix = "holds/received/"
)

// maxRefusals bounds the retrieval refusals a recipient remembers.
const maxRefusals = 64

// maxReceivePerPump bounds the envelopes taken from one peer per Pump, so
// that one busy peer cannot starve the others.
const maxReceivePerPump = 64

// Service is the hold service of one agent: depositor, holder and
// recipient at once. It is a lifecycle.Service and the effects.Handler of
// the hold family. Its background work is three methods the agent runs
// periodically on its clock: Pump (receive and answer, send the queues),
// Refresh (ask holders for fresh capabilities and what they hold), and GC.
type Service struct {
	lifecycle.Tracker
	cfg Config

	// work serialises Pump, Refresh and GC; mu guards the state below.
	work sync.Mutex
	mu   sync.Mutex

	startMs  int64
	seq      uint64
	deposits map[DepositID]*Deposit
	order    []DepositID
	custody  map[DepositID]*held
	caps     *capabilities
	wallet   map[effects.AuthorityID]*Capability // recipient: newest capability per holder
	hello    map[effects.AuthorityID]int64       // recipient: when we last asked each holder
	offered  map[effects.AuthorityID][]DepositID // recipient: offered, not received yet
	asked    map[askKey]bool                     // recipient: retrieves sent, per capability epoch
	received map[DepositID]*Received
	recvd    []DepositID // in arrival order
	refusals []RetrievalRefusal
	scores   map[effects.AuthorityID]*Score
	queues   map[effects.AuthorityID]*Queue
	windows  map[effects.AuthorityID]*ReplayWindow
	suspect  map[effects.AuthorityID]bool
	backoff  map[effects.AuthorityID]peerBackoff
	peers    map[effects.AuthorityID]bool
	stats    Stats
}

type askKey struct {
	holder  effects.AuthorityID
	deposit DepositID
	epoch   int64
}

// Received is an envelope a recipient retrieved and verified.
type Received struct {
	Sealed  *Sealed
	Holders []effects.AuthorityID // who delivered it intact
	AtMs    int64
}

// RetrievalRefusal is a holder's refusal of one of our retrievals, or a
// delivery we refused.
type RetrievalRefusal struct {
	Holder  effects.AuthorityID
	Deposit DepositID
	Err     *effects.Error
	AtMs    int64
}

// Stats counts what the service did.
type Stats struct {
	Sent, SendFailures, Received, Replays, Malformed, QueueFull int64
}

// New makes a hold service; the agent starts it.
func New(cfg Config) (*Service, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Service{cfg: cfg, deposits: map[DepositID]*Deposit{}, custody: map[DepositID]*held{},
		caps: newCapabilities(cfg.Self, cfg.CapabilityTTL.Milliseconds()), wallet: map[effects.AuthorityID]*Capability{},
		hello: map[effects.AuthorityID]int64{}, offered: map[effects.AuthorityID][]DepositID{}, asked: map[askKey]bool{},
		received: map[DepositID]*Received{}, scores: map[effects.AuthorityID]*Score{}, queues: map[effects.AuthorityID]*Queue{},
		windows: map[effects.AuthorityID]*ReplayWindow{}, suspect: map[effects.AuthorityID]bool{}, backoff: map[effects.AuthorityID]peerBackoff{}, peers: map[effects.AuthorityID]bool{}}
	for _, p := range cfg.Peers {
		s.peers[p] = true
		s.queues[p] = NewQueue(cfg.QueueLimit)
		s.windows[p] = NewReplayWindow(cfg.ReplayWindow.Milliseconds(), cfg.ReplayLimit)
	}
	return s, nil
}

// Config is the service's configuration, defaults filled in.
func (s *Service) Config() Config { return s.cfg }

// Name is the service's name.
func (s *Service) Name() string { return s.cfg.Name }

// Dependencies are what must start first.
func (s *Service) Dependencies() []string { return slices.Clone(s.cfg.Dependencies) }

// Start loads what the agent held and received before a restart, from
// its storage.
func (s *Service) Start(ctx context.Context) error {
	s.Set(lifecycle.Starting, "")
	if err := s.load(ctx); err != nil {
		s.Set(lifecycle.Unhealthy, err.Error())
		return err
	}
	s.Set(lifecycle.Healthy, "")
	return nil
}

// Stop marks the service stopped; its periodic work belongs to the
// agent's tasks, which the agent stops first.
func (s *Service) Stop(context.Context) error {
	s.Set(lifecycle.Stopping, "")
	s.Set(lifecycle.Stopped, "")
	return nil
}

// load reads the custody and received records from storage.
func (s *Service) load(ctx context.Context) error {
	now, err := s.now(ctx)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.startMs = now
	for _, prefix := range []string{custodyPrefix, receivedPrefix} {
		v, err := s.cfg.Invoke(ctx, effects.StorageListKeys, effects.Map(map[string]effects.Value{"prefix": effects.String(prefix)}))
		if err != nil {
			return fmt.Errorf("holds: list %s in storage (the hold service keeps deposits in the agent's storage plugin: declare one): %w", prefix, err)
		}
		for _, k := range v.Items() {
			key, _ := k.AsString()
			raw, err := s.retrieve(ctx, key)
			if err != nil {
				return err
			}
			if err := s.restore(key, raw, prefix == custodyPrefix); err != nil {
				s.cfg.Logger.Warn("holds: dropping an unreadable record", "key", key, "error", err)
				_, _ = s.cfg.Invoke(ctx, effects.StorageRemove, effects.Map(map[string]effects.Value{"key": effects.String(key)}))
			}
		}
	}
	return nil
}

func (s *Service) restore(key string, raw []byte, custody bool) error {
	if custody {
		h, err := decodeHeld(raw)
		if err != nil {
			return err
		}
		s.custody[h.sealed.ID] = h
		return nil
	}
	sealed, err := DecodeSealed(raw)
	if err != nil {
		return err
	}
	if sealed.Recipient != s.cfg.Self || sealed.ID != sealed.computeID() {
		return fmt.Errorf("not an envelope for %s", s.cfg.Self)
	}
	s.received[sealed.ID] = &Received{Sealed: sealed, AtMs: sealed.CreatedMs}
	s.recvd = append(s.recvd, sealed.ID)
	return nil
}

func (s *Service) retrieve(ctx context.Context, key string) ([]byte, error) {
	v, err := s.cfg.Invoke(ctx, effects.StorageRetrieve, effects.Map(map[string]effects.Value{"key": effects.String(key)}))
	if err != nil {
		return nil, fmt.Errorf("holds: read %s: %w", key, err)
	}
	b, ok := v.AsBytes()
	if !ok {
		return nil, fmt.Errorf("holds: read %s: storage answered %v", key, v)
	}
	return b, nil
}

func (s *Service) store(ctx context.Context, key string, value []byte) error {
	_, err := s.cfg.Invoke(ctx, effects.StorageStore, effects.Map(map[string]effects.Value{
		"key": effects.String(key), "value": effects.Bytes(value)}))
	return err
}

func (s *Service) remove(ctx context.Context, key string) {
	if _, err := s.cfg.Invoke(ctx, effects.StorageRemove, effects.Map(map[string]effects.Value{"key": effects.String(key)})); err != nil {
		s.cfg.Logger.Warn("holds: cannot remove a record", "key", key, "error", err)
	}
}

func storageKey(prefix string, id DepositID) string { return prefix + hex.EncodeToString(id[:]) }

// now reads the agent's clock effect (virtual time in simulation).
func (s *Service) now(ctx context.Context) (int64, error) {
	v, err := s.cfg.Invoke(ctx, effects.ClockPhysicalTime, effects.Null())
	if err != nil {
		return 0, fmt.Errorf("holds: read the clock: %w", err)
	}
	f, _ := v.Get("ms")
	ms, ok := f.AsInt()
	if !ok {
		return 0, fmt.Errorf("holds: clock.physical_time answered %v, want {ms}", v)
	}
	return ms, nil
}

// enqueue puts a message for peer in its movement queue. The caller holds
// mu.
func (s *Service) enqueue(peer effects.AuthorityID, kind string, fields map[string]effects.Value, nowMs int64) error {
	q, ok := s.queues[peer]
	if !ok {
		return effects.Errorf(effects.CodeInvalidArgs, "%s is not a peer of the hold service: list it in the service's peers", peer)
	}
	s.seq++
	var buf [8]byte
	binary.BigEndian.PutUint64(buf[:], s.seq)
	h := sha256.New()
	h.Write(s.cfg.Self[:])
	h.Write(peer[:])
	h.Write(binary.BigEndian.AppendUint64(nil, uint64(s.startMs)))
	h.Write(buf[:])
	h.Write([]byte(kind))
	var id MessageID
	copy(id[:], h.Sum(nil))
	if err := q.Push(outbound{id: id, kind: kind, fields: fields, expiresMs: nowMs + s.cfg.Retention.Milliseconds()}); err != nil {
		s.stats.QueueFull++
		return &effects.Error{Code: effects.CodeExhausted, Message: fmt.Sprintf("to %s: %v; nothing was queued: try again once the peer is reachable and its queue drains", peer, err), Err: err}
	}
	return nil
}

// Pump takes what every peer sent in the hold context and answers it,
// then sends what the movement queues hold. The agent runs it every
// PollInterval; tests call it to step the service.
func (s *Service) Pump(ctx context.Context) error {
	s.work.Lock()
	defer s.work.Unlock()
	for _, p := range s.cfg.Peers {
		for range maxReceivePerPump {
			v, err := s.cfg.Invoke(ctx, effects.NetworkReceiveEnvelopeFrom, effects.Map(map[string]effects.Value{
				"source": effects.Bytes(p[:]), "context": effects.Bytes(Context[:])}))
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				// A refused envelope (a bad receipt) is dropped by the
				// guard chain; the next one may be fine.
				s.cfg.Logger.Debug("holds: receive", "peer", p, "error", err)
				if errors.Is(err, effects.ErrDenied) {
					continue
				}
				break
			}
			if v.IsNull() {
				break
			}
			pv, _ := v.Get("payload")
			payload, _ := pv.AsBytes()
			s.handle(ctx, p, payload)
		}
	}
	err := s.flush(ctx)
	s.checkQueues()
	return err
}

// checkQueues marks the service degraded while a peer's movement queue is
// full (new messages for it are refused), healthy again once none is.
func (s *Service) checkQueues() {
	s.mu.Lock()
	var full []string
	for _, p := range s.cfg.Peers {
		if s.queues[p].Len() >= s.cfg.QueueLimit {
			full = append(full, p.String())
		}
	}
	s.mu.Unlock()
	if len(full) == 0 {
		s.Recover()
		return
	}
	s.Degrade(fmt.Sprintf("movement queue full for %v: messages to them are refused until they are reachable", full))
}

// flush sends each peer's queued messages in order, the peers at once (a
// peer that is away must not hold up the others). A peer's first failure
// stops its flush, and the peer is skipped until its backoff passes
// (doubling from MinBackoff to MaxBackoff, reset by a success).
func (s *Service) flush(ctx context.Context) error {
	now, err := s.now(ctx)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	for _, p := range s.cfg.Peers {
		s.mu.Lock()
		waiting := s.queues[p].Len() > 0 && now >= s.backoff[p].nextMs
		s.mu.Unlock()
		if waiting {
			wg.Go(func() { s.flushPeer(ctx, p, now) })
		}
	}
	wg.Wait()
	return ctx.Err()
}

// peerBackoff is when a peer whose send failed is tried again.
type peerBackoff struct {
	nextMs, delayMs int64
}

// flushPeer sends peer's queued messages until one fails.
func (s *Service) flushPeer(ctx context.Context, p effects.AuthorityID, now int64) {
	for {
		s.mu.Lock()
		m, ok := s.queues[p].Head()
		suspect := s.suspect[p]
		s.mu.Unlock()
		if !ok {
			return
		}
		sctx, cancel := context.WithTimeout(ctx, s.cfg.SendTimeout)
		err := s.send(sctx, p, m, suspect)
		cancel()
		s.mu.Lock()
		if err == nil {
			s.suspect[p] = false
			delete(s.backoff, p)
			if h, ok := s.queues[p].Head(); ok && h.id == m.id {
				s.queues[p].Pop()
			}
			s.stats.Sent++
			s.mu.Unlock()
			continue
		}
		s.stats.SendFailures++
		if effects.SendMayHaveHappened(err) {
			s.suspect[p] = true
		}
		if e := effects.AsError(err); e != nil && (e.Code == effects.CodeInvalidArgs || e.Code == effects.CodeDenied) {
			s.queues[p].Pop() // never sendable: drop it, keep the rest moving
			s.cfg.Logger.Warn("holds: dropped a message its sending refused", "peer", p, "kind", m.kind, "error", err)
			s.mu.Unlock()
			continue
		}
		b := s.backoff[p]
		b.delayMs = min(max(2*b.delayMs, s.cfg.MinBackoff.Milliseconds()), s.cfg.MaxBackoff.Milliseconds())
		b.nextMs = now + b.delayMs
		s.backoff[p] = b
		s.mu.Unlock()
		s.cfg.Logger.Debug("holds: send failed; the message waits", "peer", p, "kind", m.kind, "retry_in_ms", b.delayMs, "error", err)
		return
	}
}

// send sends one message, restarting the receipt chain to the peer first
// when an earlier envelope may have been lost.
func (s *Service) send(ctx context.Context, peer effects.AuthorityID, m outbound, suspect bool) error {
	if suspect && s.cfg.RestartChain != nil {
		if err := s.cfg.RestartChain(ctx, peer); err != nil {
			return fmt.Errorf("restart the receipt chain to %s: %w", peer, err)
		}
	}
	now, err := s.now(ctx)
	if err != nil {
		return err
	}
	payload := encodeMessage(m.id, m.kind, now, m.fields)
	_, err = s.cfg.Invoke(ctx, effects.NetworkSendEnvelope, effects.Map(map[string]effects.Value{"envelope": effects.Map(map[string]effects.Value{
		"destination": effects.Bytes(peer[:]), "source": effects.Bytes(s.cfg.Self[:]),
		"context": effects.Bytes(Context[:]), "payload": effects.Bytes(payload)})}))
	return err
}

// Refresh asks each peer for a fresh capability (and what it holds for
// us) once the one we have is half-way to expiry, or we have none; and
// retrieves what holders offered with the capability we hold. The agent
// runs it every CapabilityTTL/4.
func (s *Service) Refresh(ctx context.Context) error {
	s.work.Lock()
	defer s.work.Unlock()
	now, err := s.now(ctx)
	if err != nil {
		return err
	}
	s.mu.Lock()
	half := s.cfg.CapabilityTTL.Milliseconds() / 2
	for _, p := range s.cfg.Peers {
		c := s.wallet[p]
		last, asked := s.hello[p]
		if (c != nil && now < c.IssuedMs+half) || (asked && now < last+half) {
			continue
		}
		if err := s.enqueue(p, kindHello, nil, now); err == nil {
			s.hello[p] = now
		}
	}
	s.mu.Unlock()
	return s.flush(ctx)
}

// ask asks the given holders (every peer when none) for a capability and
// an offer now.
func (s *Service) ask(holders []effects.AuthorityID, now int64) (int, error) {
	if len(holders) == 0 {
		holders = s.cfg.Peers
	}
	n := 0
	var errs []error
	for _, h := range holders {
		if err := s.enqueue(h, kindHello, nil, now); err != nil {
			errs = append(errs, err)
			continue
		}
		s.hello[h] = now
		n++
	}
	if n == 0 && len(errs) > 0 {
		return 0, errs[0]
	}
	return n, nil
}

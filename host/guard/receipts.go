package guard

import (
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"fmt"
	"math"
	"sync"

	"github.com/aurahost/aura-host/effects"
)

// DefaultRetain is how many receipts a chain keeps when the manager is
// given no retention.
const DefaultRetain = 64

// ChainKey names one receipt chain: the receipts Src issues for envelopes
// to Dst in Context. The sender keeps its side ("issued"), the receiver its
// own ("accepted").
type ChainKey struct {
	Context effects.ContextID
	Src     effects.AuthorityID
	Dst     effects.AuthorityID
}

func (k ChainKey) String() string {
	return k.Context.String() + "/" + k.Src.String() + "->" + k.Dst.String()
}

// Chain returns the chain r belongs to.
func (r Receipt) Chain() ChainKey { return ChainKey{Context: r.Context, Src: r.Src, Dst: r.Dst} }

// ReceiptManager issues receipts on the sending side and accepts them on
// the receiving side, persisting both kinds of chain in a Store. It is safe
// for concurrent use; all updates are serialised by one lock.
//
// What it guarantees:
//   - Issue never reuses a nonce: the per-(context, src) counter is stored
//     before the receipt is returned, so a crash leaves a gap, not a repeat.
//   - Accept takes a receipt only once, in order: signature, then epoch (an
//     older epoch is refused), then nonce (strictly above the last accepted
//     on the chain in this epoch), then link (Prev = Hash of the last
//     accepted; zero for an epoch's first).
//   - Retention keeps the last Retain receipts of each chain's current
//     epoch; moving to a newer epoch drops the older epoch's receipts.
//     Pruning drops stored receipts, never the chain's head, epoch or last
//     nonce, so it never reopens a replay.
//
// Chains assume in-order, lossless delivery per (context, src, dst): an
// envelope that is lost must be retransmitted with its original receipt,
// or the chain stays broken for the receiver until the next epoch.
type ReceiptManager struct {
	store  Store
	retain int
	mu     sync.Mutex
}

// NewReceiptManager returns a manager persisting through store and keeping
// the last retain receipts per chain (DefaultRetain if retain <= 0).
func NewReceiptManager(store Store, retain int) *ReceiptManager {
	if retain <= 0 {
		retain = DefaultRetain
	}
	return &ReceiptManager{store: store, retain: retain}
}

// Retain is how many receipts each chain keeps.
func (m *ReceiptManager) Retain() int { return m.retain }

// Issue signs the next receipt on chain key: Src charged cost to send to Dst
// during epoch. The signer must hold Src's key. An epoch newer than the
// chain's starts the chain afresh (Prev zero, older receipts dropped); an
// older one is refused (conflict, ErrStaleEpoch).
func (m *ReceiptManager) Issue(ctx context.Context, s Signer, key ChainKey, epoch, cost uint64) (Receipt, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	last, err := m.loadNonce(ctx, key.Context, key.Src)
	if err != nil {
		return Receipt{}, err
	}
	if last == math.MaxUint64 {
		return Receipt{}, fail(effects.CodeExhausted, ErrNonceReused, "nonces of %s in %s are used up", key.Src, key.Context)
	}
	ch, err := m.loadChain(ctx, "out", key)
	if err != nil {
		return Receipt{}, err
	}
	if ch.exists && epoch < ch.epoch {
		return Receipt{}, fail(effects.CodeConflict, ErrStaleEpoch, "issue for epoch %d on %s, which is at epoch %d", epoch, key, ch.epoch)
	}
	if !ch.exists || epoch > ch.epoch {
		ch = chainState{exists: true, epoch: epoch}
	}
	r, err := SignReceipt(ctx, Receipt{
		Version: ReceiptVersion, Context: key.Context, Src: key.Src, Dst: key.Dst,
		Epoch: epoch, Cost: cost, Nonce: last + 1, Prev: ch.head,
	}, s)
	if err != nil {
		return Receipt{}, err
	}
	// The counter first: if the chain write fails, the nonce is burnt, never
	// reissued.
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], r.Nonce)
	if err := m.store.Put(ctx, nonceKey(key.Context, key.Src), n[:]); err != nil {
		return Receipt{}, fmt.Errorf("write receipt nonce of %s: %w", key, err)
	}
	ch.advance(r, m.retain)
	if err := m.saveChain(ctx, "out", key, ch); err != nil {
		return Receipt{}, err
	}
	return r, nil
}

// Verify checks r's version and signature under pub (see the package
// function Verify).
func (m *ReceiptManager) Verify(r Receipt, pub ed25519.PublicKey) error { return Verify(r, pub) }

// Accept takes a receipt on the receiving side: it verifies the signature
// under pub (Src's key), refuses an epoch older than the chain's
// (ErrStaleEpoch), a nonce already accepted (ErrNonceReused) or lower than
// the last accepted (ErrNonceRegressed; a replay of a retained receipt is
// ErrNonceReused too), and a Prev that is not the hash of
// the last accepted receipt — zero for the first of an epoch
// (ErrBrokenChain). All are denied errors; a refused receipt changes
// nothing.
func (m *ReceiptManager) Accept(ctx context.Context, r Receipt, pub ed25519.PublicKey) error {
	if err := Verify(r, pub); err != nil {
		return err
	}
	key := r.Chain()
	m.mu.Lock()
	defer m.mu.Unlock()
	ch, err := m.loadChain(ctx, "in", key)
	if err != nil {
		return err
	}
	switch {
	case ch.exists && r.Epoch < ch.epoch:
		return fail(effects.CodeDenied, ErrStaleEpoch, "receipt nonce %d of epoch %d on %s, which is at epoch %d", r.Nonce, r.Epoch, key, ch.epoch)
	case !ch.exists || r.Epoch > ch.epoch:
		ch = chainState{exists: true, epoch: r.Epoch}
	}
	if r.Nonce <= ch.lastNonce {
		if ch.accepted(r.Nonce) {
			return fail(effects.CodeDenied, ErrNonceReused, "nonce %d on %s was already accepted", r.Nonce, key)
		}
		return fail(effects.CodeDenied, ErrNonceRegressed, "nonce %d on %s after nonce %d", r.Nonce, key, ch.lastNonce)
	}
	if r.Prev != ch.head {
		return fail(effects.CodeDenied, ErrBrokenChain, "receipt nonce %d on %s links to %x, the chain's head is %x", r.Nonce, key, r.Prev[:6], ch.head[:6])
	}
	ch.advance(r, m.retain)
	return m.saveChain(ctx, "in", key, ch)
}

// Issued returns the receipts this side issued on key and still retains,
// oldest first.
func (m *ReceiptManager) Issued(ctx context.Context, key ChainKey) ([]Receipt, error) {
	return m.retained(ctx, "out", key)
}

// Accepted returns the receipts this side accepted on key and still
// retains, oldest first.
func (m *ReceiptManager) Accepted(ctx context.Context, key ChainKey) ([]Receipt, error) {
	return m.retained(ctx, "in", key)
}

// Prune keeps only the last keep receipts of chain key, on both sides. The
// chain's epoch, last nonce and head are kept, so a pruned receipt can still
// not be replayed.
func (m *ReceiptManager) Prune(ctx context.Context, key ChainKey, keep int) error {
	keep = max(keep, 0)
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, dir := range []string{"out", "in"} {
		ch, err := m.loadChain(ctx, dir, key)
		if err != nil {
			return err
		}
		if !ch.exists || ch.count() <= keep {
			continue
		}
		ch.keepLast(keep)
		if err := m.saveChain(ctx, dir, key, ch); err != nil {
			return err
		}
	}
	return nil
}

func (m *ReceiptManager) retained(ctx context.Context, dir string, key ChainKey) ([]Receipt, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ch, err := m.loadChain(ctx, dir, key)
	if err != nil {
		return nil, err
	}
	return ch.receipts(), nil
}

func (m *ReceiptManager) loadNonce(ctx context.Context, c effects.ContextID, src effects.AuthorityID) (uint64, error) {
	data, ok, err := m.store.Get(ctx, nonceKey(c, src))
	if err != nil {
		return 0, fmt.Errorf("read receipt nonce of %s in %s: %w", src, c, err)
	}
	if !ok {
		return 0, nil
	}
	if len(data) != 8 {
		return 0, fail(effects.CodeInternal, ErrCorruptRecord, "receipt nonce record of %d bytes for %s in %s", len(data), src, c)
	}
	return binary.BigEndian.Uint64(data), nil
}

// chainState is one side's record of a chain. Stored as:
// version 1 (1 byte) | epoch (8) | last nonce (8) | head (32) |
// count (uint32) | count encoded receipts (181 bytes each), oldest first.
//
// It keeps the record as read (the Store's copy, the caller's own), and a
// send updates it in place: the oldest receipt moves out, the new one is
// encoded in its room, the header is rewritten — no receipt is decoded
// into a struct and, once the chain is at its retention, nothing is
// allocated.
type chainState struct {
	exists    bool
	epoch     uint64
	lastNonce uint64
	head      [32]byte
	// record is the stored record: its first chainHeader bytes are the
	// header saveChain writes, the rest the encoded receipts. Nil for a
	// chain with no receipts yet.
	record []byte
}

const (
	chainRecordVersion = 1
	chainHeader        = 1 + 8 + 8 + 32 + 4
	// receiptNonce is where a receipt's nonce is in its encoding.
	receiptNonce = len(transcriptTag) + 1 + 3*16 + 8 + 8
)

// encoded is the chain's retained receipts, encoded, oldest first.
func (c *chainState) encoded() []byte {
	if len(c.record) < chainHeader {
		return nil
	}
	return c.record[chainHeader:]
}

// count is the number of receipts retained.
func (c *chainState) count() int { return len(c.encoded()) / ReceiptSize }

// receipts decodes the retained receipts (checked by loadChain).
func (c *chainState) receipts() []Receipt {
	enc := c.encoded()
	out := make([]Receipt, 0, c.count())
	for i := 0; i+ReceiptSize <= len(enc); i += ReceiptSize {
		r, _ := DecodeReceipt(enc[i : i+ReceiptSize])
		out = append(out, r)
	}
	return out
}

// keepLast drops all but the last keep receipts, in place.
func (c *chainState) keepLast(keep int) {
	enc := c.encoded()
	if drop := len(enc) - keep*ReceiptSize; drop > 0 {
		n := copy(enc, enc[drop:])
		c.record = c.record[:chainHeader+n]
	}
}

// accepted reports whether nonce is the last nonce or one of the retained
// receipts' (so a replay is named as such; a nonce below the last is
// refused either way).
func (c *chainState) accepted(nonce uint64) bool {
	if nonce != 0 && nonce == c.lastNonce {
		return true
	}
	enc := c.encoded()
	for i := 0; i+ReceiptSize <= len(enc); i += ReceiptSize {
		if binary.BigEndian.Uint64(enc[i+receiptNonce:]) == nonce {
			return true
		}
	}
	return false
}

// advance appends r as the chain's new head and trims to retain: the
// oldest receipts make room first, so at retention it appends in place.
func (c *chainState) advance(r Receipt, retain int) {
	c.lastNonce = r.Nonce
	c.head = r.Hash()
	c.keepLast(retain - 1)
	if len(c.record) < chainHeader {
		c.record = make([]byte, chainHeader, chainHeader+ReceiptSize)
	}
	c.record = r.appendEncoded(c.record)
}

func (m *ReceiptManager) loadChain(ctx context.Context, dir string, key ChainKey) (chainState, error) {
	data, ok, err := m.store.Get(ctx, chainKey(dir, key))
	if err != nil {
		return chainState{}, fmt.Errorf("read receipt chain %s: %w", key, err)
	}
	if !ok {
		return chainState{}, nil
	}
	corrupt := func(what string) error {
		return fail(effects.CodeInternal, ErrCorruptRecord, "receipt chain %s (%s side): %s", key, dir, what)
	}
	if len(data) < chainHeader || data[0] != chainRecordVersion {
		return chainState{}, corrupt(fmt.Sprintf("record of %d bytes", len(data)))
	}
	c := chainState{exists: true, record: data}
	c.epoch = binary.BigEndian.Uint64(data[1:])
	c.lastNonce = binary.BigEndian.Uint64(data[9:])
	copy(c.head[:], data[17:49])
	n := int(binary.BigEndian.Uint32(data[49:]))
	rest := data[chainHeader:]
	if n < 0 || len(rest) != n*ReceiptSize {
		return chainState{}, corrupt(fmt.Sprintf("%d receipts in %d bytes", n, len(rest)))
	}
	for i := range n {
		if _, err := DecodeReceipt(rest[i*ReceiptSize : (i+1)*ReceiptSize]); err != nil {
			return chainState{}, corrupt(err.Error())
		}
	}
	return c, nil
}

// saveChain writes c's header into its record and stores it.
func (m *ReceiptManager) saveChain(ctx context.Context, dir string, key ChainKey, c chainState) error {
	if len(c.record) < chainHeader {
		c.record = make([]byte, chainHeader)
	}
	h := c.record[:chainHeader]
	h[0] = chainRecordVersion
	binary.BigEndian.PutUint64(h[1:], c.epoch)
	binary.BigEndian.PutUint64(h[9:], c.lastNonce)
	copy(h[17:49], c.head[:])
	binary.BigEndian.PutUint32(h[49:], uint32(c.count()))
	if err := m.store.Put(ctx, chainKey(dir, key), c.record); err != nil {
		return fmt.Errorf("write receipt chain %s: %w", key, err)
	}
	return nil
}

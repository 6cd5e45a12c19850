package guard

import (
	"context"
	"encoding/hex"
	"sync"

	"github.com/aurahost/aura-host/effects"
)

// Store is where budgets and receipt chains persist. It must be the host's
// own, out of reach of every effect an agent can call (a budget kept in the
// storage plugin could be rewritten by storage.store): the host keeps it in
// a file of its own in production, in a MemStore in testing and simulation. Values are
// opaque bytes; a missing key is (nil, false, nil), not an error.
//
// Each FlowBudgetManager or ReceiptManager owns its keys: two managers
// writing the same keys through one Store would race (each update is a
// read-modify-write under the manager's own lock).
//
// Keys are "/"-separated, context first, with identifiers in lower-case hex:
//
//	guard/budget/<context>/<peer>                 a FlowBudget
//	guard/receipt/nonce/<context>/<src>           the issuer's last nonce
//	guard/receipt/out/<context>/<src>/<dst>       a chain this side issues
//	guard/receipt/in/<context>/<src>/<dst>        a chain this side accepts
//
// Get's value is the caller's own (a copy: the managers update a record
// in place before writing it back), and Put keeps no reference to value
// once it returns.
type Store interface {
	Get(ctx context.Context, key string) (value []byte, ok bool, err error)
	Put(ctx context.Context, key string, value []byte) error
}

// MemStore is an in-memory Store, safe for concurrent use. Values are
// copied in and out.
type MemStore struct {
	mu sync.Mutex
	m  map[string][]byte
}

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore { return &MemStore{m: map[string][]byte{}} }

// Get returns a copy of the value stored under key.
func (s *MemStore) Get(ctx context.Context, key string) ([]byte, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[key]
	if !ok {
		return nil, false, nil
	}
	return append([]byte(nil), v...), true, nil
}

// Put stores a copy of value under key, in the buffer of the value it
// replaces when that has room: no stored buffer is ever handed out (Get
// and Snapshot copy), so rewriting one is safe, and a receipt chain
// rewritten on every send allocates nothing here.
func (s *MemStore) Put(ctx context.Context, key string, value []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.m[key]
	if cap(old) < len(value) {
		old = nil
	}
	s.m[key] = append(old[:0:cap(old)], value...)
	return nil
}

// Snapshot returns a copy of every key and value stored (for tests and
// diagnostics: that a refused attempt changed nothing).
func (s *MemStore) Snapshot() map[string][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string][]byte, len(s.m))
	for k, v := range s.m {
		out[k] = append([]byte(nil), v...)
	}
	return out
}

// Keys returns the number of keys stored (for tests and diagnostics).
func (s *MemStore) Keys() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

func budgetKey(k BudgetKey) string {
	return "guard/budget/" + hex.EncodeToString(k.Context[:]) + "/" + hex.EncodeToString(k.Peer[:])
}

func nonceKey(c effects.ContextID, src effects.AuthorityID) string {
	return "guard/receipt/nonce/" + hex.EncodeToString(c[:]) + "/" + hex.EncodeToString(src[:])
}

func chainKey(dir string, k ChainKey) string {
	return "guard/receipt/" + dir + "/" + hex.EncodeToString(k.Context[:]) + "/" +
		hex.EncodeToString(k.Src[:]) + "/" + hex.EncodeToString(k.Dst[:])
}

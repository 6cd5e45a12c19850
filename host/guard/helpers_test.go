package guard

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"sync"
	"testing"

	"github.com/aurahost/aura-host/effects"
)

var (
	alice = effects.DeriveAuthorityID("alice", 1)
	bob   = effects.DeriveAuthorityID("bob", 1)
	carol = effects.DeriveAuthorityID("carol", 1)
	ctxAB = effects.DeriveContextID("alice-bob", 1)
	sess  = effects.DeriveSessionID("s", 1)
)

// keyOf derives a fixed Ed25519 key for a label, so tests are reproducible.
func keyOf(label string) KeySigner {
	seed := sha256.Sum256([]byte("guard-test-key/" + label))
	return KeySigner(ed25519.NewKeyFromSeed(seed[:]))
}

// journal is an in-memory journal sink.
type journal struct {
	mu    sync.Mutex
	facts []effects.Value
}

func (j *journal) append(_ context.Context, f effects.Value) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.facts = append(j.facts, f)
	return nil
}

func (j *journal) types() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []string
	for _, f := range j.facts {
		t, _ := f.Get("type")
		s, _ := t.AsString()
		out = append(out, s)
	}
	return out
}

func mustNoErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

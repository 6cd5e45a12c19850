package effects_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aurahost/aura-host/effects"
)

func spec(id string, params ...effects.Param) effects.OpSpec {
	return effects.OpSpec{ID: effects.MustOpID(id), Params: params, Result: effects.KindAny, Determinism: effects.Pure}
}

// constHandler answers every call with v and counts its calls.
type constHandler struct {
	v     effects.Value
	calls atomic.Int64
}

func (h *constHandler) Invoke(context.Context, *effects.Call) (effects.Value, error) {
	h.calls.Add(1)
	return h.v, nil
}

func opIDs(specs []effects.OpSpec) []string {
	var out []string
	for _, s := range specs {
		out = append(out, string(s.ID))
	}
	return out
}

func TestRegisterConflictIsAllOrNothingAndNamesBoth(t *testing.T) {
	r := effects.NewRegistry()
	if err := r.Register("crypto", &constHandler{}, spec("crypto.hash"), spec("crypto.sign")); err != nil {
		t.Fatal(err)
	}
	err := r.Register("my-crypto", &constHandler{}, spec("crypto.verify"), spec("crypto.sign"), spec("crypto.seal"))
	var ce *effects.ConflictError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want a *ConflictError", err)
	}
	if ce.Op != "crypto.sign" || ce.Existing != "crypto" || ce.Claimant != "my-crypto" {
		t.Errorf("ConflictError = %+v, want crypto.sign served by crypto, claimed by my-crypto", ce)
	}
	for _, want := range []string{"crypto.sign", `"crypto"`, `"my-crypto"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
	// Nothing of the failed registration stuck, not even the ops before the
	// conflicting one.
	for _, op := range []effects.OpID{"crypto.verify", "crypto.seal"} {
		if r.Has(op) {
			t.Errorf("%s was registered by a failed Register", op)
		}
	}
	if e, _ := r.Lookup("crypto.sign"); e.Provider != "crypto" {
		t.Errorf("crypto.sign now served by %q, want the first provider kept", e.Provider)
	}
	if n := len(r.Entries()); n != 2 {
		t.Errorf("%d entries after a failed Register, want 2", n)
	}
}

func TestRegisterSameProviderTwiceIsAConflict(t *testing.T) {
	r := effects.NewRegistry()
	if err := r.Register("clock", &constHandler{}, spec("clock.now")); err != nil {
		t.Fatal(err)
	}
	var ce *effects.ConflictError
	if err := r.Register("clock", &constHandler{}, spec("clock.now")); !errors.As(err, &ce) {
		t.Fatalf("re-registering an op: err = %v, want a *ConflictError", err)
	}
}

func TestRegisterRejectsInvalidSpecAtomically(t *testing.T) {
	r := effects.NewRegistry()
	bad := effects.OpSpec{ID: "clock.now"} // no determinism class
	err := r.Register("clock", &constHandler{}, spec("clock.sleep_ms"), bad)
	if err == nil {
		t.Fatal("Register accepted an invalid spec")
	}
	var ce *effects.ConflictError
	if errors.As(err, &ce) {
		t.Errorf("an invalid spec reported as a conflict: %v", err)
	}
	if !strings.Contains(err.Error(), "clock") || !strings.Contains(err.Error(), "determinism") {
		t.Errorf("error %q should name the provider and the problem", err)
	}
	if r.Has(effects.ClockSleepMS) {
		t.Error("the valid spec before the invalid one was registered")
	}
}

func TestRegisterNilHandlerPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Register with a nil handler did not panic")
		}
	}()
	_ = effects.NewRegistry().Register("p", nil, spec("a.b"))
}

func newPopulatedRegistry(t *testing.T) *effects.Registry {
	t.Helper()
	r := effects.NewRegistry()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(r.Register("storage", &constHandler{}, spec("storage.store"), spec("storage.retrieve"), spec("storage.exists")))
	must(r.Register("crypto", &constHandler{}, spec("crypto.sign"), spec("crypto.hash")))
	must(r.Register("extra-crypto", &constHandler{}, spec("crypto.aead_seal")))
	must(r.Register("clock", &constHandler{}, spec("clock.now")))
	return r
}

func TestLookupAndHas(t *testing.T) {
	r := newPopulatedRegistry(t)
	e, ok := r.Lookup(effects.CryptoAEADSeal)
	if !ok || e.Provider != "extra-crypto" || e.Spec.ID != effects.CryptoAEADSeal || e.Handler == nil {
		t.Fatalf("Lookup(crypto.aead_seal) = %+v, %v", e, ok)
	}
	if !r.Has(effects.StorageStore) {
		t.Error("Has(storage.store) = false")
	}
	if _, ok := r.Lookup("storage.nope"); ok || r.Has("storage.nope") {
		t.Error("an unregistered op was found")
	}
}

func TestListingsAreSorted(t *testing.T) {
	r := newPopulatedRegistry(t)

	if got, want := r.Families(), []string{"clock", "crypto", "storage"}; !slices.Equal(got, want) {
		t.Errorf("Families() = %q, want %q", got, want)
	}
	if got, want := opIDs(r.Operations("crypto")), []string{"crypto.aead_seal", "crypto.hash", "crypto.sign"}; !slices.Equal(got, want) {
		t.Errorf("Operations(crypto) = %q, want %q", got, want)
	}
	if got := r.Operations("random"); len(got) != 0 {
		t.Errorf("Operations(random) = %v, want none", got)
	}

	var ids []string
	for _, e := range r.Entries() {
		ids = append(ids, string(e.Spec.ID))
	}
	want := []string{"clock.now", "crypto.aead_seal", "crypto.hash", "crypto.sign", "storage.exists", "storage.retrieve", "storage.store"}
	if !slices.Equal(ids, want) {
		t.Errorf("Entries() = %q, want %q", ids, want)
	}

	caps := r.Capabilities()
	got := make([]string, len(caps))
	for i, c := range caps {
		ops := make([]string, len(c.Ops))
		for j, op := range c.Ops {
			ops[j] = string(op)
		}
		got[i] = fmt.Sprintf("%s %v %v", c.Family, c.Providers, ops)
	}
	wantCaps := []string{
		"clock [clock] [clock.now]",
		"crypto [crypto extra-crypto] [crypto.aead_seal crypto.hash crypto.sign]",
		"storage [storage] [storage.exists storage.retrieve storage.store]",
	}
	if !slices.Equal(got, wantCaps) {
		t.Errorf("Capabilities() =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantCaps, "\n"))
	}
}

func TestEmptyRegistry(t *testing.T) {
	r := effects.NewRegistry()
	if len(r.Families()) != 0 || len(r.Entries()) != 0 || len(r.Capabilities()) != 0 || r.Has("a.b") {
		t.Fatal("a new registry is not empty")
	}
	if n := r.Unregister("nobody"); n != 0 {
		t.Fatalf("Unregister on an empty registry = %d", n)
	}
}

func TestEntriesReturnsCopies(t *testing.T) {
	r := newPopulatedRegistry(t)
	es := r.Entries()
	es[0].Provider = "mallory"
	if e, _ := r.Lookup(es[0].Spec.ID); e.Provider == "mallory" {
		t.Fatal("modifying Entries() changed the registry")
	}
}

func TestUnregisterRemovesOnlyThatProvider(t *testing.T) {
	r := newPopulatedRegistry(t)
	if n := r.Unregister("crypto"); n != 2 {
		t.Fatalf("Unregister(crypto) = %d, want 2", n)
	}
	if r.Has("crypto.sign") || r.Has(effects.CryptoHash) {
		t.Error("crypto's ops are still registered")
	}
	if !r.Has(effects.CryptoAEADSeal) || !r.Has(effects.StorageStore) {
		t.Error("another provider's ops were removed")
	}
	if n := r.Unregister("crypto"); n != 0 {
		t.Errorf("second Unregister(crypto) = %d, want 0", n)
	}
	// The freed op can be claimed by someone else now.
	if err := r.Register("new-crypto", &constHandler{}, spec("crypto.sign")); err != nil {
		t.Errorf("re-registering a freed op: %v", err)
	}
}

func TestInvoke(t *testing.T) {
	r := effects.NewRegistry()
	var seen effects.Call
	sign := effects.HandlerFunc(func(ctx context.Context, c *effects.Call) (effects.Value, error) {
		seen = *c
		msg, _ := c.Arg("msg").AsBytes()
		return effects.Bytes(append([]byte("sig:"), msg...)), nil
	})
	failing := effects.HandlerFunc(func(context.Context, *effects.Call) (effects.Value, error) {
		return effects.Value{}, effects.Errorf(effects.CodeNotFound, "no such key")
	})
	honoursCtx := effects.HandlerFunc(func(ctx context.Context, _ *effects.Call) (effects.Value, error) {
		<-ctx.Done()
		return effects.Value{}, ctx.Err()
	})
	if err := r.Register("crypto", sign, spec("crypto.sign",
		effects.Param{Name: "msg", Kind: effects.KindBytes},
		effects.Param{Name: "key", Kind: effects.KindBytes})); err != nil {
		t.Fatal(err)
	}
	if err := r.Register("storage", failing, spec("storage.retrieve")); err != nil {
		t.Fatal(err)
	}
	if err := r.Register("clock", honoursCtx, spec("clock.sleep_ms")); err != nil {
		t.Fatal(err)
	}
	args := effects.Map(map[string]effects.Value{"msg": effects.Bytes([]byte("hi")), "key": effects.Bytes([]byte("k"))})
	auth := effects.DeriveAuthorityID("alice", 1)

	t.Run("routes to the handler with the call intact", func(t *testing.T) {
		got, err := r.Invoke(context.Background(), &effects.Call{Op: "crypto.sign", Args: args, Authority: auth})
		if err != nil {
			t.Fatal(err)
		}
		if want := effects.Bytes([]byte("sig:hi")); !got.Equal(want) {
			t.Errorf("result = %v, want %v", got, want)
		}
		if seen.Op != "crypto.sign" || seen.Authority != auth || !seen.Args.Equal(args) {
			t.Errorf("handler saw %+v", seen)
		}
	})
	t.Run("unknown op", func(t *testing.T) {
		_, err := r.Invoke(context.Background(), &effects.Call{Op: "crypto.nope", Args: args})
		if !errors.Is(err, effects.ErrUnknownOp) {
			t.Fatalf("err = %v, want unknown_op", err)
		}
		if e := effects.AsError(err); e.Op != "crypto.nope" {
			t.Errorf("error does not name the op: %+v", e)
		}
	})
	t.Run("invalid args never reach the handler", func(t *testing.T) {
		seen = effects.Call{}
		bad := effects.Map(map[string]effects.Value{"msg": effects.String("hi"), "key": effects.Bytes(nil)})
		_, err := r.Invoke(context.Background(), &effects.Call{Op: "crypto.sign", Args: bad})
		if !errors.Is(err, effects.ErrInvalidArgs) || !strings.Contains(err.Error(), `"msg"`) {
			t.Fatalf("err = %v, want invalid_args naming msg", err)
		}
		if seen.Op != "" {
			t.Error("the handler was called with invalid args")
		}
	})
	t.Run("handler error passes through", func(t *testing.T) {
		_, err := r.Invoke(context.Background(), &effects.Call{Op: effects.StorageRetrieve})
		if !errors.Is(err, effects.ErrNotFound) {
			t.Fatalf("err = %v, want not_found", err)
		}
	})
	t.Run("cancellation reaches the handler", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := r.Invoke(ctx, &effects.Call{Op: effects.ClockSleepMS})
		if !errors.Is(effects.AsError(err), effects.ErrCancelled) {
			t.Fatalf("err = %v, want it to become cancelled", err)
		}
	})
}

// Registration happens while calls are already being served (a plugin
// restarting): readers must see a consistent snapshot, and -race must stay
// quiet.
func TestConcurrentRegisterAndLookup(t *testing.T) {
	r := effects.NewRegistry()
	const writers, opsPerWriter, readers = 8, 20, 8
	h := &constHandler{v: effects.Bool(true)}

	var wg sync.WaitGroup
	stop := make(chan struct{})
	var readErr atomic.Value
	for range readers {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				entries := r.Entries()
				if !slices.IsSortedFunc(entries, func(a, b effects.Entry) int { return strings.Compare(string(a.Spec.ID), string(b.Spec.ID)) }) {
					readErr.Store("Entries() not sorted")
				}
				for _, e := range entries {
					if !r.Has(e.Spec.ID) {
						readErr.Store(fmt.Sprintf("%s listed but Has is false", e.Spec.ID))
					}
					if _, err := r.Invoke(context.Background(), &effects.Call{Op: e.Spec.ID}); err != nil {
						readErr.Store(err.Error())
					}
				}
				_ = r.Capabilities()
			}
		})
	}
	var writersWG sync.WaitGroup
	for w := range writers {
		writersWG.Go(func() {
			provider := fmt.Sprintf("p%d", w)
			for i := range opsPerWriter {
				if err := r.Register(provider, h, spec(fmt.Sprintf("fam%d.op%d", w%3, w*opsPerWriter+i))); err != nil {
					readErr.Store(err.Error())
				}
			}
		})
	}
	writersWG.Wait()
	close(stop)
	wg.Wait()
	if msg := readErr.Load(); msg != nil {
		t.Fatal(msg)
	}
	if n := len(r.Entries()); n != writers*opsPerWriter {
		t.Fatalf("%d entries, want %d", n, writers*opsPerWriter)
	}
}

// When many providers race to claim one op, exactly one wins and every
// loser is told who did.
func TestConcurrentClaimsHaveOneWinner(t *testing.T) {
	r := effects.NewRegistry()
	const claimants = 16
	errs := make([]error, claimants)
	var wg sync.WaitGroup
	for i := range claimants {
		wg.Go(func() {
			errs[i] = r.Register(fmt.Sprintf("p%02d", i), &constHandler{}, spec("random.bytes"))
		})
	}
	wg.Wait()
	winner, ok := r.Lookup("random.bytes")
	if !ok {
		t.Fatal("nobody registered random.bytes")
	}
	wins := 0
	for i, err := range errs {
		if err == nil {
			wins++
			continue
		}
		var ce *effects.ConflictError
		if !errors.As(err, &ce) || ce.Existing != winner.Provider || ce.Claimant != fmt.Sprintf("p%02d", i) {
			t.Errorf("claimant %d: err = %v, want a conflict naming %s", i, err, winner.Provider)
		}
	}
	if wins != 1 {
		t.Fatalf("%d claimants won, want 1", wins)
	}
}

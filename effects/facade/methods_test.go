package facade_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/effects/facade"
)

// methodCase is one facade method call: the arguments it must send and a
// plugin-shaped reply it must decode to want.
type methodCase struct {
	name  string
	call  func(context.Context, *facade.Clients) (any, error)
	op    effects.OpID
	args  effects.Value // exactly what the plugin receives; null for no arguments
	reply effects.Value // shaped as the plugin builds it
	want  any
}

func allCases() []methodCase {
	var cs []methodCase
	for _, family := range [][]methodCase{
		cryptoCases(), frostCases(), storageCases(), clockCases(), randomCases(), consoleCases(),
		journalCases(), networkCases(), sessionCases(), authCases(), invitationCases(), recoveryCases(), rendezvousCases(), deviceCases(), coverCases(), holdCases(), socialCases(), ceremonyCases(),
		reactiveCases(),
	} {
		cs = append(cs, family...)
	}
	return cs
}

// TestMethodsBuildArgsAndDecode checks, for every method, the operation it
// calls, the arguments it sends (names, kinds, values) and what it decodes
// from a reply shaped as the plugin shapes it.
func TestMethodsBuildArgsAndDecode(t *testing.T) {
	for _, tc := range allCases() {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			f.reply(tc.op, tc.reply)
			got, err := tc.call(t.Context(), f.clients())
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			calls := f.take()
			if len(calls) != 1 {
				t.Fatalf("made %d calls, want exactly 1", len(calls))
			}
			if calls[0].Op != tc.op {
				t.Errorf("called %s, want %s", calls[0].Op, tc.op)
			}
			if !calls[0].Args.Equal(tc.args) {
				t.Errorf("sent arguments\n  %v\nwant\n  %v", calls[0].Args, tc.args)
			}
			if diff := cmp.Diff(tc.want, got, valueEqual); diff != "" {
				t.Errorf("decoded (-want +got):\n%s", diff)
			}
		})
	}
}

// wrongKind returns a value of another kind than v.
func wrongKind(v effects.Value) effects.Value {
	if v.Kind() == effects.KindString {
		return effects.Bytes([]byte("not a string"))
	}
	return effects.String("not the result")
}

// TestMethodsRejectAResultOfTheWrongKind gives every method a result of
// another kind than its plugin's, and wants an internal error naming the
// operation, with a ShapeError as its cause.
func TestMethodsRejectAResultOfTheWrongKind(t *testing.T) {
	for _, tc := range allCases() {
		if tc.op == effects.JournalView || tc.op == effects.ReactiveRead || tc.op == effects.ReactiveRegister {
			continue // a view, a signal's value: any value, there is no wrong kind
		}
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			f.reply(tc.op, wrongKind(tc.reply))
			_, err := tc.call(t.Context(), f.clients())
			checkShapeError(t, err, tc.op, "")
		})
	}
}

// checkShapeError wants err to be an internal *effects.Error of op caused
// by a ShapeError at field.
func checkShapeError(t *testing.T, err error, op effects.OpID, field string) {
	t.Helper()
	var e *effects.Error
	if !errors.As(err, &e) || e.Code != effects.CodeInternal || e.Op != op {
		t.Fatalf("error %v, want an internal *effects.Error of %s", err, op)
	}
	if !errors.Is(err, effects.ErrInternal) {
		t.Errorf("errors.Is(%v, ErrInternal) is false", err)
	}
	var shape *facade.ShapeError
	if !errors.As(err, &shape) {
		t.Fatalf("error %v has no ShapeError cause", err)
	}
	if shape.Op != op || shape.Field != field {
		t.Errorf("ShapeError names %s field %q, want %s field %q (%v)", shape.Op, shape.Field, op, field, err)
	}
}

// TestEveryContractIsExercised keeps the table complete: each operation a
// facade declares has a case.
func TestEveryContractIsExercised(t *testing.T) {
	covered := map[effects.OpID]bool{}
	for _, tc := range allCases() {
		covered[tc.op] = true
	}
	for _, c := range facade.Contracts() {
		if !covered[c.Op] {
			t.Errorf("facade.%s (%s) has no case in the method table", c.Method, c.Op)
		}
	}
}

// TestInvokerErrorsPassThrough checks that an error from the invoker comes
// back unchanged, so callers can match it by code.
func TestInvokerErrorsPassThrough(t *testing.T) {
	f := newFake(t)
	notFound := &effects.Error{Code: effects.CodeNotFound, Op: effects.StorageRetrieve, Message: `no value stored under key "k"`}
	f.fail(effects.StorageRetrieve, notFound)
	_, err := f.clients().Storage.Retrieve(t.Context(), "k")
	if err != notFound {
		t.Errorf("error %v, want the invoker's error unchanged", err)
	}
	if !errors.Is(err, effects.ErrNotFound) {
		t.Errorf("errors.Is(%v, ErrNotFound) is false", err)
	}

	// The registry's own error for an operation nobody serves.
	_, err = facade.New(effects.NewRegistry()).Clock.PhysicalTime(t.Context())
	if !errors.Is(err, effects.ErrUnknownOp) {
		t.Errorf("without a clock plugin: %v, want unknown_op", err)
	}
}

// TestCallsCarryTheScope checks that every call carries the clients'
// scope, and that WithScope changes it for the new clients only.
func TestCallsCarryTheScope(t *testing.T) {
	f := newFake(t)
	f.reply(effects.RandomU64, u64(1))
	scope := facade.Scope{
		Authority: effects.DeriveAuthorityID("alice", 1),
		Context:   effects.DeriveContextID("chat", 1),
		Session:   effects.DeriveSessionID("s", 1),
	}
	fx := facade.NewScoped(f.reg, scope)
	if fx.Scope() != scope {
		t.Errorf("Scope() = %v, want %v", fx.Scope(), scope)
	}
	other := fx.WithScope(facade.Scope{Authority: effects.DeriveAuthorityID("bob", 1)})
	for _, c := range []*facade.Clients{fx, other, fx} {
		if _, err := c.Random.Uint64(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	calls := f.take()
	want := []facade.Scope{scope, other.Scope(), scope}
	for i, c := range calls {
		if got := (facade.Scope{Authority: c.Authority, Context: c.Context, Session: c.Session}); got != want[i] {
			t.Errorf("call %d carries %+v, want %+v", i, got, want[i])
		}
	}
}

func TestNewPanicsOnANilInvoker(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("New(nil) did not panic")
		}
	}()
	facade.New(nil)
}

// TestCancellationReachesTheInvoker checks that the caller's context is
// the one the handler sees.
func TestCancellationReachesTheInvoker(t *testing.T) {
	f := newFake(t)
	f.answer(effects.ClockSleepMS, func(ctx context.Context, _ *effects.Call) (effects.Value, error) {
		<-ctx.Done()
		return effects.Value{}, effects.AsError(ctx.Err())
	})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := f.clients().Clock.Sleep(ctx, 1<<40)
	if !errors.Is(err, effects.ErrCancelled) {
		t.Errorf("Sleep with a cancelled context: %v, want cancelled", err)
	}
}

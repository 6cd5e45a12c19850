package effects_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aurahost/aura-host/effects"
)

var sentinels = map[effects.Code]*effects.Error{
	effects.CodeUnknownOp:     effects.ErrUnknownOp,
	effects.CodeInvalidArgs:   effects.ErrInvalidArgs,
	effects.CodeDenied:        effects.ErrDenied,
	effects.CodeUnavailable:   effects.ErrUnavailable,
	effects.CodeTimeout:       effects.ErrTimeout,
	effects.CodeCancelled:     effects.ErrCancelled,
	effects.CodeNotFound:      effects.ErrNotFound,
	effects.CodeConflict:      effects.ErrConflict,
	effects.CodeExhausted:     effects.ErrExhausted,
	effects.CodeInvalidConfig: effects.ErrInvalidConfig,
	effects.CodeInternal:      effects.ErrInternal,
}

func TestErrorsIsMatchesSentinelByCodeOnly(t *testing.T) {
	for code := range sentinels {
		err := error(&effects.Error{Code: code, Op: effects.CryptoHash, Plugin: "crypto", Message: "m", Err: io.EOF})
		wrapped := fmt.Errorf("host: routing: %w", err)
		for otherCode, sentinel := range sentinels {
			want := otherCode == code
			if got := errors.Is(err, sentinel); got != want {
				t.Errorf("errors.Is(%s error, Err for %s) = %v, want %v", code, otherCode, got, want)
			}
			if got := errors.Is(wrapped, sentinel); got != want {
				t.Errorf("errors.Is(wrapped %s error, Err for %s) = %v, want %v", code, otherCode, got, want)
			}
		}
		if !errors.Is(err, io.EOF) {
			t.Errorf("%s error does not unwrap to its cause", code)
		}
	}
}

func TestErrorsIsDoesNotTreatDetailedErrorsAsSentinels(t *testing.T) {
	err := &effects.Error{Code: effects.CodeDenied, Op: "a.b"}
	// A target with details is a specific error, not a code sentinel.
	if errors.Is(err, &effects.Error{Code: effects.CodeDenied, Message: "other"}) {
		t.Error("matched a detailed, non-sentinel target by code")
	}
	if !errors.Is(err, err) {
		t.Error("an error does not match itself")
	}
	if errors.Is(errors.New("denied"), effects.ErrDenied) {
		t.Error("a plain error matched a sentinel")
	}
}

func TestAsError(t *testing.T) {
	plain := errors.New("disk on fire")
	typed := &effects.Error{Code: effects.CodeNotFound, Op: effects.StorageRetrieve, Message: "no key"}
	expired, cancel := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel()
	<-expired.Done()
	cancelled, cancel2 := context.WithCancel(context.Background())
	cancel2()

	tests := []struct {
		name     string
		in       error
		wantCode effects.Code
		wantSame *effects.Error // the very *Error expected back, if any
		wantWrap error          // a cause errors.Is must still find
	}{
		{"context.Canceled", context.Canceled, effects.CodeCancelled, nil, context.Canceled},
		{"cancelled context's Err", cancelled.Err(), effects.CodeCancelled, nil, context.Canceled},
		{"wrapped context.Canceled", fmt.Errorf("dial: %w", context.Canceled), effects.CodeCancelled, nil, context.Canceled},
		{"context.DeadlineExceeded", context.DeadlineExceeded, effects.CodeTimeout, nil, context.DeadlineExceeded},
		{"expired context's Err", expired.Err(), effects.CodeTimeout, nil, context.DeadlineExceeded},
		{"wrapped DeadlineExceeded", fmt.Errorf("read: %w", context.DeadlineExceeded), effects.CodeTimeout, nil, context.DeadlineExceeded},
		{"plain error", plain, effects.CodeInternal, nil, plain},
		{"*Error", typed, effects.CodeNotFound, typed, nil},
		{"wrapped *Error", fmt.Errorf("router: %w", typed), effects.CodeNotFound, typed, nil},
		{"*Error wrapping a context error keeps its own code", &effects.Error{Code: effects.CodeUnavailable, Err: context.Canceled}, effects.CodeUnavailable, nil, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := effects.AsError(tt.in)
			if got == nil {
				t.Fatal("AsError returned nil")
			}
			if got.Code != tt.wantCode {
				t.Errorf("Code = %s, want %s", got.Code, tt.wantCode)
			}
			if tt.wantSame != nil && got != tt.wantSame {
				t.Errorf("AsError returned a new *Error, want the one in the chain")
			}
			if tt.wantWrap != nil && !errors.Is(got, tt.wantWrap) {
				t.Errorf("AsError result does not wrap %v", tt.wantWrap)
			}
			if !errors.Is(got, sentinels[tt.wantCode]) {
				t.Errorf("AsError result does not match the %s sentinel", tt.wantCode)
			}
		})
	}
	if effects.AsError(nil) != nil {
		t.Error("AsError(nil) != nil")
	}
}

func TestErrorMessageForms(t *testing.T) {
	tests := []struct {
		name string
		err  *effects.Error
		want string
	}{
		{"code only", &effects.Error{Code: effects.CodeDenied}, "denied"},
		{"code and message", &effects.Error{Code: effects.CodeDenied, Message: "not your authority"}, "denied: not your authority"},
		{"op", &effects.Error{Code: effects.CodeUnknownOp, Op: "x.y", Message: "no handler"}, "x.y: unknown_op: no handler"},
		{"plugin", &effects.Error{Code: effects.CodeUnavailable, Plugin: "storage", Message: "restarting"}, "plugin storage: unavailable: restarting"},
		{"op and plugin", &effects.Error{Code: effects.CodeInternal, Op: effects.StorageStore, Plugin: "storage", Message: "disk full"}, "storage.store (plugin storage): internal: disk full"},
		{"op and plugin, no message", &effects.Error{Code: effects.CodeTimeout, Op: effects.ClockSleepMS, Plugin: "clock"}, "clock.sleep_ms (plugin clock): timeout"},
		{"cause stands in for a missing message", &effects.Error{Code: effects.CodeInternal, Err: io.ErrUnexpectedEOF}, "internal: unexpected EOF"},
		{"message wins over cause", &effects.Error{Code: effects.CodeInternal, Message: "decode reply", Err: io.ErrUnexpectedEOF}, "internal: decode reply"},
		{"Errorf", effects.Errorf(effects.CodeNotFound, "key %q", "k1"), `not_found: key "k1"`},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("%s: Error() = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestErrorfMarksOnlyUnavailableRetryable(t *testing.T) {
	for code := range sentinels {
		e := effects.Errorf(code, "x")
		if e.Code != code || e.Message != "x" {
			t.Errorf("Errorf(%s) = %+v", code, e)
		}
		if want := code == effects.CodeUnavailable; e.Retryable != want {
			t.Errorf("Errorf(%s).Retryable = %v, want %v", code, e.Retryable, want)
		}
	}
	if !effects.ErrUnavailable.Retryable {
		t.Error("ErrUnavailable is not retryable")
	}
}

func TestSentinelsAreDistinctAndBare(t *testing.T) {
	for code, s := range sentinels {
		if s.Code != code || s.Op != "" || s.Plugin != "" || s.Message != "" || s.Err != nil {
			t.Errorf("sentinel for %s is not a bare code: %+v", code, s)
		}
		if s.Error() != string(code) {
			t.Errorf("sentinel for %s prints %q", code, s.Error())
		}
	}
}

func TestConflictErrorNamesBothProviders(t *testing.T) {
	err := error(&effects.ConflictError{Op: effects.CryptoHash, Existing: "crypto", Claimant: "my-crypto"})
	msg := err.Error()
	for _, want := range []string{"crypto.hash", `"crypto"`, `"my-crypto"`} {
		if !strings.Contains(msg, want) {
			t.Errorf("ConflictError %q does not mention %s", msg, want)
		}
	}
	var ce *effects.ConflictError
	if !errors.As(fmt.Errorf("load: %w", err), &ce) || ce.Existing != "crypto" || ce.Claimant != "my-crypto" {
		t.Errorf("errors.As through a wrap = %+v", ce)
	}
}

func TestSendMayHaveHappened(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{&effects.Error{Code: effects.CodeDenied}, false},
		{&effects.Error{Code: effects.CodeExhausted}, false},
		{&effects.Error{Code: effects.CodeInvalidArgs}, false},
		{&effects.Error{Code: effects.CodeTimeout}, true},
		{&effects.Error{Code: effects.CodeUnavailable}, true},
		{context.DeadlineExceeded, true},
		{errors.New("connection reset"), true},
	}
	for _, tt := range tests {
		if got := effects.SendMayHaveHappened(tt.err); got != tt.want {
			t.Errorf("%v: %v, want %v", tt.err, got, tt.want)
		}
	}
}

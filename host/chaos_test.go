package host_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.etcd.io/bbolt"
	"go.uber.org/goleak"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
)

// TestChaos runs 64 concurrent callers for ~20s against a deployment
// whose storage plugin is SIGKILLed every 200–500ms and SIGSTOPped once,
// and checks that
//   - every call returns within its deadline (plus scheduling slack);
//   - every idempotent call eventually succeeds;
//   - every write acknowledged to a caller is in the bbolt file afterwards;
//   - the other plugin is unaffected;
//   - no plugin process remains after shutdown, and no goroutine leaks.
func TestChaos(t *testing.T) {
	if testing.Short() {
		t.Skip("chaos test takes ~20s")
	}
	// The fork thread lives as long as the process, by design (runner.go).
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent(),
		goleak.IgnoreTopFunction("github.com/aurahost/aura-host/host/supervise.(*forkThread).start.func1.1"))

	const (
		callers  = 64
		duration = 20 * time.Second
		deadline = 2 * time.Second
		slack    = time.Second // scheduling slack on a loaded 2-core machine under -race
	)
	dbPath := filepath.Join(t.TempDir(), "chaos.db")
	ev := newEvents()
	var pidsMu sync.Mutex
	pids := map[int]bool{}
	record := func(e host.Event) {
		ev.record(e)
		if e.PID != 0 {
			pidsMu.Lock()
			pids[e.PID] = true
			pidsMu.Unlock()
		}
	}
	h, err := host.New(host.Config{
		Deployment: deployment(t, `
deployment "chaos" {}
plugin "storage" {
  builtin = "storage"
  config { path = "`+dbPath+`" }
}
plugin "crypto" { builtin = "crypto" }
`),
		Executable: auraHost, Logger: quietLogger(t), StopTimeout: 2 * time.Second, OnEvent: record,
		Policies: map[string]host.Policy{"storage": {
			Health:  config.Health{Interval: 100 * time.Millisecond, Timeout: 100 * time.Millisecond, UnhealthyThreshold: 3},
			Restart: config.Restart{Attempts: 1000, Window: time.Minute, Delay: time.Millisecond, MaxDelay: 50 * time.Millisecond, Mode: config.RestartKeepTrying},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, p := range h.Plugins() {
		pids[p.PID] = true
	}

	ctx, stop := context.WithTimeout(context.Background(), duration)
	defer stop()
	var (
		wg           sync.WaitGroup
		acked        sync.Map // key → value of acknowledged writes
		calls, fails atomic.Int64
		lateMu       sync.Mutex
		late         []string
	)
	timed := func(op string, args map[string]effects.Value) (effects.Value, error) {
		cctx, cancel := context.WithTimeout(context.Background(), deadline)
		defer cancel()
		start := time.Now()
		v, err := h.Invoke(cctx, call(op, args))
		calls.Add(1)
		if err != nil {
			fails.Add(1)
		}
		if took := time.Since(start); took > deadline+slack {
			lateMu.Lock()
			late = append(late, fmt.Sprintf("%s took %v (err %v)", op, took, err))
			lateMu.Unlock()
		}
		return v, err
	}
	// untilSuccess repeats an idempotent call until it succeeds, backing
	// off between attempts as a well-behaved client does (64 callers
	// retrying in a hot loop would starve the host of CPU); the overall
	// test deadline bounds it.
	untilSuccess := func(op string, args map[string]effects.Value) (effects.Value, error) {
		giveUp := time.Now().Add(duration + 30*time.Second)
		for attempt := 0; ; attempt++ {
			v, err := timed(op, args)
			if err == nil || time.Now().After(giveUp) {
				return v, err
			}
			var e *effects.Error
			if errors.As(err, &e) && !e.Retryable && e.Code != effects.CodeTimeout {
				return v, err
			}
			pause := time.NewTimer(time.Duration(5+rand.IntN(10<<min(attempt, 4))) * time.Millisecond)
			<-pause.C
		}
	}
	for c := range callers {
		wg.Go(func() {
			for seq := 0; ctx.Err() == nil; seq++ {
				key := fmt.Sprintf("caller-%02d/%06d", c, seq)
				value := effects.Bytes([]byte(key))
				switch seq % 3 {
				case 0, 1:
					if _, err := untilSuccess("storage.store", map[string]effects.Value{"key": effects.String(key), "value": value}); err != nil {
						t.Errorf("idempotent store %s never succeeded: %v", key, err)
						return
					}
					acked.Store(key, key)
					if seq%3 == 1 {
						got, err := untilSuccess("storage.retrieve", map[string]effects.Value{"key": effects.String(key)})
						if err != nil || got.BytesString() != key {
							t.Errorf("retrieve %s: got %v, %v", key, got, err)
							return
						}
					}
				case 2:
					if _, err := timed("crypto.hash", map[string]effects.Value{"data": value}); err != nil {
						t.Errorf("crypto, which nobody kills, failed: %v", err)
						return
					}
				}
			}
		})
	}

	// The chaos monkey: SIGKILL storage every 200–500ms, SIGSTOP it once.
	kills, stops := 0, 0
	monkey := time.NewTimer(300 * time.Millisecond)
	stopAt := time.Now().Add(duration / 2)
chaos:
	for {
		select {
		case <-ctx.Done():
			break chaos
		case <-monkey.C:
		}
		pid := h.Plugins()[0].PID
		if pid != 0 {
			pidsMu.Lock()
			pids[pid] = true
			pidsMu.Unlock()
			sig := syscall.SIGKILL
			if stops == 0 && time.Now().After(stopAt) {
				sig = syscall.SIGSTOP
				stops++
			} else {
				kills++
			}
			_ = syscall.Kill(pid, sig)
		}
		monkey.Reset(time.Duration(200+rand.IntN(300)) * time.Millisecond)
	}
	wg.Wait()
	st := h.Plugins()[0]
	t.Logf("%d calls (%d failed and were retried), %d SIGKILLs, %d SIGSTOP, storage restarted %d times in the window; p50 ≤%v p99 ≤%v",
		calls.Load(), fails.Load(), kills, stops, st.Restarts, st.P50, st.P99)
	if kills < 20 || stops != 1 {
		t.Errorf("the monkey did too little: %d kills, %d stops", kills, stops)
	}
	for _, l := range late {
		t.Errorf("call overran its deadline: %s", l)
	}

	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := h.Shutdown(shutdownCtx); err != nil {
		t.Errorf("shutdown: %v", err)
	}
	var all []int
	for pid := range pids {
		all = append(all, pid)
	}
	waitGone(t, all, 5*time.Second)

	// Every acknowledged write is in the file, read back with bbolt itself.
	db, err := bbolt.Open(dbPath, 0o600, &bbolt.Options{Timeout: 5 * time.Second, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	missing, total := 0, 0
	err = db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte("aura.storage.v1"))
		if b == nil {
			return errors.New("storage bucket missing")
		}
		acked.Range(func(k, v any) bool {
			total++
			if string(b.Get([]byte(k.(string)))) != v.(string) {
				missing++
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged writes are missing from the database", missing, total)
	}
	t.Logf("all %d acknowledged writes are durable", total)
}

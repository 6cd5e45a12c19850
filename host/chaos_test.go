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

// TestChaos runs 64 concurrent callers for ~20s (and until 20 kills)
// against a deployment whose storage plugin is SIGKILLed every 200–500ms
// and SIGSTOPped once,
// and checks that
//   - every call returns within its deadline (plus scheduling slack);
//   - every idempotent call eventually succeeds;
//   - every write acknowledged to a caller is in the bbolt file afterwards;
//   - the other plugin is unaffected;
//   - no plugin process remains after shutdown, and no goroutine leaks.
//
// It runs twice: with the storage plugin on its data plane (what sdk.Serve
// offers) and on InvokeStream (served without the data plane).
func TestChaos(t *testing.T) {
	if testing.Short() {
		t.Skip("chaos test takes ~20s per transport")
	}
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) { testChaos(t, tr.name) })
	}
}

func testChaos(t *testing.T, transport string) {
	// The fork thread lives as long as the process, by design (runner.go).
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent(),
		goleak.IgnoreTopFunction("github.com/aurahost/aura-host/host/supervise.(*forkThread).start.func1.1"))

	c := startChaos(t, transport)
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for caller := range chaosCallers {
		wg.Go(func() { c.caller(ctx, caller) })
	}
	kills, stops := c.monkey()
	stop()
	wg.Wait()
	st := c.h.Plugins()[0]
	t.Logf("%d calls (%d failed and were retried), %d SIGKILLs, %d SIGSTOP, storage restarted %d times in the window; p50 ≤%v p99 ≤%v",
		c.calls.Load(), c.fails.Load(), kills, stops, st.Restarts, st.P50, st.P99)
	if kills < chaosKills || stops != 1 {
		t.Errorf("the monkey did too little in %v: %d kills, %d stops (the plugin was seldom up to be killed)", chaosCap, kills, stops)
	}
	for _, l := range c.late {
		t.Errorf("call overran its deadline: %s", l)
	}

	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c.h.Shutdown(shutdownCtx); err != nil {
		t.Errorf("shutdown: %v", err)
	}
	waitGone(t, c.seenPIDs(), 5*time.Second)
	c.checkDurable()
}

const (
	chaosCallers  = 64
	chaosDuration = 20 * time.Second // at least this long, and until chaosKills
	chaosKills    = 20
	chaosCap      = 3 * chaosDuration // a monkey that cannot kill enough by then fails the test
	chaosDeadline = 2 * time.Second
	chaosSlack    = time.Second // scheduling slack on a loaded 2-core machine under -race
)

// chaos is one run of TestChaos: the host under attack, what its callers
// were told, and every plugin PID seen (all must be gone at the end).
type chaos struct {
	t      *testing.T
	h      *host.Host
	dbPath string

	acked        sync.Map // key → value of acknowledged writes
	calls, fails atomic.Int64
	lateMu       sync.Mutex
	late         []string

	pidsMu sync.Mutex
	pids   map[int]bool
}

func startChaos(t *testing.T, transport string) *chaos {
	c := &chaos{t: t, dbPath: filepath.Join(t.TempDir(), "chaos.db"), pids: map[int]bool{}}
	ev := newEvents()
	record := func(e host.Event) {
		ev.record(e)
		if e.PID != 0 {
			c.sawPID(e.PID)
		}
	}
	h, err := host.New(host.Config{
		Deployment: deployment(t, `
deployment "chaos" {}
plugin "storage" {
  builtin = "storage"
  config { path = "`+c.dbPath+`" }
  `+builtinEnv(transport)+`
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
	c.h = h
	for _, p := range h.Plugins() {
		c.sawPID(p.PID)
	}
	if got := h.Plugins()[0].Transport; got != transport {
		t.Fatalf("storage's calls travel on %q, want %q", got, transport)
	}
	return c
}

func (c *chaos) sawPID(pid int) {
	c.pidsMu.Lock()
	c.pids[pid] = true
	c.pidsMu.Unlock()
}

func (c *chaos) seenPIDs() []int {
	c.pidsMu.Lock()
	defer c.pidsMu.Unlock()
	var all []int
	for pid := range c.pids {
		all = append(all, pid)
	}
	return all
}

// timed makes one call under its deadline and notes a call that overran it.
func (c *chaos) timed(op string, args map[string]effects.Value) (effects.Value, error) {
	cctx, cancel := context.WithTimeout(context.Background(), chaosDeadline)
	defer cancel()
	start := time.Now()
	v, err := c.h.Invoke(cctx, call(op, args))
	c.calls.Add(1)
	if err != nil {
		c.fails.Add(1)
	}
	if took := time.Since(start); took > chaosDeadline+chaosSlack {
		c.lateMu.Lock()
		c.late = append(c.late, fmt.Sprintf("%s took %v (err %v)", op, took, err))
		c.lateMu.Unlock()
	}
	return v, err
}

// untilSuccess repeats an idempotent call until it succeeds, backing off
// between attempts as a well-behaved client does (64 callers retrying in a
// hot loop would starve the host of CPU); the overall test deadline bounds
// it.
func (c *chaos) untilSuccess(op string, args map[string]effects.Value) (effects.Value, error) {
	giveUp := time.Now().Add(chaosDuration + 30*time.Second)
	for attempt := 0; ; attempt++ {
		v, err := c.timed(op, args)
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

// caller stores, reads back and hashes until ctx ends: two of three calls
// go to the storage plugin under attack, the third to crypto, which nobody
// kills.
func (c *chaos) caller(ctx context.Context, id int) {
	for seq := 0; ctx.Err() == nil; seq++ {
		key := fmt.Sprintf("caller-%02d/%06d", id, seq)
		value := effects.Bytes([]byte(key))
		switch seq % 3 {
		case 0, 1:
			if _, err := c.untilSuccess("storage.store", map[string]effects.Value{"key": effects.String(key), "value": value}); err != nil {
				c.t.Errorf("idempotent store %s never succeeded: %v", key, err)
				return
			}
			c.acked.Store(key, key)
			if seq%3 == 1 {
				got, err := c.untilSuccess("storage.retrieve", map[string]effects.Value{"key": effects.String(key)})
				if err != nil || got.BytesString() != key {
					c.t.Errorf("retrieve %s: got %v, %v", key, got, err)
					return
				}
			}
		case 2:
			if _, err := c.timed("crypto.hash", map[string]effects.Value{"data": value}); err != nil {
				c.t.Errorf("crypto, which nobody kills, failed: %v", err)
				return
			}
		}
	}
}

// monkey kills the storage plugin every 200–500 ms, and stops it once
// halfway, for chaosDuration and until it has killed chaosKills times (a
// loaded machine restarts the plugin more slowly, so the window is counted
// in kills, not only in time), but no longer than chaosCap.
func (c *chaos) monkey() (kills, stops int) {
	timer := time.NewTimer(300 * time.Millisecond)
	start := time.Now()
	stopAt := start.Add(chaosDuration / 2)
	for {
		<-timer.C
		if elapsed := time.Since(start); (elapsed >= chaosDuration && kills >= chaosKills && stops == 1) || elapsed >= chaosCap {
			return kills, stops
		}
		if pid := c.h.Plugins()[0].PID; pid != 0 {
			c.sawPID(pid)
			sig := syscall.SIGKILL
			if stops == 0 && time.Now().After(stopAt) {
				sig = syscall.SIGSTOP
				stops++
			} else {
				kills++
			}
			_ = syscall.Kill(pid, sig)
		}
		timer.Reset(time.Duration(200+rand.IntN(300)) * time.Millisecond)
	}
}

// checkDurable reads the database back with bbolt itself: every
// acknowledged write must be there.
func (c *chaos) checkDurable() {
	t := c.t
	db, err := bbolt.Open(c.dbPath, 0o600, &bbolt.Options{Timeout: 5 * time.Second, ReadOnly: true})
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
		c.acked.Range(func(k, v any) bool {
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

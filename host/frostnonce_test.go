package host_test

import (
	"encoding/hex"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host"
	"github.com/aurahost/aura-host/host/supervise"
)

// The acceptance test of issue 12 ("Nonces").
const (
	nonceSignings    = 1000
	nonceKillEvery   = 50
	nonceEventWithin = 20 * time.Second // a fail-safe for a restart under -race, not a timing assertion
)

// TestNoFROSTNonceRepeatsAcrossPluginRestarts runs the built-in crypto
// plugin as a process under the host in the testing mode with a fixed
// seed, asks it for nonces 1,000 times with one key share, SIGKILLs it
// every 50 calls and waits (on the host's state events) for the
// supervisor to start it again, and checks that all 2,000 hiding and
// binding commitments are distinct. A plugin whose seeded draws restarted
// with its process would hand out its first nonces again after each
// restart, and a nonce used twice on different messages gives the key
// share away.
func TestNoFROSTNonceRepeatsAcrossPluginRestarts(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 signings and 19 plugin restarts: not in -short")
	}
	t.Parallel()
	h, ev := startSupervised(t, `
deployment "nonces" {
  mode = "testing"
  seed = 7
}
plugin "crypto" { builtin = "crypto" }
`, map[string]host.Policy{"crypto": {
		Health:  fastRestarts.Health,
		Restart: config.Restart{Attempts: 100, Window: time.Minute, Delay: time.Millisecond, MaxDelay: 20 * time.Millisecond},
	}})

	keys := invoke(t, h, "crypto.frost_generate_keys", map[string]effects.Value{"t": effects.Int(2), "n": effects.Int(3)})
	shares, _ := keys.Get("shares")
	share := shares.Items()[0]

	seen := map[string]string{} // commitment (hex) → which call and nonce made it
	kills := 0
	pids := map[int]bool{pidOf(t, h, "crypto"): true}
	for i := range nonceSignings {
		if i > 0 && i%nonceKillEvery == 0 {
			restartCrypto(t, h, ev)
			kills++
			pid := pidOf(t, h, "crypto")
			if pids[pid] {
				t.Fatalf("after kill %d the crypto plugin runs as pid %d, seen before", kills, pid)
			}
			pids[pid] = true
		}
		res := invoke(t, h, "crypto.frost_generate_nonces", map[string]effects.Value{"share": share})
		commitment, _ := res.Get("commitment")
		for _, which := range []string{"hiding", "binding"} {
			v, _ := commitment.Get(which)
			b, ok := v.AsBytes()
			if !ok || len(b) != 32 {
				t.Fatalf("call %d: %s commitment %v, want 32 bytes", i, which, v)
			}
			where := which + " commitment of call " + strconv.Itoa(i)
			if prev, dup := seen[hex.EncodeToString(b)]; dup {
				t.Fatalf("the %s repeats the %s (%d kills so far)", where, prev, kills)
			}
			seen[hex.EncodeToString(b)] = where
		}
	}
	if len(seen) != 2*nonceSignings || kills != nonceSignings/nonceKillEvery-1 {
		t.Fatalf("%d distinct commitments over %d kills, want %d over %d", len(seen), kills, 2*nonceSignings, nonceSignings/nonceKillEvery-1)
	}
	t.Logf("%d signings' nonces, %d distinct commitments, %d crypto processes", nonceSignings, len(seen), len(pids))
}

// restartCrypto SIGKILLs the crypto plugin's process and waits until the
// supervisor has noticed and serves it again from a new process.
func restartCrypto(t *testing.T, h *host.Host, ev *events) {
	t.Helper()
	from := ev.len()
	if err := syscall.Kill(pidOf(t, h, "crypto"), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_, i := ev.wait(t, from, nonceEventWithin, "crypto restarting", to("crypto", supervise.StateRestarting))
	ev.wait(t, i, nonceEventWithin, "crypto ready again", to("crypto", supervise.StateReady))
}

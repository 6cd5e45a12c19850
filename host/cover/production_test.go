package cover_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/cover"
	"github.com/aurahost/aura-host/host/internal/hosttest"
	"github.com/aurahost/aura-host/host/sim"
	"github.com/aurahost/aura-host/plugins"
)

// TestCoverOverTheTransport runs the cover service in production mode:
// two agents in this process, each on its own loopback port with the real
// transport, the real clock and randomness. Alice's cover crosses the
// transport, passes bob's guard chain (receipts checked against alice's
// device key) and is counted by bob's service; none is refused.
func TestCoverOverTheTransport(t *testing.T) {
	src := strings.NewReplacer(`builtin = "sim-clock"`, `builtin = "clock"`, `builtin = "sim-random"`, `builtin = "random"`,
		`builtin = "sim-network"`, `builtin = "transport"`, `mode = "simulation"`, `mode = "production"`,
		"privacy_mode = PRIVACY", "privacy_mode = true").Replace(coverDeployment)
	src = strings.Replace(src, `plugin "journal" { builtin = "journal" }`, `plugin "journal" { builtin = "journal" }
plugin "crypto" { builtin = "crypto" }`, 1)
	s, err := sim.New(t.Context(), sim.Config{Deployment: hosttest.Deployment(t, src), Mode: effects.Production,
		Builtins: plugins.Lookup, Logger: hosttest.QuietLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	alice, bob := s.Agent("alice"), s.Agent("bob")
	// Wait, on the wall clock the production agents run on, until bob has
	// counted four of alice's cover envelopes (two intervals of 500 ms
	// each at least); a minute bounds the wait, it measures nothing.
	deadline := time.Now().Add(time.Minute)
	for {
		got, _ := bob.CoverService().Status().Peer(alice.AuthorityID())
		if got.CoverReceived >= 4 {
			if got.Refused != 0 || got.Replayed != 0 {
				t.Fatalf("bob refused or dropped alice's cover as replayed: %+v", got)
			}
			break
		}
		if time.Now().After(deadline) {
			sent, _ := alice.CoverService().Status().Peer(bob.AuthorityID())
			t.Fatalf("bob counted %+v of alice's cover; alice: %+v, health %v", got, sent, alice.CoverService().Health())
		}
		wait := time.NewTimer(20 * time.Millisecond)
		select {
		case <-wait.C:
		case <-t.Context().Done():
			wait.Stop()
			t.Fatal(t.Context().Err())
		}
	}
	st, err := alice.Cover().Status(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !st.PrivacyMode || !st.Sending || len(st.Peers) != 1 || st.Peers[0].CoverSent < 4 || st.Peers[0].Path != cover.PathEstablished.String() {
		t.Fatalf("alice's cover.status through the facade: %+v", st)
	}
}

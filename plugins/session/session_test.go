package session

import (
	"context"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/plugintest"
	"github.com/aurahost/aura-host/plugins/internal/servicetest"
	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/sdk/sdktest"
)

var args, strs = plugintest.Args, plugintest.Strs

const t0 = 1_000_000

func createArgs(kind string, ttl int64, participants ...string) sdk.Value {
	return args("kind", sdk.String(kind), "participants", strs(participants...), "my_role", sdk.String("coordinator"), "ttl_ms", sdk.Int(ttl))
}

func id(s string) sdk.Value { return args("id", sdk.String(s)) }

func TestConformance(t *testing.T) {
	t.Parallel()
	sdktest.Conformance(t, New(),
		sdktest.WithHost(servicetest.NewHost(t0)),
		sdktest.WithSample(effects.SessionCreate, createArgs(KindCoordination, 1000, "alice")),
	)
}

func TestCreateValidatesItsArguments(t *testing.T) {
	t.Parallel()
	hs := servicetest.Start(t, New(), servicetest.NewHost(t0))
	cases := []struct {
		name     string
		args     sdk.Value
		fragment string
	}{
		{"unknown kind", createArgs("quorum", 10, "a"), `kind must be "coordination" or "threshold", got "quorum"`},
		{"no participants", createArgs(KindThreshold, 10), "at least one participant"},
		{"empty participant", createArgs(KindThreshold, 10, "a", ""), "participants[1] is empty"},
		{"repeated participant", createArgs(KindThreshold, 10, "a", "b", "a"), `participant "a" is listed twice`},
		{"participant not a string", args("kind", sdk.String(KindThreshold), "participants", sdk.List(sdk.Int(1)),
			"my_role", sdk.String("r"), "ttl_ms", sdk.Int(10)), "participants[0] is int, want string"},
		{"empty role", args("kind", sdk.String(KindThreshold), "participants", strs("a"),
			"my_role", sdk.String(""), "ttl_ms", sdk.Int(10)), "my_role must not be empty"},
		{"zero ttl", createArgs(KindThreshold, 0, "a"), "ttl_ms must be 1 or more, got 0"},
		{"negative ttl", createArgs(KindThreshold, -5, "a"), "ttl_ms must be 1 or more, got -5"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			plugintest.Fails(t, hs, effects.SessionCreate, tc.args, sdk.CodeInvalidArgs, tc.fragment)
		})
	}
}

func TestLifecycle(t *testing.T) {
	t.Parallel()
	type step func(t *testing.T, host *servicetest.Host, hs *sdktest.Harness, sid string)
	expectStatus := func(want string) step {
		return func(t *testing.T, _ *servicetest.Host, hs *sdktest.Harness, sid string) {
			if got := plugintest.Str(t, plugintest.Must(t, hs, effects.SessionGet, id(sid)), "status"); got != want {
				t.Fatalf("status = %q, want %q", got, want)
			}
		}
	}
	end := func(t *testing.T, _ *servicetest.Host, hs *sdktest.Harness, sid string) {
		plugintest.Must(t, hs, effects.SessionEnd, id(sid))
	}
	endFails := func(code sdk.Code, fragment string) step {
		return func(t *testing.T, _ *servicetest.Host, hs *sdktest.Harness, sid string) {
			plugintest.Fails(t, hs, effects.SessionEnd, id(sid), code, fragment)
		}
	}
	advance := func(ms int64) step {
		return func(_ *testing.T, host *servicetest.Host, _ *sdktest.Harness, _ string) { host.Advance(ms) }
	}
	clean := func(want int64) step {
		return func(t *testing.T, _ *servicetest.Host, hs *sdktest.Harness, _ string) {
			if got := plugintest.Must(t, hs, effects.SessionCleanExpired, sdk.Null()); !got.Equal(sdk.Int(want)) {
				t.Fatalf("clean_expired = %v, want %d", got, want)
			}
		}
	}
	getFails := func(t *testing.T, _ *servicetest.Host, hs *sdktest.Harness, sid string) {
		plugintest.Fails(t, hs, effects.SessionGet, id(sid), sdk.CodeNotFound, "never created, or cleaned after it expired")
	}
	cases := []struct {
		name  string
		steps []step
	}{
		{"active then ended", []step{expectStatus(StatusActive), end, expectStatus(StatusEnded)}},
		{"ended twice", []step{end, endFails(sdk.CodeConflict, "already ended at 1000000 ms")}},
		{"expires at its ttl, not before", []step{advance(999), expectStatus(StatusActive), advance(1), expectStatus(StatusExpired)}},
		{"expired cannot end", []step{advance(1000), endFails(sdk.CodeConflict, "expired at 1001000 ms")}},
		{"clean forgets expired", []step{advance(1000), clean(1), getFails, endFails(sdk.CodeNotFound, "no session"), clean(0)}},
		{"clean keeps ended", []step{end, advance(5000), clean(0), expectStatus(StatusEnded)}},
		{"clean keeps active", []step{advance(999), clean(0), expectStatus(StatusActive)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			host := servicetest.NewHost(t0)
			hs := servicetest.Start(t, New(), host)
			h := plugintest.Must(t, hs, effects.SessionCreate, createArgs(KindThreshold, 1000, "alice", "bob"))
			sid := plugintest.Str(t, h, "id")
			for _, st := range tc.steps {
				st(t, host, hs, sid)
			}
		})
	}
	t.Run("unknown session", func(t *testing.T) {
		hs := servicetest.Start(t, New(), servicetest.NewHost(t0))
		plugintest.Fails(t, hs, effects.SessionEnd, id("session-00"), sdk.CodeNotFound, `no session "session-00"`)
	})
}

func TestHandleAndListing(t *testing.T) {
	t.Parallel()
	host := servicetest.NewHost(t0)
	hs := servicetest.Start(t, New(), host)
	first := plugintest.Must(t, hs, effects.SessionCreate, createArgs(KindCoordination, 500, "alice", "bob"))
	want := sdk.Map(map[string]sdk.Value{
		"id": plugintest.Field(t, first, "id"), "kind": sdk.String(KindCoordination), "participants": strs("alice", "bob"),
		"my_role": sdk.String("coordinator"), "epoch": sdk.Int(1), "started_ms": sdk.Int(t0), "expires_ms": sdk.Int(t0 + 500),
		"status": sdk.String(StatusActive),
	})
	if !first.Equal(want) {
		t.Fatalf("create = %v, want %v", first, want)
	}
	host.Advance(10)
	second := plugintest.Must(t, hs, effects.SessionCreate, createArgs(KindThreshold, 5000, "carol"))
	third := plugintest.Must(t, hs, effects.SessionCreate, createArgs(KindThreshold, 5000, "dave"))
	if e := plugintest.Int(t, third, "epoch"); e != 3 {
		t.Fatalf("third session's epoch = %d, want 3", e)
	}
	plugintest.Must(t, hs, effects.SessionEnd, id(plugintest.Str(t, third, "id")))
	host.Advance(500) // first expires
	active := plugintest.Must(t, hs, effects.SessionListActive, sdk.Null())
	if len(active.Items()) != 1 || !plugintest.Field(t, active.Items()[0], "id").Equal(plugintest.Field(t, second, "id")) {
		t.Fatalf("list_active = %v, want only the second session", active)
	}
	stats := plugintest.Must(t, hs, effects.SessionStats, sdk.Null())
	wantStats := args("active", sdk.Int(1), "ended", sdk.Int(1), "expired", sdk.Int(1), "known", sdk.Int(3), "created", sdk.Int(3))
	if !stats.Equal(wantStats) {
		t.Fatalf("stats = %v, want %v", stats, wantStats)
	}
	if got := len(host.Bodies(PredicateCreated)) + len(host.Bodies(PredicateEnded)); got != 4 {
		t.Fatalf("journaled %d created/ended facts, want 4", got)
	}
}

// TestRestartRebuildsFromFacts starts a second instance against the same
// journal: it must know every session as the first did, continue the
// epochs, and clean the sessions that expired while it was down.
func TestRestartRebuildsFromFacts(t *testing.T) {
	t.Parallel()
	host := servicetest.NewHost(t0)
	first := servicetest.Start(t, New(), host)
	short := plugintest.Str(t, plugintest.Must(t, first, effects.SessionCreate, createArgs(KindThreshold, 100, "a")), "id")
	long := plugintest.Str(t, plugintest.Must(t, first, effects.SessionCreate, createArgs(KindThreshold, 10_000, "a", "b")), "id")
	ended := plugintest.Str(t, plugintest.Must(t, first, effects.SessionCreate, createArgs(KindCoordination, 10_000, "c")), "id")
	plugintest.Must(t, first, effects.SessionEnd, id(ended))
	before := map[string]sdk.Value{}
	for _, sid := range []string{long, ended} {
		before[sid] = plugintest.Must(t, first, effects.SessionGet, id(sid))
	}

	host.Advance(100) // short expires while "down"
	second := servicetest.Start(t, New(), host)
	for sid, want := range before {
		if got := plugintest.Must(t, second, effects.SessionGet, id(sid)); !got.Equal(want) {
			t.Fatalf("after restart get(%s) = %v, want %v", sid, got, want)
		}
	}
	plugintest.Fails(t, second, effects.SessionGet, id(short), sdk.CodeNotFound, "cleaned after it expired")
	if n := len(host.Bodies(PredicateExpired)); n != 1 {
		t.Fatalf("start journaled %d expiries, want 1", n)
	}
	plugintest.Fails(t, second, effects.SessionEnd, id(ended), sdk.CodeConflict, "already ended")
	if e := plugintest.Int(t, plugintest.Must(t, second, effects.SessionCreate, createArgs(KindThreshold, 10, "x")), "epoch"); e != 4 {
		t.Fatalf("epoch after restart = %d, want 4", e)
	}

	// A third instance replays the expiry too: the cleaned session stays gone.
	third := servicetest.Start(t, New(), host)
	plugintest.Fails(t, third, effects.SessionGet, id(short), sdk.CodeNotFound, "cleaned")
	if got := plugintest.Must(t, third, effects.SessionStats, sdk.Null()); !plugintest.Field(t, got, "created").Equal(sdk.Int(4)) {
		t.Fatalf("stats after second restart = %v, want created 4", got)
	}
}

func TestJournalOutageDegradesHealth(t *testing.T) {
	t.Parallel()
	host := servicetest.NewHost(t0)
	hs := servicetest.Start(t, New(), host)
	ctx := context.Background()
	if h, err := hs.Client.Health(ctx); err != nil || h.Status != sdk.Healthy {
		t.Fatalf("health = %v, %v; want healthy", h, err)
	}
	host.SetJournalDown(true)
	plugintest.Fails(t, hs, effects.SessionCreate, createArgs(KindThreshold, 10, "a"), sdk.CodeUnavailable, "journal.append_fact")
	h, err := hs.Client.Health(ctx)
	if err != nil || h.Status != sdk.Degraded || h.Reason == "" {
		t.Fatalf("health with the journal down = %v, %v; want degraded with a reason", h, err)
	}
	if n := len(plugintest.Must(t, hs, effects.SessionListActive, sdk.Null()).Items()); n != 0 {
		t.Fatalf("a session whose fact was not journaled is listed (%d active)", n)
	}
	host.SetJournalDown(false)
	if h, err := hs.Client.Health(ctx); err != nil || h.Status != sdk.Healthy {
		t.Fatalf("health once the journal is back = %v, %v; want healthy", h, err)
	}
}

func TestStartFailsWithoutAJournal(t *testing.T) {
	t.Parallel()
	host := servicetest.NewHost(t0)
	host.SetJournalDown(true)
	hs := sdktest.New(t, New(), sdktest.WithHost(host))
	err := hs.Client.Start(context.Background(), 0)
	if err == nil {
		t.Fatal("start succeeded with the journal down")
	}
	host.SetJournalDown(false)
	// An operation rebuilds the state it could not rebuild at start.
	plugintest.Must(t, hs, effects.SessionListActive, sdk.Null())
	if err := hs.Client.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	plugintest.Fails(t, hs, effects.SessionListActive, sdk.Null(), sdk.CodeUnavailable, "stopped")
	if h, _ := hs.Client.Health(context.Background()); h.Status != sdk.Unhealthy {
		t.Fatalf("health after stop = %v, want unhealthy", h)
	}
}

// TestConcurrentCreates races creators: operations run one at a time, so
// every session gets its own epoch and its own fact.
func TestConcurrentCreates(t *testing.T) {
	t.Parallel()
	host := servicetest.NewHost(t0)
	hs := servicetest.Start(t, New(), host)
	const n = 24
	epochs := make(chan int64, n)
	errs := make(chan error, n)
	for range n {
		go func() {
			v, err := hs.Invoke(context.Background(), effects.SessionCreate, createArgs(KindCoordination, 1000, "a"))
			if err != nil {
				errs <- err
				return
			}
			ev, _ := v.Get("epoch")
			e, _ := ev.AsInt()
			epochs <- e
		}()
	}
	seen := map[int64]bool{}
	for range n {
		select {
		case err := <-errs:
			t.Fatal(err)
		case e := <-epochs:
			if seen[e] || e < 1 || e > n {
				t.Fatalf("epoch %d handed out twice or out of 1..%d", e, n)
			}
			seen[e] = true
		}
	}
	if got := len(host.Bodies(PredicateCreated)); got != n {
		t.Fatalf("journaled %d sessions, want %d", got, n)
	}
}

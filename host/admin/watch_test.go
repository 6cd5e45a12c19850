package admin_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/admin"
)

// watchHost is a Target that hosts one signal, "n" of agent "alice" (or
// of the only agent, ""), whose values the test sends.
type watchHost struct {
	fakeHost
	values  chan effects.Value
	stopped chan struct{}
	once    sync.Once
}

func newWatchHost() *watchHost {
	return &watchHost{values: make(chan effects.Value), stopped: make(chan struct{})}
}

func (h *watchHost) Watch(agent, signal string) (<-chan effects.Value, func(), error) {
	if agent != "" && agent != "alice" {
		return nil, nil, &effects.Error{Code: effects.CodeInvalidArgs, Message: "this deployment has no agent " + agent}
	}
	if signal != "n" {
		return nil, nil, &effects.Error{Code: effects.CodeNotFound, Message: "no signal " + signal + " is registered"}
	}
	return h.values, func() { h.once.Do(func() { close(h.stopped) }) }, nil
}

func serveAdmin(t *testing.T, target admin.Target) (*admin.Server, *admin.Client) {
	t.Helper()
	sockets, err := os.MkdirTemp("", "adm")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sockets) })
	state := t.TempDir()
	srv, err := admin.Serve(admin.Config{StateDir: state, SocketDir: sockets, Target: target})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close(context.Background()) })
	sock, err := admin.Find(state)
	if err != nil {
		t.Fatal(err)
	}
	return srv, admin.Dial(sock)
}

// watch runs Client.Watch in the background, handing each value to got.
func watch(ctx context.Context, c *admin.Client, agent, signal string) (got chan effects.Value, done chan error) {
	got, done = make(chan effects.Value), make(chan error, 1)
	go func() {
		done <- c.Watch(ctx, agent, signal, func(v effects.Value) error {
			got <- v
			return nil
		})
	}()
	return got, done
}

// The stream delivers each value as the signal changes, then ends with
// ErrWatchEnded when the host closes the endpoint, releasing the
// subscription.
func TestWatchStreamsValuesUntilTheHostStops(t *testing.T) {
	h := newWatchHost()
	srv, c := serveAdmin(t, h)
	got, done := watch(t.Context(), c, "alice", "n")
	for i := range int64(3) {
		h.values <- effects.Int(i) // taken by the handler: the stream is open
		if v := <-got; !v.Equal(effects.Int(i)) {
			t.Fatalf("value %d: got %v", i, v)
		}
	}
	h.values <- effects.Map(map[string]effects.Value{"who": effects.Bytes([]byte{1, 2})})
	if v := <-got; v.Kind() != effects.KindMap {
		t.Fatalf("map value came back as %v", v)
	}
	srv.Close(context.Background())
	if err := <-done; !errors.Is(err, admin.ErrWatchEnded) {
		t.Fatalf("after Close: %v, want ErrWatchEnded", err)
	}
	<-h.stopped // the subscription was released
}

// A client that goes away releases the subscription; Watch returns nil.
func TestWatchEndsWhenTheClientGoes(t *testing.T) {
	h := newWatchHost()
	_, c := serveAdmin(t, h)
	ctx, cancel := context.WithCancel(t.Context())
	got, done := watch(ctx, c, "", "n")
	h.values <- effects.Int(1)
	<-got
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Watch after the caller cancelled: %v, want nil", err)
	}
	<-h.stopped
}

// A subscription the host closes (its pipeline stopped) ends the stream.
func TestWatchEndsWhenTheSubscriptionCloses(t *testing.T) {
	h := newWatchHost()
	_, c := serveAdmin(t, h)
	got, done := watch(t.Context(), c, "", "n")
	h.values <- effects.Int(1)
	<-got
	close(h.values)
	if err := <-done; !errors.Is(err, admin.ErrWatchEnded) {
		t.Fatalf("got %v, want ErrWatchEnded", err)
	}
}

// Refusals say what to do: an unknown signal or agent, a missing signal
// name, a host that hosts no signals.
func TestWatchRefusals(t *testing.T) {
	_, c := serveAdmin(t, newWatchHost())
	_, plain := serveAdmin(t, &fakeHost{})
	for _, tc := range []struct {
		name          string
		c             *admin.Client
		agent, signal string
		want          string
	}{
		{"unknown signal", c, "", "nope", "no signal nope is registered"},
		{"unknown agent", c, "mallory", "n", "no agent mallory"},
		{"no signal named", c, "", "", "name the signal to watch"},
		{"no signals hosted", plain, "", "n", "hosts no signals"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.c.Watch(t.Context(), tc.agent, tc.signal, func(effects.Value) error {
				t.Error("a refused watch delivered a value")
				return nil
			})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error saying %q", err, tc.want)
			}
		})
	}
}

package rendezvous

import (
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/plugintest"
	"github.com/aurahost/aura-host/plugins/internal/servicetest"
	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/sdk/sdktest"
)

var args = plugintest.Args

const t0 = 7_000_000

func descriptor(addr string) sdk.Value { return args("addr", sdk.String(addr)) }

func publishArgs(peer string, d sdk.Value) sdk.Value {
	return args("peer", sdk.String(peer), "descriptor", d)
}

func peer(p string) sdk.Value { return args("peer", sdk.String(p)) }

func TestConformance(t *testing.T) {
	t.Parallel()
	sdktest.Conformance(t, New(),
		sdktest.WithHost(servicetest.NewHost(t0)),
		sdktest.WithSample(effects.RendezvousPublish, publishArgs("bob", descriptor("10.0.0.2:7000"))),
	)
}

func TestPublishValidatesItsArguments(t *testing.T) {
	t.Parallel()
	hs := servicetest.Start(t, New(), servicetest.NewHost(t0))
	cases := []struct {
		name     string
		args     sdk.Value
		fragment string
	}{
		{"empty peer", publishArgs("", descriptor("a")), "peer must not be empty"},
		{"empty descriptor", publishArgs("bob", sdk.Map(nil)), "descriptor must not be empty"},
		{"huge descriptor", publishArgs("bob", descriptor(strings.Repeat("x", MaxDescriptorBytes))), "more than the 65536 allowed"},
		{"zero validity", args("peer", sdk.String("bob"), "descriptor", descriptor("a"), "validity_ms", sdk.Int(0)), "validity_ms must be 1 or more, got 0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			plugintest.Fails(t, hs, effects.RendezvousPublish, tc.args, sdk.CodeInvalidArgs, tc.fragment)
		})
	}
}

func TestPublishLookupExpire(t *testing.T) {
	t.Parallel()
	host := servicetest.NewHost(t0)
	hs := servicetest.Start(t, New(), host)

	got := plugintest.Must(t, hs, effects.RendezvousPublish, publishArgs("bob", descriptor("10.0.0.2")))
	want := args("peer", sdk.String("bob"), "descriptor", descriptor("10.0.0.2"), "published_ms", sdk.Int(t0),
		"expires_ms", sdk.Int(t0+DefaultValidity), "refresh_at_ms", sdk.Int(t0+DefaultValidity-RefreshMargin))
	if !got.Equal(want) {
		t.Fatalf("publish = %v, want %v", got, want)
	}
	short := plugintest.Must(t, hs, effects.RendezvousPublish, args("peer", sdk.String("carol"), "descriptor", descriptor("10.0.0.3"),
		"validity_ms", sdk.Int(1000)))
	if r := plugintest.Int(t, short, "refresh_at_ms"); r != t0 {
		t.Fatalf("a descriptor valid for less than the refresh margin: refresh_at_ms = %d, want now (%d)", r, t0)
	}
	if n := len(host.Bodies(PredicatePublished)); n != 2 {
		t.Fatalf("journaled %d publications, want 2", n)
	}

	if got := plugintest.Must(t, hs, effects.RendezvousLookup, peer("bob")); !got.Equal(descriptor("10.0.0.2")) {
		t.Fatalf("lookup = %v", got)
	}
	plugintest.Fails(t, hs, effects.RendezvousLookup, peer("dave"), sdk.CodeNotFound, `no descriptor for peer "dave"`)

	host.Advance(999)
	plugintest.Must(t, hs, effects.RendezvousLookup, peer("carol"))
	host.Advance(1)
	plugintest.Fails(t, hs, effects.RendezvousLookup, peer("carol"), sdk.CodeNotFound, `the descriptor for peer "carol" expired at 7001000 ms`)
	if l := plugintest.Must(t, hs, effects.RendezvousList, sdk.Null()); len(l.Items()) != 1 || plugintest.Str(t, l.Items()[0], "peer") != "bob" {
		t.Fatalf("list = %v, want only bob's", l)
	}
	if n := plugintest.Must(t, hs, effects.RendezvousExpire, sdk.Null()); !n.Equal(sdk.Int(1)) {
		t.Fatalf("expire = %v, want 1", n)
	}
	if n := plugintest.Must(t, hs, effects.RendezvousExpire, sdk.Null()); !n.Equal(sdk.Int(0)) {
		t.Fatalf("second expire = %v, want 0", n)
	}
	plugintest.Fails(t, hs, effects.RendezvousLookup, peer("carol"), sdk.CodeNotFound, "no descriptor")

	// A refresh replaces the descriptor and moves its expiry.
	host.Advance(DefaultValidity - RefreshMargin)
	plugintest.Must(t, hs, effects.RendezvousPublish, publishArgs("bob", descriptor("10.0.0.9")))
	host.Advance(RefreshMargin)
	if got := plugintest.Must(t, hs, effects.RendezvousLookup, peer("bob")); !got.Equal(descriptor("10.0.0.9")) {
		t.Fatalf("lookup after refresh = %v, want the new descriptor", got)
	}
}

func TestRestartRebuildsFromFacts(t *testing.T) {
	t.Parallel()
	host := servicetest.NewHost(t0)
	first := servicetest.Start(t, New(), host)
	plugintest.Must(t, first, effects.RendezvousPublish, publishArgs("bob", descriptor("old")))
	host.Advance(10)
	plugintest.Must(t, first, effects.RendezvousPublish, publishArgs("bob", descriptor("new")))
	plugintest.Must(t, first, effects.RendezvousPublish, publishArgs("carol", descriptor("c")))
	plugintest.Must(t, first, effects.RendezvousPublish, args("peer", sdk.String("dave"), "descriptor", descriptor("d"), "validity_ms", sdk.Int(50)))
	host.Advance(50) // dave's expires
	before := plugintest.Must(t, first, effects.RendezvousList, sdk.Null())
	if n := len(before.Items()); n != 2 {
		t.Fatalf("list before restart has %d entries, want 2", n)
	}

	second := servicetest.Start(t, New(), host)
	if got := plugintest.Must(t, second, effects.RendezvousList, sdk.Null()); !got.Equal(before) {
		t.Fatalf("after restart list = %v, want %v", got, before)
	}
	if got := plugintest.Must(t, second, effects.RendezvousLookup, peer("bob")); !got.Equal(descriptor("new")) {
		t.Fatalf("after restart lookup(bob) = %v, want the latest descriptor", got)
	}
	plugintest.Fails(t, second, effects.RendezvousLookup, peer("dave"), sdk.CodeNotFound, "no descriptor")
	if n := plugintest.Must(t, second, effects.RendezvousExpire, sdk.Null()); !n.Equal(sdk.Int(0)) {
		t.Fatalf("expire after restart = %v, want 0 (expired descriptors are not rebuilt)", n)
	}
}

package rendezvous

import (
	"context"
	"crypto/ed25519"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/internal/descriptor"
	"github.com/aurahost/aura-host/plugins/internal/plugintest"
	"github.com/aurahost/aura-host/plugins/internal/service"
	"github.com/aurahost/aura-host/plugins/internal/servicetest"
	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/sdk/sdktest"
)

var args = plugintest.Args

const t0 = 7_000_000

// authority is a test party's authority; its device key is the one the
// fake host knows for it (servicetest.DeviceKey).
func authority(label string) effects.AuthorityID { return effects.DeriveAuthorityID(label, 1) }

// signedBy is label's descriptor saying it listens at addr, issued at
// issued and valid for validity ms, with seq, signed by key.
func signedBy(t testing.TB, key ed25519.PrivateKey, label, addr string, issued, validity, seq int64) sdk.Value {
	t.Helper()
	s, err := descriptor.Sign(key, descriptor.Descriptor{Authority: authority(label), Addresses: []string{addr},
		IssuedMS: issued, ExpiresMS: issued + validity, Seq: seq})
	if err != nil {
		t.Fatal(err)
	}
	return s.Value()
}

// descriptorOf is label's own descriptor, signed by its device key at t0,
// valid for the default validity.
func descriptorOf(t testing.TB, label, addr string) sdk.Value {
	return signedBy(t, servicetest.DeviceKey(authority(label)), label, addr, t0, DefaultValidity, 1)
}

func publishArgs(label string, d sdk.Value) sdk.Value {
	return args("peer", sdk.String(authority(label).String()), "descriptor", d)
}

func peer(label string) sdk.Value { return args("peer", sdk.String(authority(label).String())) }

// with returns the map v with field set to x.
func with(v sdk.Value, field string, x sdk.Value) sdk.Value {
	m := map[string]sdk.Value{}
	for _, f := range v.Fields() {
		m[f.Key] = f.Value
	}
	m[field] = x
	return sdk.Map(m)
}

func TestConformance(t *testing.T) {
	t.Parallel()
	sdktest.Conformance(t, New(),
		sdktest.WithHost(servicetest.NewHost(t0)),
		sdktest.WithSample(effects.RendezvousPublish, publishArgs("bob", descriptorOf(t, "bob", "10.0.0.2:7000"))),
		sdktest.WithSample(effects.RendezvousLookup, peer("bob")),
	)
}

func TestPublishValidatesItsArguments(t *testing.T) {
	t.Parallel()
	hs := servicetest.Start(t, New(), servicetest.NewHost(t0))
	bob := descriptorOf(t, "bob", "10.0.0.2:7000")
	cases := []struct {
		name     string
		args     sdk.Value
		fragment string
	}{
		{"empty peer", args("peer", sdk.String(""), "descriptor", bob), "peer must not be empty"},
		{"empty descriptor", publishArgs("bob", sdk.Map(nil)), "descriptor must not be empty"},
		{"huge descriptor", publishArgs("bob", args("addr", sdk.String(strings.Repeat("x", MaxDescriptorBytes)))), "more than the 65536 allowed"},
		{"zero validity", args("peer", sdk.String(authority("bob").String()), "descriptor", bob, "validity_ms", sdk.Int(0)), "validity_ms must be 1 or more, got 0"},
		{"peer not an authority", args("peer", sdk.String("bob"), "descriptor", bob), `peer "bob" is not an authority`},
		{"peer not the descriptor's authority", publishArgs("carol", bob), "is not the descriptor's authority " + authority("bob").String()},
		{"not a descriptor", publishArgs("bob", args("addr", sdk.String("10.0.0.2"))), "malformed descriptor: addr: not a field of a descriptor"},
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

	bob := descriptorOf(t, "bob", "10.0.0.2:7000")
	got := plugintest.Must(t, hs, effects.RendezvousPublish, publishArgs("bob", bob))
	want := args("peer", sdk.String(authority("bob").String()), "descriptor", bob, "published_ms", sdk.Int(t0),
		"expires_ms", sdk.Int(t0+DefaultValidity), "refresh_at_ms", sdk.Int(t0+DefaultValidity-RefreshMargin))
	if !got.Equal(want) {
		t.Fatalf("publish = %v, want %v", got, want)
	}
	// carol's descriptor is valid for a second: so is the entry.
	carol := signedBy(t, servicetest.DeviceKey(authority("carol")), "carol", "10.0.0.3:7000", t0, 1000, 1)
	short := plugintest.Must(t, hs, effects.RendezvousPublish, publishArgs("carol", carol))
	if r := plugintest.Int(t, short, "refresh_at_ms"); r != t0 {
		t.Fatalf("a descriptor valid for less than the refresh margin: refresh_at_ms = %d, want now (%d)", r, t0)
	}
	if e := plugintest.Int(t, short, "expires_ms"); e != t0+1000 {
		t.Fatalf("expires_ms = %d, want the descriptor's %d", e, t0+1000)
	}
	// validity_ms keeps an entry for less than its descriptor's validity,
	// never more.
	erin := descriptorOf(t, "erin", "10.0.0.5:7000")
	kept := plugintest.Must(t, hs, effects.RendezvousPublish, args("peer", sdk.String(authority("erin").String()), "descriptor", erin, "validity_ms", sdk.Int(500)))
	if e := plugintest.Int(t, kept, "expires_ms"); e != t0+500 {
		t.Fatalf("expires_ms with validity_ms 500 = %d, want %d", e, t0+500)
	}
	if n := len(host.Bodies(PredicatePublished)); n != 3 {
		t.Fatalf("journaled %d publications, want 3", n)
	}

	if got := plugintest.Must(t, hs, effects.RendezvousLookup, peer("bob")); !got.Equal(bob) {
		t.Fatalf("lookup = %v", got)
	}
	// The transport's name for an authority (its hex) finds it too.
	hexName := descriptor.Descriptor{Authority: authority("bob")}.PeerName()
	if got := plugintest.Must(t, hs, effects.RendezvousLookup, args("peer", sdk.String(hexName))); !got.Equal(bob) {
		t.Fatalf("lookup by hex = %v", got)
	}
	plugintest.Fails(t, hs, effects.RendezvousLookup, peer("dave"), sdk.CodeNotFound, "no descriptor for peer "+authority("dave").String())
	plugintest.Fails(t, hs, effects.RendezvousLookup, args("peer", sdk.String("dave")), sdk.CodeInvalidArgs, "not an authority")

	host.Advance(999)
	plugintest.Must(t, hs, effects.RendezvousLookup, peer("carol"))
	host.Advance(1)
	plugintest.Fails(t, hs, effects.RendezvousLookup, peer("carol"), sdk.CodeNotFound, "expired at 7001000 ms")
	if l := plugintest.Must(t, hs, effects.RendezvousList, sdk.Null()); len(l.Items()) != 1 || plugintest.Str(t, l.Items()[0], "peer") != authority("bob").String() {
		t.Fatalf("list = %v, want only bob's", l)
	}
	if n := plugintest.Must(t, hs, effects.RendezvousExpire, sdk.Null()); !n.Equal(sdk.Int(2)) {
		t.Fatalf("expire = %v, want 2", n)
	}
	if n := plugintest.Must(t, hs, effects.RendezvousExpire, sdk.Null()); !n.Equal(sdk.Int(0)) {
		t.Fatalf("second expire = %v, want 0", n)
	}
	plugintest.Fails(t, hs, effects.RendezvousLookup, peer("carol"), sdk.CodeNotFound, "no descriptor")

	// A refresh — a newer descriptor — replaces the descriptor and moves its
	// expiry.
	host.Advance(DefaultValidity - RefreshMargin)
	newer := signedBy(t, servicetest.DeviceKey(authority("bob")), "bob", "10.0.0.9:7000", host.Now(), DefaultValidity, 2)
	plugintest.Must(t, hs, effects.RendezvousPublish, publishArgs("bob", newer))
	host.Advance(RefreshMargin)
	if got := plugintest.Must(t, hs, effects.RendezvousLookup, peer("bob")); !got.Equal(newer) {
		t.Fatalf("lookup after refresh = %v, want the new descriptor", got)
	}
}

// The attacks publish refuses, none of which is journaled or replaces the
// genuine descriptor.
func TestPublishRefusesForgeries(t *testing.T) {
	t.Parallel()
	host := servicetest.NewHost(t0)
	hs := servicetest.Start(t, New(), host)
	bobKey := servicetest.DeviceKey(authority("bob"))
	genuine := signedBy(t, bobKey, "bob", "10.0.0.2:7000", t0, DefaultValidity, 5)
	plugintest.Must(t, hs, effects.RendezvousPublish, publishArgs("bob", genuine))
	_, mallory, _ := ed25519.GenerateKey(nil)
	host.Forget(authority("stranger"))

	cases := []struct {
		name     string
		args     sdk.Value
		code     sdk.Code
		fragment string
	}{
		{"re-signed by another key for someone else's authority", publishArgs("bob", signedBy(t, mallory, "bob", "6.6.6.6:7000", t0, DefaultValidity, 6)),
			sdk.CodeUnknownDevice, "not the device key this deployment knows"},
		{"signed by another authority's device for bob", publishArgs("bob", signedBy(t, servicetest.DeviceKey(authority("carol")), "bob", "6.6.6.6:7000", t0, DefaultValidity, 6)),
			sdk.CodeUnknownDevice, "not the device key this deployment knows"},
		{"tampered address", publishArgs("bob", with(genuine, "addresses", plugintest.Strs("6.6.6.6:7000"))),
			sdk.CodeInvalidSignature, "descriptor signature does not verify"},
		{"key swapped", publishArgs("bob", with(genuine, "device_key", sdk.Bytes(mallory.Public().(ed25519.PublicKey)))),
			sdk.CodeInvalidSignature, "descriptor signature does not verify"},
		{"expired", publishArgs("bob", signedBy(t, bobKey, "bob", "10.0.0.2:7000", t0-2000, 1000, 6)),
			sdk.CodeInvalidArgs, "descriptor expired"},
		{"issued in the future", publishArgs("bob", signedBy(t, bobKey, "bob", "10.0.0.2:7000", t0+descriptor.MaxClockSkewMS+1, 1000, 6)),
			sdk.CodeInvalidArgs, "issued in the future"},
		{"an older seq", publishArgs("bob", signedBy(t, bobKey, "bob", "10.0.0.3:7000", t0, DefaultValidity, 4)),
			sdk.CodeConflict, "older than the published one's 5"},
		{"an authority the deployment does not know", publishArgs("stranger", descriptorOf(t, "stranger", "10.0.0.7:7000")),
			sdk.CodeUnknownDevice, "does not know"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			plugintest.Fails(t, hs, effects.RendezvousPublish, tc.args, tc.code, tc.fragment)
		})
	}
	if n := len(host.Bodies(PredicatePublished)); n != 1 {
		t.Fatalf("journaled %d publications, want only the genuine one", n)
	}
	// The genuine descriptor again (a retry) is accepted.
	plugintest.Must(t, hs, effects.RendezvousPublish, publishArgs("bob", genuine))
	if got := plugintest.Must(t, hs, effects.RendezvousLookup, peer("bob")); !got.Equal(genuine) {
		t.Fatalf("lookup(bob) = %v, want the genuine descriptor", got)
	}
}

func TestRestartRebuildsFromFacts(t *testing.T) {
	t.Parallel()
	host := servicetest.NewHost(t0)
	first := servicetest.Start(t, New(), host)
	bobKey := servicetest.DeviceKey(authority("bob"))
	plugintest.Must(t, first, effects.RendezvousPublish, publishArgs("bob", signedBy(t, bobKey, "bob", "10.0.0.1:1", t0, DefaultValidity, 1)))
	host.Advance(10)
	newest := signedBy(t, bobKey, "bob", "10.0.0.1:2", t0+10, DefaultValidity, 2)
	plugintest.Must(t, first, effects.RendezvousPublish, publishArgs("bob", newest))
	plugintest.Must(t, first, effects.RendezvousPublish, publishArgs("carol", descriptorOf(t, "carol", "10.0.0.3:1")))
	plugintest.Must(t, first, effects.RendezvousPublish, publishArgs("dave", signedBy(t, servicetest.DeviceKey(authority("dave")), "dave", "10.0.0.4:1", t0, 60, 1)))
	host.Advance(50) // dave's expires
	before := plugintest.Must(t, first, effects.RendezvousList, sdk.Null())
	if n := len(before.Items()); n != 2 {
		t.Fatalf("list before restart has %d entries, want 2", n)
	}

	second := servicetest.Start(t, New(), host)
	if got := plugintest.Must(t, second, effects.RendezvousList, sdk.Null()); !got.Equal(before) {
		t.Fatalf("after restart list = %v, want %v", got, before)
	}
	if got := plugintest.Must(t, second, effects.RendezvousLookup, peer("bob")); !got.Equal(newest) {
		t.Fatalf("after restart lookup(bob) = %v, want the latest descriptor", got)
	}
	plugintest.Fails(t, second, effects.RendezvousLookup, peer("dave"), sdk.CodeNotFound, "no descriptor")
	if n := plugintest.Must(t, second, effects.RendezvousExpire, sdk.Null()); !n.Equal(sdk.Int(0)) {
		t.Fatalf("expire after restart = %v, want 0 (expired descriptors are not rebuilt)", n)
	}
}

// A replayed fact is verified again: facts written to the journal by
// something other than publish — a forged key, a tampered address, a peer
// that is not the descriptor's authority — are skipped, and a descriptor
// whose key the deployment no longer knows is dropped.
func TestReplayVerifiesAgain(t *testing.T) {
	t.Parallel()
	host := servicetest.NewHost(t0)
	first := servicetest.Start(t, New(), host)
	genuine := descriptorOf(t, "bob", "10.0.0.2:7000")
	plugintest.Must(t, first, effects.RendezvousPublish, publishArgs("bob", genuine))
	plugintest.Must(t, first, effects.RendezvousPublish, publishArgs("carol", descriptorOf(t, "carol", "10.0.0.3:7000")))

	_, mallory, _ := ed25519.GenerateKey(nil)
	inject := func(peerID string, d sdk.Value) {
		t.Helper()
		f := service.Fact{Predicate: PredicatePublished, Time: t0, Body: args("peer", sdk.String(peerID), "descriptor", d,
			"published_ms", sdk.Int(t0), "expires_ms", sdk.Int(t0+DefaultValidity))}
		_, err := host.Invoke(context.Background(), &sdk.Call{Op: effects.JournalAppendFact, Authority: authority("alice"),
			Args: args("fact", f.Value(authority("alice")))})
		if err != nil {
			t.Fatal(err)
		}
	}
	bob := authority("bob").String()
	inject(bob, signedBy(t, mallory, "bob", "6.6.6.6:1", t0, DefaultValidity, 9)) // a forged key, a higher seq
	inject(bob, with(genuine, "addresses", plugintest.Strs("6.6.6.6:2")))         // tampered
	inject(authority("carol").String(), descriptorOf(t, "bob", "6.6.6.6:3"))      // filed under another peer
	host.Forget(authority("carol"))                                               // the deployment no longer knows carol's key

	second := servicetest.Start(t, New(), host)
	if got := plugintest.Must(t, second, effects.RendezvousLookup, peer("bob")); !got.Equal(genuine) {
		t.Fatalf("after replay lookup(bob) = %v, want the genuine descriptor", got)
	}
	plugintest.Fails(t, second, effects.RendezvousLookup, peer("carol"), sdk.CodeNotFound, "no descriptor")
	if l := plugintest.Must(t, second, effects.RendezvousList, sdk.Null()); len(l.Items()) != 1 {
		t.Fatalf("after replay list = %v, want bob's only", l)
	}
}

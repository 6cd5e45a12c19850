package simrandom_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/plugintest"
	"github.com/aurahost/aura-host/plugins/internal/randomops"
	"github.com/aurahost/aura-host/plugins/simrandom"
	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/sdk/sdktest"
)

var args, mustInvoke = plugintest.Args, plugintest.Must

var (
	alice     = effects.DeriveAuthorityID("alice", 1)
	bob       = effects.DeriveAuthorityID("bob", 1)
	rangeArgs = args("min", sdk.Int(-100), "max", sdk.Int(100))
)

func TestConformance(t *testing.T) {
	t.Parallel()
	sdktest.Conformance(t, simrandom.New(), sdktest.WithAuthority(alice),
		sdktest.WithSample(effects.RandomRange, args("min", sdk.Int(0), "max", sdk.Int(10))))
}

// sequence draws one of everything, in a fixed order.
func sequence(t *testing.T, p *sdk.Plugin, opts ...sdktest.Option) []sdk.Value {
	h := sdktest.New(t, p, opts...)
	return []sdk.Value{
		mustInvoke(t, h, effects.RandomU64, sdk.Null()),
		mustInvoke(t, h, effects.RandomBytes, args("n", sdk.Int(5))),
		mustInvoke(t, h, effects.RandomBytes32, sdk.Null()),
		mustInvoke(t, h, effects.RandomRange, rangeArgs),
		mustInvoke(t, h, effects.RandomUUID, sdk.Null()),
		mustInvoke(t, h, effects.RandomU64, sdk.Null()),
	}
}

func TestSeededInEveryMode(t *testing.T) {
	t.Parallel()
	base := sequence(t, simrandom.New(), sdktest.WithMode(sdk.Simulation, 42), sdktest.WithAuthority(alice))
	for _, mode := range []sdk.Mode{sdk.Production, sdk.Testing, sdk.Simulation} {
		if got := sequence(t, simrandom.New(), sdktest.WithMode(mode, 42), sdktest.WithAuthority(alice)); !slices.EqualFunc(got, base, sdk.Value.Equal) {
			t.Errorf("%s mode gave other values for the same seed", mode)
		}
	}
	for name, opts := range map[string][]sdktest.Option{
		"other seed":      {sdktest.WithMode(sdk.Simulation, 43), sdktest.WithAuthority(alice)},
		"other authority": {sdktest.WithMode(sdk.Simulation, 42), sdktest.WithAuthority(bob)},
	} {
		if other := sequence(t, simrandom.New(), opts...); other[0].Equal(base[0]) || other[2].Equal(base[2]) {
			t.Errorf("%s: repeated the values", name)
		}
	}
}

// TestSeededStreamIsPinned fixes the first values of one stream: the
// random plugin's pinned values, since the streams are the same. A change
// breaks the replay of every recorded trace.
func TestSeededStreamIsPinned(t *testing.T) {
	t.Parallel()
	got := sequence(t, simrandom.New(), sdktest.WithMode(sdk.Simulation, 1), sdktest.WithAuthority(effects.DeriveAuthorityID("pinned", 1)))
	want := []string{
		"16760728728272583428u",
		"0xa3e47aaabd",
		"0x08cda50e2b44147008e16796592a94e50e1b8626bf34f81f732edf84db1793da",
		"-76",
		`"c4589607-c6ef-4a74-bf9d-1eb96cb2fdf9"`,
		"18106144557460208707u",
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("draw %d = %s, want %s", i, got[i], want[i])
		}
	}
}

// TestStreamsArePerAuthority calls the handlers in process, as a host
// serving several agents from one instance does: what one authority draws
// does not move another's stream.
func TestStreamsArePerAuthority(t *testing.T) {
	t.Parallel()
	p := simrandom.New()
	if err := p.Configure(context.Background(), &sdk.Configuration{Values: sdk.Map(nil), Mode: sdk.Simulation, Seed: 9}); err != nil {
		t.Fatal(err)
	}
	var u64 func(context.Context, *sdk.Call) (sdk.Value, error)
	for _, op := range p.Operations {
		if op.Spec.ID == effects.RandomU64 {
			u64 = op.Handle
		}
	}
	draw := func(a sdk.AuthorityID) sdk.Value {
		v, err := u64(context.Background(), &sdk.Call{Op: effects.RandomU64, Authority: a})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	aliceAlone := []sdk.Value{draw(alice), draw(alice), draw(alice)}
	if err := p.Configure(context.Background(), &sdk.Configuration{Values: sdk.Map(nil), Mode: sdk.Simulation, Seed: 9}); err != nil {
		t.Fatal(err)
	}
	var interleaved []sdk.Value
	for range 3 {
		draw(bob)
		interleaved = append(interleaved, draw(alice))
		draw(bob)
	}
	if !slices.EqualFunc(aliceAlone, interleaved, sdk.Value.Equal) {
		t.Fatalf("bob's draws moved alice's stream:\n%v\n%v", aliceAlone, interleaved)
	}
}

func TestArguments(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, simrandom.New())
	for _, tc := range []struct {
		op   sdk.OpID
		args sdk.Value
	}{
		{effects.RandomBytes, args("n", sdk.Int(-1))},
		{effects.RandomBytes, args("n", sdk.Int(randomops.MaxBytes+1))},
		{effects.RandomRange, args("min", sdk.Int(3), "max", sdk.Int(3))},
	} {
		if _, err := h.Invoke(context.Background(), tc.op, tc.args); !errors.Is(err, effects.ErrInvalidArgs) {
			t.Errorf("%s(%v): got %v, want invalid_args", tc.op, tc.args, err)
		}
	}
	for range 200 {
		v := mustInvoke(t, h, effects.RandomRange, args("min", sdk.Int(5), "max", sdk.Int(8)))
		if r, _ := v.AsInt(); r < 5 || r >= 8 {
			t.Fatalf("random_range(5, 8) = %d", r)
		}
	}
}

// TestRestartDoesNotRepeatDraws configures a second instance over the
// first one's state directory, as a restarted process starts: its stream
// is a new draw epoch's, so none of its first draws repeats the first
// instance's, and a third instance over another directory (a new run)
// gives the first instance's values again.
func TestRestartDoesNotRepeatDraws(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	opts := []sdktest.Option{sdktest.WithMode(sdk.Simulation, 42), sdktest.WithAuthority(alice), sdktest.WithStateDir(dir)}
	first := sequence(t, simrandom.New(), opts...)
	restarted := sequence(t, simrandom.New(), opts...)
	for i := range first {
		if restarted[i].Equal(first[i]) {
			t.Errorf("draw %d repeated after the restart: %s", i, first[i])
		}
	}
	if again := sequence(t, simrandom.New(), sdktest.WithMode(sdk.Simulation, 42), sdktest.WithAuthority(alice)); !slices.EqualFunc(again, first, sdk.Value.Equal) {
		t.Error("a fresh state directory did not give the seed's own stream")
	}
}

package testplugin

import (
	"context"
	"slices"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"

	"github.com/aurahost/aura-host/sdk/sdktest"
)

// The well-behaved mode is a conforming plugin: the host's failure tests
// start from something that works. (test.crash ends the process it runs
// in, so the in-process harness leaves it out.)
func TestServeModeConforms(t *testing.T) {
	t.Parallel()
	p := testPlugin()
	p.Operations = slices.DeleteFunc(p.Operations, func(op sdk.Operation) bool { return op.Spec.ID == "test.crash" })
	host := effects.HandlerFunc(func(_ context.Context, c *effects.Call) (effects.Value, error) { return c.Args, nil })
	sdktest.Conformance(t, p, sdktest.WithHost(host),
		sdktest.WithSample("test.callback", effects.Map(map[string]effects.Value{"op": effects.String("test.echo")})))
}

func TestCountStartCountsInItsFile(t *testing.T) {
	t.Parallel()
	file := t.TempDir() + "/starts"
	for want := 1; want <= 3; want++ {
		if got := countStart(file); got != want {
			t.Fatalf("start %d counted as %d", want, got)
		}
	}
}

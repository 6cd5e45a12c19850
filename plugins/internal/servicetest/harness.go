package servicetest

import (
	"context"
	"testing"

	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/sdk/sdktest"
)

// Start serves p over real gRPC with h as its host, and starts it as the
// host's lifecycle manager would.
func Start(t testing.TB, p *sdk.Plugin, h *Host, opts ...sdktest.Option) *sdktest.Harness {
	t.Helper()
	hs := sdktest.New(t, p, append(opts, sdktest.WithHost(h))...)
	if err := hs.Client.Start(context.Background(), 0); err != nil {
		t.Fatalf("start %s: %v", p.Name, err)
	}
	return hs
}

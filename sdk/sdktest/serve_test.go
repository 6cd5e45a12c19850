package sdktest_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/sdk/sdktest"
)

// The harness serves a plugin with the server a plugin process runs: a
// call carrying 5 MiB, over gRPC's default 4 MiB message limit and within
// the contract's, reaches its handler and comes back whole, as in a
// deployment.
func TestHarnessCarriesMessagesOverGRPCsDefaultLimit(t *testing.T) {
	big := bytes.Repeat([]byte{0xa5}, 5<<20)
	h := sdktest.New(t, &sdk.Plugin{
		Name: "big", Version: "1.0.0",
		Operations: []sdk.Operation{{
			Spec: sdk.OpSpec{ID: "big.echo", Params: []sdk.Param{{Name: "blob", Kind: sdk.KindBytes}},
				Result: sdk.KindBytes, Determinism: sdk.Pure},
			Handle: func(_ context.Context, c *sdk.Call) (sdk.Value, error) {
				return c.Arg("blob"), nil
			},
		}},
	})
	v, err := h.Invoke(context.Background(), "big.echo", effects.Map(map[string]effects.Value{"blob": effects.Bytes(big)}))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := v.AsBytes(); !bytes.Equal(got, big) {
		t.Fatalf("got %d bytes back, want the %d sent", len(got), len(big))
	}
}

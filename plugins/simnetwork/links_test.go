package simnetwork

import (
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/plugintest"
	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/sdk/sdktest"
)

// TestLinkCountsWhatCrossesIt: network_control.link counts what crossed
// one direction of one link, whatever the context — not what was sent
// elsewhere, not a copy lost on the way, each copy of a duplicate — with
// the payload sizes an observer sees.
func TestLinkCountsWhatCrossesIt(t *testing.T) {
	t.Parallel()
	link := func(sent, delivered, bytes int64, sizes map[string]int64) sdk.Value {
		m := map[string]sdk.Value{}
		for k, v := range sizes {
			m[k] = sdk.Int(v)
		}
		return args("sent", sdk.Int(sent), "delivered", sdk.Int(delivered), "payload_bytes", sdk.Int(bytes), "reordered", sdk.Int(0), "sizes", sdk.Map(m))
	}
	h := sdktest.New(t, New())
	plugintest.Run(t, h, []plugintest.Step{
		{Op: effects.NetworkControlLink, Args: args("source", s("a"), "destination", s("b")), Want: link(0, 0, 0, nil)},
		{Op: effects.NetworkSendEnvelope, Args: args("envelope", envelope("a", "b", "app", "four")), Want: sent(1, 0)},
		{Op: effects.NetworkSendEnvelope, Args: args("envelope", envelope("a", "b", "cover", "four")), Want: sent(2, 0)},
		{Op: effects.NetworkSendEnvelope, Args: args("envelope", envelope("a", "b", "app", "seven!!")), Want: sent(3, 0)},
		{Op: effects.NetworkSendEnvelope, Args: args("envelope", envelope("b", "a", "app", "back")), Want: sent(4, 0)},
		{Op: effects.NetworkSendEnvelope, Args: args("envelope", envelope("a", "c", "app", "elsewhere")), Want: sent(5, 0)},
		{Op: effects.NetworkControlLink, Args: args("source", s("a"), "destination", s("b")), Want: link(3, 3, 15, map[string]int64{"4": 2, "7": 1})},
		{Op: effects.NetworkControlLink, Args: args("source", s("b"), "destination", s("a")), Want: link(1, 1, 4, map[string]int64{"4": 1})},
		// A partition loses what it separates: sent, not delivered.
		{Op: effects.NetworkFaultsPartition, Args: args("a", sdk.List(s("a")), "b", sdk.List(s("b"))), Want: sdk.Null()},
		{Op: effects.NetworkSendEnvelope, Args: args("envelope", envelope("a", "b", "app", "lost")), Want: SendResult{Seq: 6}.Value()},
		{Op: effects.NetworkControlLink, Args: args("source", s("a"), "destination", s("b")), Want: link(4, 3, 15, map[string]int64{"4": 2, "7": 1})},
		// Every copy of a duplicate crosses the link.
		{Op: effects.NetworkFaultsHeal, Args: sdk.Null(), Want: sdk.Null()},
		{Op: effects.NetworkFaultsSetDuplicateRate, Args: args("per_mille", sdk.Int(1000)), Want: sdk.Null()},
		{Op: effects.NetworkSendEnvelope, Args: args("envelope", envelope("a", "b", "app", "twice")), Want: SendResult{Seq: 7, Copies: 2}.Value()},
		{Op: effects.NetworkControlLink, Args: args("source", s("a"), "destination", s("b")), Want: link(5, 5, 25, map[string]int64{"4": 2, "7": 1, "5": 2})},
		{Op: effects.NetworkControlLink, Args: args("source", s("a"), "destination", sdk.Bytes(nil)), Code: sdk.CodeInvalidArgs, Message: "non-empty"},
	})
}

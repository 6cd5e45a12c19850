package plugins_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/ceremony"
	"github.com/aurahost/aura-host/plugins/crypto"
	"github.com/aurahost/aura-host/plugins/internal/plugintest"
	"github.com/aurahost/aura-host/plugins/internal/servicetest"
	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/sdk/sdktest"
)

// The ceremony tracker and the crypto plugin together: a 1-of-2 FROST
// key whose ceremony (DKG) agreed is pending on the account's device;
// the guardian ceremony naming it as its rotation commits it when the
// guardian's acceptance arrives (the key signs from then on), and a
// ceremony that is cancelled aborts it (the crypto plugin no longer holds
// it). This package is the one that may run two plugins together.
func TestCeremonyCommitsAndRollsBackARealKeyRotation(t *testing.T) {
	for _, tc := range []struct {
		name   string
		accept bool
		want   string // the held key's state after, "" when it is gone
	}{
		{"completed: the key is committed", true, "active"},
		{"cancelled: the key is aborted", false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			alice, bob := effects.DeriveAuthorityID("alice", 1), effects.DeriveAuthorityID("bob", 1)
			// Two devices of the threshold key: alice's (whose crypto plugin
			// the ceremony commits on) and another.
			var cryptos [2]*sdktest.Harness
			for i := range cryptos {
				dev := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{byte(i + 1)}, 32))
				cryptos[i] = sdktest.New(t, crypto.New(), sdktest.WithHost(plugintest.Device(dev)))
			}
			var keys [2]string
			var pkgs []sdk.Value
			for i, h := range cryptos {
				r := plugintest.Must(t, h, effects.CryptoFrostDKGBegin, plugintest.Args("t", sdk.Int(1), "n", sdk.Int(2),
					"identifier", sdk.Int(int64(i+1)), "context", sdk.Bytes(bytes.Repeat([]byte{5}, 32))))
				keys[i] = plugintest.Str(t, r, "key")
				pkgs = append(pkgs, plugintest.Field(t, r, "package"))
			}
			var sent []sdk.Value
			for i, h := range cryptos {
				sent = append(sent, plugintest.Must(t, h, effects.CryptoFrostDKGShares, plugintest.Args("key", sdk.String(keys[i]), "packages", sdk.List(pkgs...))))
			}
			routed := plugintest.Must(t, cryptos[0], effects.CryptoFrostDKGRoute, plugintest.Args("shares", sdk.List(sent...), "from", sdk.Int(1), "to", sdk.Int(2)))
			for i, h := range cryptos {
				r := plugintest.Must(t, h, effects.CryptoFrostDKGFinish, plugintest.Args("key", sdk.String(keys[i]), "packages", sdk.List(pkgs...), "shares", routed.Items()[i]))
				if ok, _ := plugintest.Field(t, r, "ok").AsBool(); !ok {
					t.Fatalf("device %d complains: %v", i+1, r)
				}
			}
			rotation := keys[0]
			// Alice's host: the journal and clock of servicetest, her crypto plugin.
			journal := servicetest.NewHost(1_000_000)
			host := effects.HandlerFunc(func(ctx context.Context, c *effects.Call) (effects.Value, error) {
				if c.Op.Family() == "crypto" && c.Op != effects.CryptoEd25519Verify {
					return cryptos[0].Invoke(ctx, c.Op, c.Args)
				}
				return journal.Invoke(ctx, c)
			})
			signed := func(key ed25519.PrivateKey, purpose string, m map[string]sdk.Value) sdk.Value {
				m["signature"] = sdk.Bytes(ed25519.Sign(key, effects.DeviceSigningMessage(purpose, sdk.Map(m).Canonical())))
				return sdk.Map(m)
			}
			appendFact := func(pred string, body sdk.Value) {
				fact := plugintest.Args("type", sdk.String("invitation"), "authority", sdk.Bytes(alice[:]), "time", sdk.Int(1_000_000),
					"predicate", sdk.String(pred), "body", body)
				if _, err := journal.Invoke(ctx, &sdk.Call{Op: effects.JournalAppendFact, Args: plugintest.Args("fact", fact)}); err != nil {
					t.Fatal(err)
				}
			}
			aliceKey, bobKey := servicetest.DeviceKey(alice), servicetest.DeviceKey(bob)
			appendFact("invitation.created", signed(aliceKey, effects.PurposeInvitation, map[string]sdk.Value{
				"id": sdk.String("invitation-bob"), "kind": sdk.String("guardian"), "sender": sdk.String(alice.String()),
				"receiver": sdk.String(bob.String()), "created_ms": sdk.Int(1_000_000), "expires_ms": sdk.Int(5_000_000),
				"nonce": sdk.Bytes([]byte("n")), "sender_key": sdk.Bytes(aliceKey.Public().(ed25519.PublicKey))}))
			hs := sdktest.New(t, ceremony.New(), sdktest.WithHost(host), sdktest.WithAuthority(alice))
			if err := hs.Client.Start(ctx, 0); err != nil {
				t.Fatal(err)
			}
			c := plugintest.Must(t, hs, effects.CeremonyPropose, plugintest.Args("invitations", plugintest.Strs("invitation-bob"),
				"threshold", sdk.Int(1), "ttl_ms", sdk.Int(60_000), "rotation", sdk.String(rotation)))
			id := plugintest.Args("id", plugintest.Field(t, c, "id"))
			plugintest.Fails(t, cryptos[0], effects.CryptoFrostKeyNonces, plugintest.Args("key", sdk.String(rotation)), sdk.CodeConflict, "pending")
			if tc.accept {
				bobPub := bobKey.Public().(ed25519.PublicKey)
				answer := signed(bobKey, effects.PurposeInvitationAnswer, map[string]sdk.Value{"id": sdk.String("invitation-bob"),
					"by": sdk.String(bob.String()), "at_ms": sdk.Int(1_000_001), "status": sdk.String("accepted"), "key": sdk.Bytes(bobPub)})
				body := map[string]sdk.Value{}
				for _, f := range answer.Fields() {
					if f.Key != "status" {
						body[f.Key] = f.Value
					}
				}
				appendFact("invitation.accepted", sdk.Map(body))
				if got := plugintest.Str(t, plugintest.Must(t, hs, effects.CeremonyAdvance, id), "state"); got != ceremony.StateCompleted {
					t.Fatalf("advanced: %s", got)
				}
			} else if got := plugintest.Str(t, plugintest.Must(t, hs, effects.CeremonyCancel, id), "state"); got != ceremony.StateRolledBack {
				t.Fatalf("cancelled: %s", got)
			}
			info, err := cryptos[0].Invoke(ctx, effects.CryptoFrostKeyInfo, plugintest.Args("key", sdk.String(rotation)))
			switch {
			case tc.want == "" && effects.AsError(err).Code != sdk.CodeNotFound:
				t.Fatalf("after the rollback the key is %v (%v), want it gone", info, err)
			case tc.want != "" && (err != nil || plugintest.Str(t, info, "state") != tc.want):
				t.Fatalf("after the completion the key is %v (%v), want %s", info, err, tc.want)
			case tc.want != "":
				// A committed key signs: its nonces are given.
				plugintest.Must(t, cryptos[0], effects.CryptoFrostKeyNonces, plugintest.Args("key", sdk.String(rotation)))
			}
		})
	}
}

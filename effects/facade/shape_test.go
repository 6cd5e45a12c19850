package facade_test

import (
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
)

// with returns map m with field name set to v (or removed, for a zero
// Value given as remove).
func with(m effects.Value, name string, v effects.Value) effects.Value {
	out := map[string]effects.Value{}
	for _, f := range m.Fields() {
		out[f.Key] = f.Value
	}
	if v.Equal(remove) {
		delete(out, name)
	} else {
		out[name] = v
	}
	return obj(out)
}

// remove marks a field to drop in with.
var remove = effects.String("\x00remove")

// TestMalformedResultsNameTheField gives methods results with one field
// wrong deep inside, and wants the ShapeError to name that field.
func TestMalformedResultsNameTheField(t *testing.T) {
	cases := map[string]methodCase{}
	for _, tc := range allCases() {
		cases[tc.name] = tc
	}
	reply := func(name string) effects.Value { return cases[name].reply }
	keys := reply("Crypto.FrostGenerateKeys")
	shares, _ := keys.Get("shares")
	badShares := list(shares.Items()[0], with(shares.Items()[1], "secret", bs("short")))
	request := reply("Recovery.Get")
	state, _ := request.Get("state")
	journal := reply("Journal.GetJournal")
	for _, tc := range []struct {
		method string
		reply  effects.Value
		field  string
		got    string // fragment of the message
	}{
		{"Crypto.GenerateKeypair", with(reply("Crypto.GenerateKeypair"), "private", remove), "private", "no such field"},
		{"Crypto.GenerateKeypair", with(reply("Crypto.GenerateKeypair"), "public", bs("short")), "public", "want 32 bytes, got 5 bytes"},
		{"Crypto.Hash", bs("short"), "", "want 32 bytes, got 5 bytes"},
		{"Crypto.FrostGenerateKeys", with(keys, "shares", badShares), "shares[1].secret", "want 32 bytes"},
		{"Crypto.FrostGenerateKeys", with(keys, "commitment", list(bs("x"))), "commitment[0]", "want 32 bytes"},
		{"Crypto.FrostSignShare", with(reply("Crypto.FrostSignShare"), "identifier", i64(0)), "identifier", "a positive identifier"},
		{"Crypto.FrostSignShare", with(reply("Crypto.FrostSignShare"), "identifier", i64(-1)), "identifier", "want uint, got int"},
		{"Crypto.FrostGenerateNonces", with(reply("Crypto.FrostGenerateNonces"), "nonces", str("n")), "nonces", "want a map, got string"},
		{"Clock.PhysicalTime", with(reply("Clock.PhysicalTime"), "ms", str("now")), "ms", "want int, got string"},
		{"Clock.PhysicalTime", with(reply("Clock.PhysicalTime"), "uncertainty_ms", effects.Null()), "uncertainty_ms", "got null"},
		{"Clock.OrderTime", bs("0123"), "", "want 32 bytes"},
		{"Random.Bytes32", bs("0123"), "", "want 32 bytes"},
		{"Random.Range", i64(5), "", "an int in [min, max)"},
		{"Storage.ListKeys", list(str("a"), i64(1)), "[1]", "want string, got int"},
		{"Storage.RetrieveBatch", obj(map[string]effects.Value{"a": str("1")}), "a", "want bytes, got string"},
		{"Storage.ClearAll", i64(-1), "", "a count"},
		{"Storage.Store", i64(1), "", "want null"},
		{"Journal.GetJournal", list(journal.Items()[0], with(journal.Items()[1], "type", remove)), "[1].type", "no such field"},
		{"Journal.GetFact", with(reply("Journal.GetFact"), "body", remove), "body", "no such field"},
		{"Journal.AppendFact", bs("short"), "", "want 32 bytes"},
		{"Journal.InclusionProof", with(reply("Journal.InclusionProof"), "proof", list(i64(1))), "proof[0]", "want 32 bytes, got int"},
		{"Journal.ChargeFlowBudget", with(reply("Journal.ChargeFlowBudget"), "spent", i64(-3)), "spent", "want uint, got int"},
		{"Network.SendEnvelope/simulated", with(reply("Network.SendEnvelope/simulated"), "deliver_at", str("soon")), "deliver_at", "want int"},
		{"Network.ReceiveEnvelope", with(reply("Network.ReceiveEnvelope"), "metadata", list()), "metadata", "want a map, got list"},
		{"Network.ReceiveEnvelope", with(reply("Network.ReceiveEnvelope"), "payload", remove), "payload", "no such field"},
		{"Network.ConnectedPeers", list(str("bob"), bs("")), "[1]", "non-empty bytes or string"},
		{"Sessions.Get", with(reply("Sessions.Get"), "participants", list(str("a"), i64(2))), "participants[1]", "want string, got int"},
		{"Sessions.ListActive", list(with(reply("Sessions.Get"), "epoch", bs("1"))), "[0].epoch", "want int, got 1 bytes"},
		{"Auth.CreateChallenge", with(reply("Auth.CreateChallenge"), "nonce", bs("short")), "nonce", "want 32 bytes"},
		{"Auth.Verify/authenticated", with(reply("Auth.Verify/authenticated"), "fact_id", remove), "fact_id", "no such field"},
		{"Invitations.Get", with(reply("Invitations.Get"), "created_ms", remove), "created_ms", "no such field"},
		{"Invitations.Get", with(reply("Invitations.Get"), "message", i64(1)), "message", "want string"},
		{"Recovery.Get", with(request, "state", with(state, "collected", str("1"))), "state.collected", "want int, got string"},
		{"Recovery.Get", with(request, "guardians", list(obj(map[string]effects.Value{"id": str("g1")}))), "guardians[0].public_key", "no such field"},
		{"Recovery.SubmitApproval/collecting", with(reply("Recovery.SubmitApproval/collecting"), "approval_fact_id", remove), "approval_fact_id", "no such field"},
		{"Rendezvous.List", list(with(reply("Rendezvous.Publish"), "descriptor", str("x"))), "[0].descriptor", "want a map, got string"},
		{"Rendezvous.Lookup", list(), "", "want a map, got list"},
	} {
		tc0, ok := cases[tc.method]
		if !ok {
			t.Fatalf("no case %q", tc.method)
		}
		t.Run(tc.method+"/"+tc.field, func(t *testing.T) {
			f := newFake(t)
			f.reply(tc0.op, tc.reply)
			_, err := tc0.call(t.Context(), f.clients())
			checkShapeError(t, err, tc0.op, tc.field)
			if err != nil && !strings.Contains(err.Error(), tc.got) {
				t.Errorf("error %q does not say %q", err, tc.got)
			}
		})
	}
}

// TestShapeErrorMessage pins the message callers and logs see.
func TestShapeErrorMessage(t *testing.T) {
	f := newFake(t)
	f.reply(effects.CryptoEd25519GenerateKeypair, obj(map[string]effects.Value{"public": str("x"), "private": effects.Bytes(filled(64, 1))}))
	_, err := f.clients().Crypto.GenerateKeypair(t.Context())
	const want = "crypto.ed25519_generate_keypair: internal: unexpected result shape: result field public: want 32 bytes, got string"
	if err == nil || err.Error() != want {
		t.Errorf("error\n  %v\nwant\n  %s", err, want)
	}
}

package session

import (
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/vm/trace"
)

func keygen(public, private byte, n int64) trace.Entry {
	return trace.Entry{OrderingKey: 1, EffectID: 1, Kind: trace.KindInvoke, Role: "A", Interface: "crypto", Operation: "crypto.ed25519_generate",
		Outputs: effects.Map(map[string]effects.Value{
			"public":  effects.Bytes([]byte{public, 1, 2, 3}),
			"private": effects.Bytes([]byte{private, 0xde, 0xad, 0xbe, 0xef}),
			"n":       effects.Int(n)})}
}

// trace diff lists every field that differs at the first divergence, says
// how many more entries differ, and hides a private key on both sides as
// protocol run does: no byte of it is printed, in the fields or the
// context.
func TestTraceDiffShowsEveryFieldAndHidesSecrets(t *testing.T) {
	a := &trace.Trace{Entries: []trace.Entry{keygen(1, 0xa1, 1), keygen(2, 0xa2, 2), keygen(3, 0xa3, 3)}}
	b := &trace.Trace{Entries: []trace.Entry{keygen(9, 0xb9, 9), keygen(2, 0xa2, 2), keygen(3, 0xa3, 4)}}
	var out strings.Builder
	if WriteTraceDiff(&out, "a.jsonl", "b.jsonl", a, b, 3) {
		t.Fatal("different traces reported identical")
	}
	text := out.String()
	for _, want := range []string{
		"fields that differ at index 0:",
		"outputs.n        A: 1\n                   B: 9",
		"outputs.private  A: (secret)\n                   B: (secret)",
		"outputs.public   A: 0x01010203\n                   B: 0x09010203",
		"1 more entries differ after index 0",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	for _, secret := range []string{"a1dead", "b9dead", "a2dead", "dead"} {
		if strings.Contains(text, secret) {
			t.Errorf("output shows private key bytes %q:\n%s", secret, text)
		}
	}
}

// The one redaction rule, in each form it takes.
func TestRedactionRule(t *testing.T) {
	for path, secret := range map[string]bool{"outputs.private": true, "outputs.map.keys[1].secret.bytes": true,
		"inputs.nonces[0]": true, "outputs.public": false, "outputs.privateish": false,
		"inputs.map.key.bytes": true, "inputs.map.key.string": false} {
		if SecretPath(path) != secret {
			t.Errorf("SecretPath(%q) = %v", path, !secret)
		}
	}
	got := RedactJSON(map[string]any{"map": map[string]any{"private": map[string]any{"bytes": "abcd"}, "public": "x",
		"key": map[string]any{"bytes": "abcd"}}})
	if m := got.(map[string]any)["map"].(map[string]any); m["private"] != Secret || m["public"] != "x" || m["key"] != Secret {
		t.Errorf("RedactJSON = %v", got)
	}
	// crypto.ed25519_sign's key argument is a private key; a storage key
	// is a string and stays.
	signArgs := Redact(effects.Map(map[string]effects.Value{"msg": effects.Bytes([]byte("hi")), "key": effects.Bytes([]byte{0xde, 0xad})}))
	if k, _ := signArgs.Get("key"); !k.Equal(effects.String(Secret)) {
		t.Errorf("Redact(sign args) = %v, want the key hidden", signArgs)
	}
	storeArgs := Redact(effects.Map(map[string]effects.Value{"key": effects.String("readme")}))
	if k, _ := storeArgs.Get("key"); !k.Equal(effects.String("readme")) {
		t.Errorf("Redact(store args) = %v, want a storage key shown", storeArgs)
	}
	if got := renderField("inputs.key", effects.Bytes([]byte{0xde, 0xad})); got != Secret {
		t.Errorf("renderField(inputs.key, bytes) = %q", got)
	}
}

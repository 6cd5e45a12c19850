package threshold_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/effects/facade"
	"github.com/aurahost/aura-host/host/threshold"
	"github.com/aurahost/aura-host/plugins/crypto"
	"github.com/aurahost/aura-host/sdk/sdktest"
)

// deviceKey answers device.sign for a crypto plugin under test, as an
// agent's host does.
func deviceKey(seed byte) effects.Handler {
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize))
	return effects.HandlerFunc(func(_ context.Context, c *effects.Call) (effects.Value, error) {
		msg, _ := c.Arg("message").AsBytes()
		purpose, _ := c.Arg("purpose").AsString()
		return effects.Bytes(ed25519.Sign(key, effects.DeviceSigningMessage(purpose, msg))), nil
	})
}

func arg(kv ...any) effects.Value {
	m := map[string]effects.Value{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1].(effects.Value)
	}
	return effects.Map(m)
}

func field(v effects.Value, name string) effects.Value { f, _ := v.Get(name); return f }

// dkg runs a t-of-n DKG among n crypto plugins (each over gRPC with its own
// state directory and device key) and returns each one's handler and key.
func dkg(t *testing.T, tt, n int) ([]effects.Handler, []string) {
	t.Helper()
	handlers := make([]effects.Handler, n)
	keys := make([]string, n)
	var pkgs []effects.Value
	for i := range n {
		h := sdktest.New(t, crypto.New(), sdktest.WithHost(deviceKey(byte(i+1))))
		handlers[i] = effects.HandlerFunc(func(ctx context.Context, c *effects.Call) (effects.Value, error) { return h.Invoke(ctx, c.Op, c.Args) })
		r := must(t, handlers[i], effects.CryptoFrostDKGBegin, arg("t", effects.Int(int64(tt)), "n", effects.Int(int64(n)),
			"identifier", effects.Int(int64(i+1)), "context", effects.Bytes(bytes.Repeat([]byte{3}, 32))))
		keys[i], _ = field(r, "key").AsString()
		pkgs = append(pkgs, field(r, "package"))
	}
	var sent []effects.Value
	for i, h := range handlers {
		sent = append(sent, must(t, h, effects.CryptoFrostDKGShares, arg("key", effects.String(keys[i]), "packages", effects.List(pkgs...))))
	}
	routed := must(t, handlers[0], effects.CryptoFrostDKGRoute, arg("shares", effects.List(sent...), "from", effects.Int(1), "to", effects.Int(int64(n))))
	for i, h := range handlers {
		r := must(t, h, effects.CryptoFrostDKGFinish, arg("key", effects.String(keys[i]), "packages", effects.List(pkgs...), "shares", routed.Items()[i]))
		if ok, _ := field(r, "ok").AsBool(); !ok {
			t.Fatalf("device %d complains: %v", i+1, field(r, "complaint"))
		}
		must(t, h, effects.CryptoFrostDKGCommit, arg("key", effects.String(keys[i])))
	}
	return handlers, keys
}

func must(t *testing.T, h effects.Handler, op effects.OpID, args effects.Value) effects.Value {
	t.Helper()
	v, err := h.Invoke(context.Background(), &effects.Call{Op: op, Args: args})
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	return v
}

func devices(handlers []effects.Handler, keys []string) []threshold.Device {
	out := make([]threshold.Device, len(handlers))
	for i, h := range handlers {
		out[i] = threshold.Device{Name: fmt.Sprintf("d%d", i+1), Crypto: facade.New(h).Crypto, Key: keys[i]}
	}
	return out
}

// cheat makes a device answer round two with a share that is not its own.
func cheat(h effects.Handler) effects.Handler {
	return effects.HandlerFunc(func(ctx context.Context, c *effects.Call) (effects.Value, error) {
		v, err := h.Invoke(ctx, c)
		if err != nil || c.Op != effects.CryptoFrostKeySignShare {
			return v, err
		}
		one := make([]byte, 32)
		one[0] = 1
		return arg("identifier", field(v, "identifier"), "share", effects.Bytes(one)), nil
	})
}

// switchable is a device that can go down: then every call fails, as on a
// crashed plugin.
type switchable struct {
	effects.Handler
	down atomic.Bool
}

func (s *switchable) Invoke(ctx context.Context, c *effects.Call) (effects.Value, error) {
	if s.down.Load() {
		return effects.Value{}, &effects.Error{Code: effects.CodeUnavailable, Op: c.Op, Message: "the plugin is down"}
	}
	return s.Handler.Invoke(ctx, c)
}

func verify(t *testing.T, s *threshold.Signer, msg []byte, sig threshold.Signature) {
	t.Helper()
	if !ed25519.Verify(s.Status().GroupPublic, msg, sig.Signature) {
		t.Fatal("crypto/ed25519 rejects the threshold signature")
	}
}

// A device whose signature share does not verify is named, and the
// signature is made again with another device.
func TestCheatingSignerIsNamedAndReplaced(t *testing.T) {
	handlers, keys := dkg(t, 2, 3)
	handlers[1] = cheat(handlers[1])
	s, err := threshold.New(context.Background(), devices(handlers, keys))
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("sign despite a cheat")
	sig, err := s.Sign(context.Background(), msg)
	if err != nil {
		t.Fatal(err)
	}
	verify(t, s, msg, sig)
	if len(sig.Excluded) != 1 || sig.Excluded[0].Device != "d2" || !sig.Excluded[0].Cheated {
		t.Fatalf("excluded %+v, want d2 named as a cheat", sig.Excluded)
	}
	if fmt.Sprint(sig.Signers) != "[d1 d3]" || sig.Coordinator != "d1" {
		t.Fatalf("signed by %v coordinated by %s, want [d1 d3] by d1", sig.Signers, sig.Coordinator)
	}
}

// A device that is down, the coordinator included, is left out; with too
// few left the error says who and why.
func TestUnavailableDevicesAreLeftOut(t *testing.T) {
	handlers, keys := dkg(t, 2, 3)
	sw := make([]*switchable, len(handlers))
	for i, h := range handlers {
		sw[i] = &switchable{Handler: h}
		handlers[i] = sw[i]
	}
	s, err := threshold.New(context.Background(), devices(handlers, keys))
	if err != nil {
		t.Fatal(err)
	}
	sw[0].down.Store(true)
	msg := []byte("without the first device")
	sig, err := s.Sign(context.Background(), msg)
	if err != nil {
		t.Fatal(err)
	}
	verify(t, s, msg, sig)
	if sig.Coordinator != "d2" || len(sig.Excluded) != 1 || sig.Excluded[0].Device != "d1" || sig.Excluded[0].Cheated {
		t.Fatalf("coordinator %s, excluded %+v; want d2, with d1 left out as unavailable", sig.Coordinator, sig.Excluded)
	}

	sw[2].down.Store(true)
	var tooFew *threshold.TooFewError
	if _, err := s.Sign(context.Background(), msg); !errors.As(err, &tooFew) || tooFew.Have != 1 || len(tooFew.Excluded) != 2 {
		t.Fatalf("got %v, want a *TooFewError with one device left and two left out", err)
	}
}

// With t = 1 one device signs alone.
func TestOneOfTwoSignsAlone(t *testing.T) {
	handlers, keys := dkg(t, 1, 2)
	s, err := threshold.New(context.Background(), devices(handlers, keys))
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("one device")
	sig, err := s.Sign(context.Background(), msg)
	if err != nil {
		t.Fatal(err)
	}
	verify(t, s, msg, sig)
	if len(sig.Signers) != 1 {
		t.Fatalf("signers %v, want one", sig.Signers)
	}
}

// Devices holding shares of different keys are refused together.
func TestDevicesOfDifferentKeysAreRefused(t *testing.T) {
	a, ak := dkg(t, 2, 2)
	b, bk := dkg(t, 2, 2)
	mixed := append(devices(a[:1], ak[:1]), devices(b[1:], bk[1:])...)
	if _, err := threshold.New(context.Background(), mixed); err == nil {
		t.Fatal("devices of two keys were accepted as one authority")
	}
}

// An attestation verifies under the group key for its purpose only, and a
// plain signature of the same body is no attestation.
func TestAttestationIsBoundToItsPurpose(t *testing.T) {
	handlers, keys := dkg(t, 2, 3)
	s, err := threshold.New(context.Background(), devices(handlers, keys))
	if err != nil {
		t.Fatal(err)
	}
	group := s.Status().GroupPublic
	body := arg("statement", effects.String("device d4 joins"))
	a, err := s.Attest(context.Background(), "enrolment", body)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Verify(group) {
		t.Fatal("the attestation does not verify under the group key")
	}
	other := a
	other.Purpose = "device-set"
	if other.Verify(group) {
		t.Fatal("an attestation verified for another purpose")
	}
	plain, err := s.Sign(context.Background(), body.Canonical())
	if err != nil {
		t.Fatal(err)
	}
	if (threshold.Attestation{Purpose: "enrolment", Body: body, Signature: plain.Signature}).Verify(group) {
		t.Fatal("a plain signature of the body passed for an attestation")
	}
	if _, err := s.Sign(context.Background(), threshold.GroupSigningMessage("device-set", body.Canonical())); err == nil {
		t.Fatal("Sign signed a message of the group-statement domain: an attestation forged through it")
	}
	if _, err := s.AttestDeviceSet(context.Background()); err == nil || !strings.Contains(err.Error(), "offers no device key") {
		t.Fatalf("a device set of devices without device keys: %v", err)
	}
	two, err := threshold.New(context.Background(), devices(handlers, keys)[:2])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := two.AttestDeviceSet(context.Background()); err == nil || !strings.Contains(err.Error(), "give it every device") {
		t.Fatalf("a device set of 2 of 3 devices: %v", err)
	}
}

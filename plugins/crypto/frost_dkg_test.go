package crypto

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/ed25519"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"filippo.io/edwards25519"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/plugins/internal/plugintest"
	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/sdk/sdktest"
)

// participant is one device of a test ceremony: its crypto plugin, over
// gRPC, with its own state directory and device key.
type participant struct {
	h     *sdktest.Harness
	dir   string
	dev   ed25519.PrivateKey
	id    uint64
	key   string    // handle
	begin sdk.Value // frost_dkg_begin's result
}

func newParticipant(t *testing.T, id uint64, mode effects.Mode, seed uint64) *participant {
	seedKey := make([]byte, ed25519.SeedSize)
	seedKey[0] = byte(id)
	p := &participant{dir: t.TempDir(), dev: ed25519.NewKeyFromSeed(seedKey), id: id}
	p.h = sdktest.New(t, New(), sdktest.WithMode(mode, seed), sdktest.WithStateDir(p.dir), sdktest.WithHost(plugintest.Device(p.dev)))
	return p
}

// restart is the participant's plugin started again on its state.
func (p *participant) restart(t *testing.T, dev ed25519.PrivateKey) *participant {
	q := *p
	q.dev = dev
	q.h = sdktest.New(t, New(), sdktest.WithStateDir(p.dir), sdktest.WithHost(plugintest.Device(dev)))
	return &q
}

var dkgContextBytes = sdk.Bytes(bytes.Repeat([]byte{7}, 32))

// runDKG runs a t-of-n ceremony to the end of round two and returns the
// participants, the packages and each participant's finish result.
func runDKG(t *testing.T, tt, n uint64, tamper func(shares []sdk.Value)) ([]*participant, sdk.Value, []sdk.Value) {
	t.Helper()
	ps := make([]*participant, n)
	var pkgs []sdk.Value
	for i := range ps {
		p := newParticipant(t, uint64(i+1), effects.Production, 0)
		p.begin = invoke(t, p.h, effects.CryptoFrostDKGBegin, vmap("t", sdk.Int(int64(tt)), "n", sdk.Int(int64(n)), "identifier", sdk.Int(int64(p.id)), "context", dkgContextBytes))
		p.key, _ = get(t, p.begin, "key").AsString()
		ps[i], pkgs = p, append(pkgs, get(t, p.begin, "package"))
	}
	all := sdk.List(pkgs...)
	var sent []sdk.Value
	for _, p := range ps {
		sent = append(sent, invoke(t, p.h, effects.CryptoFrostDKGShares, vmap("key", sdk.String(p.key), "packages", all)))
	}
	if tamper != nil {
		tamper(sent)
	}
	routed := invoke(t, ps[0].h, effects.CryptoFrostDKGRoute, vmap("shares", sdk.List(sent...), "from", sdk.Int(int64(1)), "to", sdk.Int(int64(n))))
	results := make([]sdk.Value, n)
	for i, p := range ps {
		results[i] = invoke(t, p.h, effects.CryptoFrostDKGFinish, vmap("key", sdk.String(p.key), "packages", all, "shares", routed.Items()[i]))
	}
	return ps, all, results
}

// thresholdSign has the participants sign msg with their held keys and returns the
// aggregate's result.
func thresholdSign(t *testing.T, signers []*participant, groupPublic sdk.Value, msg []byte) (sdk.Value, error) {
	t.Helper()
	var commitments, nonces []sdk.Value
	for _, p := range signers {
		r := invoke(t, p.h, effects.CryptoFrostKeyNonces, vmap("key", sdk.String(p.key)))
		commitments, nonces = append(commitments, get(t, r, "commitment")), append(nonces, get(t, r, "nonces"))
	}
	pkg := invoke(t, signers[0].h, effects.CryptoFrostCreateSigningPackage, vmap("msg", sdk.Bytes(msg),
		"commitments", sdk.List(commitments...), "group_public", groupPublic))
	var shares []sdk.Value
	for i, p := range signers {
		shares = append(shares, invoke(t, p.h, effects.CryptoFrostKeySignShare, vmap("key", sdk.String(p.key), "pkg", pkg, "nonces", nonces[i])))
	}
	info := invoke(t, signers[0].h, effects.CryptoFrostKeyInfo, vmap("key", sdk.String(signers[0].key)))
	return signers[0].h.Invoke(context.Background(), effects.CryptoFrostAggregateSignatures,
		vmap("pkg", pkg, "shares", sdk.List(shares...), "verifying_shares", get(t, info, "verifying_shares")))
}

// A DKG among t-of-n devices gives every device the same group key, and
// any t of them sign a message that crypto/ed25519 verifies under it,
// while t-1 cannot.
func TestDKGGivesAKeyAnyThresholdOfDevicesSignsWith(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ t, n uint64 }{{2, 3}, {3, 5}, {1, 2}} {
		t.Run(fmt.Sprintf("%d-of-%d", c.t, c.n), func(t *testing.T) {
			ps, _, results := runDKG(t, c.t, c.n, nil)
			group := get(t, results[0], "group_public")
			for i, r := range results {
				if ok, _ := get(t, r, "ok").AsBool(); !ok {
					t.Fatalf("participant %d complains: %v", i+1, get(t, r, "complaint"))
				}
				if !get(t, r, "group_public").Equal(group) || !get(t, r, "transcript").Equal(get(t, results[0], "transcript")) {
					t.Fatalf("participant %d ends with another key or transcript: %v", i+1, r)
				}
			}
			// Pending keys do not sign.
			plugintest.Fails(t, ps[0].h, effects.CryptoFrostKeyNonces, vmap("key", sdk.String(ps[0].key)), sdk.CodeConflict, "pending")
			for _, p := range ps {
				invoke(t, p.h, effects.CryptoFrostDKGCommit, vmap("key", sdk.String(p.key)))
			}
			msg := []byte("an authority acts")
			for first := 0; first+int(c.t) <= int(c.n); first++ { // several signing sets
				sig, err := thresholdSign(t, ps[first:first+int(c.t)], group, msg)
				if err != nil {
					t.Fatalf("signers %d..%d: %v", first+1, first+int(c.t), err)
				}
				gb, _ := group.AsBytes()
				sb, _ := sig.AsBytes()
				if !ed25519.Verify(gb, msg, sb) {
					t.Fatal("crypto/ed25519 rejects the threshold signature")
				}
			}
			if c.t > 1 {
				if _, err := thresholdSign(t, ps[:c.t-1], group, msg); err == nil {
					t.Fatalf("%d devices, one fewer than the threshold, produced a signature", c.t-1)
				}
			}
		})
	}
}

// A participant that deals a share its commitment does not vouch for (a
// test fixture playing participant 2 by hand, with a valid proof and a
// properly encrypted share of the wrong value) is named in the complaint.
func TestDKGBadShareIsNamedInTheComplaint(t *testing.T) {
	t.Parallel()
	honest := newParticipant(t, 1, effects.Production, 0)
	begin := invoke(t, honest.h, effects.CryptoFrostDKGBegin, vmap("t", sdk.Int(int64(2)), "n", sdk.Int(int64(2)), "identifier", sdk.Int(int64(1)), "context", dkgContextBytes))
	handle := get(t, begin, "key")

	// Participant 2, cheating: an honest package, then a share of f(1)+1.
	ctxBytes, _ := dkgContextBytes.AsBytes()
	coeffs := []*edwards25519.Scalar{scalarOf(11), scalarOf(12)}
	encPriv, _ := ecdh.X25519().NewPrivateKey(bytes.Repeat([]byte{9}, 32))
	cheat := dkgPackage{id: 2, commitment: vssCommit(coeffs), encKey: encPriv.PublicKey().Bytes()}
	cheat.proofR, cheat.proofZ = proveKnowledge(2, ctxBytes, coeffs, cheat.commitment, cheat.encKey, scalarOf(13))
	all := sdk.List(get(t, begin, "package"), cheat.value())
	invoke(t, honest.h, effects.CryptoFrostDKGShares, vmap("key", handle, "packages", all))

	honestKey, _ := get(t, get(t, begin, "package"), "encryption_key").AsBytes()
	key, err := shareKey(encPriv, honestKey, ctxBytes, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	wrong := polynomialEvaluate(identifierScalar(1), coeffs)
	wrong.Add(wrong, scalarOne())
	bad := vmap("sender", sdk.Int(int64(2)), "receiver", sdk.Int(int64(1)), "ciphertext", sdk.Bytes(sealShare(key, wrong, ctxBytes)))
	r := invoke(t, honest.h, effects.CryptoFrostDKGFinish, vmap("key", handle, "packages", all, "shares", sdk.List(bad)))
	if ok, _ := get(t, r, "ok").AsBool(); ok {
		t.Fatal("a bad share was accepted")
	}
	if accused := get(t, get(t, r, "complaint"), "accused"); !accused.Equal(sdk.Int(int64(2))) {
		t.Fatalf("complaint names %v, want participant 2", accused)
	}
	// The ceremony aborts: the key is forgotten, and cannot be committed.
	plugintest.Fails(t, honest.h, effects.CryptoFrostDKGCommit, vmap("key", handle), sdk.CodeConflict, "round2")
	invoke(t, honest.h, effects.CryptoFrostDKGAbort, vmap("key", handle))
	plugintest.Fails(t, honest.h, effects.CryptoFrostKeyInfo, vmap("key", handle), sdk.CodeNotFound, "no key")
}

func scalarOf(n uint64) *edwards25519.Scalar { return identifierScalar(n) }

// A share altered on the way (here: the relay swaps two ciphertexts) does
// not open, and its sender is named.
func TestDKGShareAlteredInTransitIsNamed(t *testing.T) {
	t.Parallel()
	_, _, results := runDKG(t, 2, 3, func(sent []sdk.Value) {
		// Participant 3's shares for 1 and 2, their ciphertexts swapped.
		items := sent[2].Items()
		a, b := items[0], items[1]
		ca, _ := a.Get("ciphertext")
		cb, _ := b.Get("ciphertext")
		sent[2] = sdk.List(withField(a, "ciphertext", cb), withField(b, "ciphertext", ca))
	})
	for i := range 2 {
		c := get(t, results[i], "complaint")
		if accused := get(t, c, "accused"); !accused.Equal(sdk.Int(int64(3))) {
			t.Fatalf("participant %d's complaint names %v, want 3 (%v)", i+1, accused, c)
		}
	}
	if ok, _ := get(t, results[2], "ok").AsBool(); !ok {
		t.Fatal("participant 3 received honest shares but complains")
	}
}

func withField(v sdk.Value, name string, f sdk.Value) sdk.Value {
	m := map[string]sdk.Value{}
	for _, fl := range v.Fields() {
		m[fl.Key] = fl.Value
	}
	m[name] = f
	return sdk.Map(m)
}

// A package whose proof of knowledge does not verify (a rogue-key attempt:
// a commitment to a constant term its sender does not know) stops round
// two, naming the sender.
func TestDKGProofOfKnowledgeIsChecked(t *testing.T) {
	t.Parallel()
	p := newParticipant(t, 1, effects.Production, 0)
	other := newParticipant(t, 2, effects.Production, 0)
	args := func(id uint64) sdk.Value {
		return vmap("t", sdk.Int(int64(2)), "n", sdk.Int(int64(2)), "identifier", sdk.Int(int64(id)), "context", dkgContextBytes)
	}
	mine := invoke(t, p.h, effects.CryptoFrostDKGBegin, args(1))
	theirs := get(t, invoke(t, other.h, effects.CryptoFrostDKGBegin, args(2)), "package")
	forged := withField(theirs, "commitment", sdk.List(sdk.Bytes(edwards25519.NewGeneratorPoint().Bytes()), get(t, theirs, "commitment").Items()[1]))
	plugintest.Fails(t, p.h, effects.CryptoFrostDKGShares, vmap("key", get(t, mine, "key"), "packages", sdk.List(get(t, mine, "package"), forged)),
		sdk.CodeInvalidArgs, "participant 2's proof of knowledge does not verify")
}

// The signing share survives a restart sealed in the state directory,
// opens only with the same device key, and is not on disk in the clear.
func TestHeldKeySurvivesARestartSealedByTheDeviceKey(t *testing.T) {
	t.Parallel()
	ps, _, results := runDKG(t, 2, 3, nil)
	for _, p := range ps {
		invoke(t, p.h, effects.CryptoFrostDKGCommit, vmap("key", sdk.String(p.key)))
	}
	group := get(t, results[0], "group_public")
	path := filepath.Join(ps[0].dir, "keys", ps[0].key)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("sealed key file mode %v, want 0600", fi.Mode().Perm())
	}
	sealed, _ := os.ReadFile(path)
	if bytes.Contains(sealed, []byte("secret")) || bytes.Contains(sealed, []byte("active")) {
		t.Fatal("the key file holds the key's fields in the clear")
	}

	restarted := ps[0].restart(t, ps[0].dev)
	if sig, err := thresholdSign(t, []*participant{restarted, ps[1]}, group, []byte("after a restart")); err != nil {
		t.Fatalf("signing after a restart: %v (%v)", err, sig)
	}

	other := make([]byte, ed25519.SeedSize)
	other[0] = 0xee
	thief := ps[0].restart(t, ed25519.NewKeyFromSeed(other))
	plugintest.Fails(t, thief.h, effects.CryptoFrostKeyInfo, vmap("key", sdk.String(ps[0].key)), sdk.CodeInternal, "does not authenticate")
}

// Held nonces sign once; a second use is refused.
func TestHeldNoncesAreUsedOnce(t *testing.T) {
	t.Parallel()
	ps, _, results := runDKG(t, 1, 1, nil)
	p := ps[0]
	invoke(t, p.h, effects.CryptoFrostDKGCommit, vmap("key", sdk.String(p.key)))
	r := invoke(t, p.h, effects.CryptoFrostKeyNonces, vmap("key", sdk.String(p.key)))
	pkg := invoke(t, p.h, effects.CryptoFrostCreateSigningPackage, vmap("msg", sdk.Bytes([]byte("m")),
		"commitments", sdk.List(get(t, r, "commitment")), "group_public", get(t, results[0], "group_public")))
	args := vmap("key", sdk.String(p.key), "pkg", pkg, "nonces", get(t, r, "nonces"))
	invoke(t, p.h, effects.CryptoFrostKeySignShare, args)
	plugintest.Fails(t, p.h, effects.CryptoFrostKeySignShare, args, sdk.CodeNotFound, "used once")
}

// Without a device to seal with (a plain host), no key is held.
func TestHeldKeysNeedADevice(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, New())
	plugintest.Fails(t, h, effects.CryptoFrostDKGBegin, vmap("t", sdk.Int(int64(1)), "n", sdk.Int(int64(1)), "identifier", sdk.Int(int64(1)), "context", dkgContextBytes),
		sdk.CodeUnavailable, "declare an `agent` block")
}

// The coordinator's check names exactly the participants whose signature
// share is invalid.
func TestVerifySharesNamesTheCheater(t *testing.T) {
	t.Parallel()
	ps, _, results := runDKG(t, 2, 3, nil)
	for _, p := range ps {
		invoke(t, p.h, effects.CryptoFrostDKGCommit, vmap("key", sdk.String(p.key)))
	}
	var commitments, nonces []sdk.Value
	for _, p := range ps[:2] {
		r := invoke(t, p.h, effects.CryptoFrostKeyNonces, vmap("key", sdk.String(p.key)))
		commitments, nonces = append(commitments, get(t, r, "commitment")), append(nonces, get(t, r, "nonces"))
	}
	pkg := invoke(t, ps[0].h, effects.CryptoFrostCreateSigningPackage, vmap("msg", sdk.Bytes([]byte("m")),
		"commitments", sdk.List(commitments...), "group_public", get(t, results[0], "group_public")))
	var shares []sdk.Value
	for i, p := range ps[:2] {
		shares = append(shares, invoke(t, p.h, effects.CryptoFrostKeySignShare, vmap("key", sdk.String(p.key), "pkg", pkg, "nonces", nonces[i])))
	}
	verifying := get(t, invoke(t, ps[0].h, effects.CryptoFrostKeyInfo, vmap("key", sdk.String(ps[0].key))), "verifying_shares")
	check := func(shares []sdk.Value) sdk.Value {
		return invoke(t, ps[0].h, effects.CryptoFrostVerifyShares, vmap("pkg", pkg, "shares", sdk.List(shares...), "verifying_shares", verifying))
	}
	if got := check(shares); got.Len() != 0 {
		t.Fatalf("honest shares reported invalid: %v", got)
	}
	bad := withField(shares[1], "share", sdk.Bytes(scalarOne().Bytes()))
	if got := check([]sdk.Value{shares[0], bad}); !got.Equal(sdk.List(sdk.Int(2))) {
		t.Fatalf("invalid shares = %v, want [2]", got)
	}
}

// A seeded run over a state directory an earlier run left a key in draws
// that run's handles again; the earlier key is not overwritten.
func TestASeededRunKeepsAnEarlierRunsKeys(t *testing.T) {
	dir := t.TempDir()
	dev := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{5}, ed25519.SeedSize))
	run := 1 << 30
	begin := func() string {
		run++ // each harness another host run: its draws start again at epoch 0
		t.Setenv(sdk.HostPIDEnv, strconv.Itoa(run))
		h := sdktest.New(t, New(), sdktest.WithMode(effects.Testing, 9), sdktest.WithStateDir(dir), sdktest.WithHost(plugintest.Device(dev)))
		r := invoke(t, h, effects.CryptoFrostDKGBegin, vmap("t", sdk.Int(1), "n", sdk.Int(1), "identifier", sdk.Int(1), "context", dkgContextBytes))
		k, _ := get(t, r, "key").AsString()
		return k
	}
	first, second := begin(), begin()
	if first == second {
		t.Fatalf("the second run reused handle %s and overwrote the first run's key", first)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "keys"))
	if len(entries) != 2 {
		t.Fatalf("%d key files, want both runs' keys", len(entries))
	}
}

package vm

import (
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"
	"lukechampine.com/blake3"

	"github.com/aurahost/aura-host/effects"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// examplesDir holds the example protocols every test runs.
const examplesDir = "../examples/protocols"

func readExample(t testing.TB, name string) ([]byte, string) {
	t.Helper()
	path := filepath.Join(examplesDir, name+".hcl")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return src, name + ".hcl"
}

func exampleNames(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(examplesDir, "*.hcl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no example protocols in %s: %v", examplesDir, err)
	}
	var names []string
	for _, f := range files {
		names = append(names, strings.TrimSuffix(filepath.Base(f), ".hcl"))
	}
	return names
}

func mustCompile(t testing.TB, src []byte, filename string) *Program {
	t.Helper()
	p, diags := Load(src, filename)
	if diags.HasErrors() {
		t.Fatalf("%s: %s", filename, diags)
	}
	prog, diags := Compile(p)
	if diags.HasErrors() {
		t.Fatalf("%s: %s", filename, diags)
	}
	return prog
}

func compileExample(t testing.TB, name string) *Program {
	t.Helper()
	src, file := readExample(t, name)
	return mustCompile(t, src, file)
}

// seedFor derives deterministic key material for a test handler from the
// caller's session and role (vm.CallerFrom), so keys do not depend on how
// machines interleave.
func seedFor(ctx context.Context, purpose string) []byte {
	c, _ := CallerFrom(ctx)
	h := blake3.Sum256([]byte("vm test/" + purpose + "/" + c.Session.String() + "/" + c.Role))
	return h[:]
}

func argBytes(c *effects.Call, name string) []byte {
	b, _ := c.Arg(name).AsBytes()
	return b
}

// testRegistry serves the operations the example protocols invoke, in
// process: real Ed25519 over crypto/ed25519 and BLAKE3 for crypto.hash,
// deterministic stand-ins for the FROST round (the protocol only routes
// its values), and test.echo for generated protocols.
func testRegistry(t testing.TB) *effects.Registry {
	t.Helper()
	reg := effects.NewRegistry()
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	bytesParam := func(names ...string) []effects.Param {
		var ps []effects.Param
		for _, n := range names {
			ps = append(ps, effects.Param{Name: n, Kind: effects.KindBytes})
		}
		return ps
	}
	must(reg.Register("test-crypto", effects.HandlerFunc(func(ctx context.Context, c *effects.Call) (effects.Value, error) {
		switch c.Op {
		case effects.CryptoEd25519GenerateKeypair:
			priv := ed25519.NewKeyFromSeed(seedFor(ctx, "ed25519"))
			return effects.Map(map[string]effects.Value{"public": effects.Bytes(priv.Public().(ed25519.PublicKey)), "private": effects.Bytes(priv)}), nil
		case effects.CryptoEd25519Sign:
			key := argBytes(c, "key")
			if len(key) != ed25519.PrivateKeySize {
				return effects.Value{}, effects.Errorf(effects.CodeInvalidArgs, "key must be %d bytes", ed25519.PrivateKeySize)
			}
			return effects.Bytes(ed25519.Sign(ed25519.PrivateKey(key), argBytes(c, "msg"))), nil
		case effects.CryptoEd25519Verify:
			pub := argBytes(c, "pub")
			if len(pub) != ed25519.PublicKeySize {
				return effects.Value{}, effects.Errorf(effects.CodeInvalidArgs, "pub must be %d bytes", ed25519.PublicKeySize)
			}
			return effects.Bool(ed25519.Verify(pub, argBytes(c, "msg"), argBytes(c, "sig"))), nil
		case effects.CryptoHash:
			h := blake3.Sum256(argBytes(c, "data"))
			return effects.Bytes(h[:]), nil
		}
		return effects.Value{}, effects.Errorf(effects.CodeUnknownOp, "%s", c.Op)
	}),
		effects.OpSpec{ID: effects.CryptoEd25519GenerateKeypair, Result: effects.KindMap, Determinism: effects.ReadsWorld},
		effects.OpSpec{ID: effects.CryptoEd25519Sign, Params: bytesParam("msg", "key"), Result: effects.KindBytes, Determinism: effects.Pure},
		effects.OpSpec{ID: effects.CryptoEd25519Verify, Params: bytesParam("msg", "sig", "pub"), Result: effects.KindBool, Determinism: effects.Pure},
		effects.OpSpec{ID: effects.CryptoHash, Params: bytesParam("data"), Result: effects.KindBytes, Determinism: effects.Pure},
	))
	// FROST stand-ins: each returns a value of the real operation's shape,
	// derived from its arguments, so the protocol's routing is what is
	// tested, not the cryptography (plugins/crypto tests that).
	frost := effects.HandlerFunc(func(ctx context.Context, c *effects.Call) (effects.Value, error) {
		digest := func(parts ...effects.Value) effects.Value {
			h := blake3.Sum256(effects.List(parts...).Canonical())
			return effects.Bytes(h[:])
		}
		share := c.Arg("share")
		id, _ := share.Get("identifier")
		switch c.Op {
		case effects.CryptoFrostGenerateKeys:
			n, _ := c.Arg("n").AsInt()
			group := digest(c.Arg("t"), c.Arg("n"), effects.String("group"))
			var shares []effects.Value
			for i := int64(1); i <= n; i++ {
				shares = append(shares, effects.Map(map[string]effects.Value{"identifier": effects.Int(i),
					"secret": digest(effects.Int(i), effects.String("secret")), "group_public": group}))
			}
			return effects.Map(map[string]effects.Value{"group_public": group, "threshold": c.Arg("t"), "shares": effects.List(shares...)}), nil
		case effects.CryptoFrostGenerateNonces:
			nonces := effects.Map(map[string]effects.Value{"identifier": id, "hiding": digest(share, effects.String("hiding"))})
			commitment := effects.Map(map[string]effects.Value{"identifier": id, "hiding": digest(nonces)})
			return effects.Map(map[string]effects.Value{"nonces": nonces, "commitment": commitment}), nil
		case effects.CryptoFrostCreateSigningPackage:
			return effects.Map(map[string]effects.Value{"message": c.Arg("msg"), "group_public": c.Arg("group_public"), "commitments": c.Arg("commitments")}), nil
		case effects.CryptoFrostSignShare:
			return effects.Map(map[string]effects.Value{"identifier": id, "share": digest(c.Arg("pkg"), share, c.Arg("nonces"))}), nil
		case effects.CryptoFrostAggregateSignatures:
			pkg := c.Arg("pkg")
			msg, _ := pkg.Get("message")
			gp, _ := pkg.Get("group_public")
			return effects.Bytes(fakeSignature(msg, gp)), nil
		case effects.CryptoFrostVerify:
			sig, _ := c.Arg("sig").AsBytes()
			return effects.Bool(string(sig) == string(fakeSignature(c.Arg("msg"), c.Arg("group_public")))), nil
		}
		return effects.Value{}, effects.Errorf(effects.CodeUnknownOp, "%s", c.Op)
	})
	must(reg.Register("test-frost", frost,
		effects.OpSpec{ID: effects.CryptoFrostGenerateKeys, Params: []effects.Param{{Name: "t", Kind: effects.KindInt}, {Name: "n", Kind: effects.KindInt}}, Result: effects.KindMap, Determinism: effects.ReadsWorld},
		effects.OpSpec{ID: effects.CryptoFrostGenerateNonces, Params: []effects.Param{{Name: "share", Kind: effects.KindMap}}, Result: effects.KindMap, Determinism: effects.ReadsWorld},
		effects.OpSpec{ID: effects.CryptoFrostCreateSigningPackage, Params: []effects.Param{{Name: "msg", Kind: effects.KindBytes}, {Name: "commitments", Kind: effects.KindList}, {Name: "group_public", Kind: effects.KindBytes}}, Result: effects.KindMap, Determinism: effects.Pure},
		effects.OpSpec{ID: effects.CryptoFrostSignShare, Params: []effects.Param{{Name: "pkg", Kind: effects.KindMap}, {Name: "share", Kind: effects.KindMap}, {Name: "nonces", Kind: effects.KindMap}}, Result: effects.KindMap, Determinism: effects.Pure},
		effects.OpSpec{ID: effects.CryptoFrostAggregateSignatures, Params: []effects.Param{{Name: "pkg", Kind: effects.KindMap}, {Name: "shares", Kind: effects.KindList}}, Result: effects.KindBytes, Determinism: effects.Pure},
		effects.OpSpec{ID: effects.CryptoFrostVerify, Params: []effects.Param{{Name: "msg", Kind: effects.KindBytes}, {Name: "sig", Kind: effects.KindBytes}, {Name: "group_public", Kind: effects.KindBytes}}, Result: effects.KindBool, Determinism: effects.Pure},
	))
	must(reg.Register("test-frost-dkg", frostDKGStandIn(), frostDKGSpecs()...))
	must(reg.Register("test-echo", effects.HandlerFunc(func(_ context.Context, c *effects.Call) (effects.Value, error) {
		return c.Arg("x"), nil
	}), effects.OpSpec{ID: "test.echo", Params: []effects.Param{{Name: "x", Kind: effects.KindAny}}, Result: effects.KindAny, Determinism: effects.Pure}))
	return reg
}

func fakeSignature(msg, groupPublic effects.Value) []byte {
	h := blake3.New(64, nil)
	h.Write(effects.List(msg, groupPublic).Canonical())
	return h.Sum(nil)
}

// splitmix is a tiny deterministic generator for tests (the vm package
// itself never imports math/rand, and its tests follow suit).
type splitmix uint64

func (s *splitmix) next() uint64 {
	*s += 0x9e3779b97f4a7c15
	z := uint64(*s)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (s *splitmix) intn(n int) int { return int(s.next() % uint64(n)) }

// seededDecide picks branches by a hash of (seed, session, role, n).
func seededDecide(seed uint64, pick func(req *DecisionRequest, n uint64) string) func(req *DecisionRequest, n uint64) (string, error) {
	return func(req *DecisionRequest, n uint64) (string, error) {
		if pick != nil {
			if l := pick(req, n); l != "" {
				return l, nil
			}
		}
		var b [16]byte
		binary.BigEndian.PutUint64(b[:8], seed)
		binary.BigEndian.PutUint64(b[8:], n)
		h := blake3.Sum256(append(b[:], req.Role...))
		return req.Labels[binary.BigEndian.Uint64(h[:8])%uint64(len(req.Labels))], nil
	}
}

// frostDKGStandIn serves the DKG and resharing operations with values of
// the real operations' shapes, derived from their arguments: every
// participant verifies, and the routing of packages and shares is what is
// tested. For frost_key_find, the Leader (or Coordinator) and Member[0],
// Member[1] (or Signer[0], Signer[1]) hold a key of a 2-of-3 group
// (identifiers 1 to 3, handles old1 to old3); other members hold none.
// The signing stand-ins (frost_key_nonces, frost_key_sign_share) read the
// identifier from such a handle, and frost_verify_shares finds no cheater.
func frostDKGStandIn() effects.Handler {
	return effects.HandlerFunc(func(ctx context.Context, c *effects.Call) (effects.Value, error) {
		digest := func(parts ...effects.Value) effects.Value {
			h := blake3.Sum256(effects.List(parts...).Canonical())
			return effects.Bytes(h[:])
		}
		switch c.Op {
		case effects.CryptoFrostDKGBegin:
			id := c.Arg("identifier")
			key, _ := digest(id, c.Arg("context")).AsBytes()
			pkg := effects.Map(map[string]effects.Value{"identifier": id, "commitment": effects.List(digest(id)), "proof": digest(id, effects.String("proof"))})
			return effects.Map(map[string]effects.Value{"key": effects.String(fmt.Sprintf("%x", key[:8])), "package": pkg}), nil
		case effects.CryptoFrostReshareBegin:
			id := c.Arg("identifier")
			key, _ := digest(id, c.Arg("context"), effects.String("reshare")).AsBytes()
			pkg := map[string]effects.Value{"identifier": id, "encryption_key": digest(id, effects.String("encryption"))}
			if old := c.Arg("old_key"); !old.IsNull() {
				pkg["dealer"], pkg["commitment"] = old, effects.List(digest(id, old))
			}
			return effects.Map(map[string]effects.Value{"key": effects.String(fmt.Sprintf("%x", key[:8])), "package": effects.Map(pkg)}), nil
		case effects.CryptoFrostKeyFind:
			cl, _ := CallerFrom(ctx)
			id := int64(1)
			if cl.Role != "Leader" && cl.Role != "Coordinator" {
				var k int64
				if _, err := fmt.Sscanf(cl.Role, "Member[%d]", &k); err != nil {
					fmt.Sscanf(cl.Role, "Signer[%d]", &k)
				}
				id = k + 2
			}
			if id > 3 {
				return effects.Null(), nil
			}
			group := digest(effects.String("group"))
			var vs []effects.Value
			for i := int64(1); i <= 3; i++ {
				vs = append(vs, effects.Map(map[string]effects.Value{"identifier": effects.Int(i), "public": digest(effects.Int(i))}))
			}
			return effects.Map(map[string]effects.Value{"key": effects.String(fmt.Sprintf("old%d", id)), "identifier": effects.Int(id),
				"state": effects.String("active"), "epoch": effects.Int(1), "group_public": group, "verifying_shares": effects.List(vs...)}), nil
		case effects.CryptoFrostKeyNonces:
			var id int64
			fmt.Sscanf(mustString(c.Arg("key")), "old%d", &id)
			nonces := digest(c.Arg("key"), effects.String("nonces"))
			commitment := effects.Map(map[string]effects.Value{"identifier": effects.Int(id), "hiding": digest(nonces)})
			h, _ := nonces.AsBytes()
			return effects.Map(map[string]effects.Value{"nonces": effects.String(fmt.Sprintf("%x", h[:8])), "commitment": commitment}), nil
		case effects.CryptoFrostKeySignShare:
			var id int64
			fmt.Sscanf(mustString(c.Arg("key")), "old%d", &id)
			return effects.Map(map[string]effects.Value{"identifier": effects.Int(id), "share": digest(c.Arg("pkg"), c.Arg("key"), c.Arg("nonces"))}), nil
		case effects.CryptoFrostVerifyShares:
			return effects.List(), nil
		case effects.CryptoFrostDKGShares:
			var out []effects.Value
			for _, p := range c.Arg("packages").Items() {
				out = append(out, effects.Map(map[string]effects.Value{"receiver": mustGet(p, "identifier"), "key": c.Arg("key")}))
			}
			return effects.List(out...), nil
		case effects.CryptoFrostDKGRoute:
			from, _ := c.Arg("from").AsInt()
			to, _ := c.Arg("to").AsInt()
			var out []effects.Value
			for id := from; id <= to; id++ {
				var mine []effects.Value
				for _, list := range c.Arg("shares").Items() {
					for _, s := range list.Items() {
						if r, _ := mustGet(s, "receiver").AsInt(); r == id {
							mine = append(mine, s)
						}
					}
				}
				out = append(out, effects.List(mine...))
			}
			return effects.List(out...), nil
		case effects.CryptoFrostDKGFinish:
			return effects.Map(map[string]effects.Value{"ok": effects.Bool(true), "complaint": effects.Null(),
				"transcript": digest(c.Arg("packages")), "group_public": digest(c.Arg("packages"), effects.String("group"))}), nil
		case effects.CryptoFrostDKGCommit:
			return effects.Map(map[string]effects.Value{"key": c.Arg("key"), "state": effects.String("active")}), nil
		case effects.CryptoFrostDKGAbort:
			return effects.Null(), nil
		}
		return effects.Value{}, effects.Errorf(effects.CodeUnknownOp, "%s", c.Op)
	})
}

func mustGet(v effects.Value, name string) effects.Value {
	f, _ := v.Get(name)
	return f
}

func mustString(v effects.Value) string {
	s, _ := v.AsString()
	return s
}

func frostDKGSpecs() []effects.OpSpec {
	p := func(name string, k effects.Kind) effects.Param { return effects.Param{Name: name, Kind: k} }
	key := p("key", effects.KindString)
	return []effects.OpSpec{
		{ID: effects.CryptoFrostDKGBegin, Params: []effects.Param{p("t", effects.KindInt), p("n", effects.KindInt), p("identifier", effects.KindInt), p("context", effects.KindBytes)}, Result: effects.KindMap, Determinism: effects.WritesWorld},
		{ID: effects.CryptoFrostDKGShares, Params: []effects.Param{key, p("packages", effects.KindList)}, Result: effects.KindList, Determinism: effects.WritesWorld},
		{ID: effects.CryptoFrostDKGRoute, Params: []effects.Param{p("shares", effects.KindList), p("from", effects.KindInt), p("to", effects.KindInt)}, Result: effects.KindList, Determinism: effects.Pure},
		{ID: effects.CryptoFrostDKGFinish, Params: []effects.Param{key, p("packages", effects.KindList), p("shares", effects.KindList)}, Result: effects.KindMap, Determinism: effects.WritesWorld},
		{ID: effects.CryptoFrostDKGCommit, Params: []effects.Param{key}, Result: effects.KindMap, Determinism: effects.WritesWorld},
		{ID: effects.CryptoFrostDKGAbort, Params: []effects.Param{key}, Result: effects.KindNull, Determinism: effects.WritesWorld},
		{ID: effects.CryptoFrostReshareBegin, Params: []effects.Param{p("t", effects.KindInt), p("n", effects.KindInt), p("identifier", effects.KindInt),
			p("context", effects.KindBytes), p("group_public", effects.KindBytes), p("old_verifying_shares", effects.KindList), p("dealers", effects.KindList),
			{Name: "old_key", Kind: effects.KindAny, Optional: true}}, Result: effects.KindMap, Determinism: effects.WritesWorld},
		{ID: effects.CryptoFrostKeyNonces, Params: []effects.Param{key}, Result: effects.KindMap, Determinism: effects.WritesWorld},
		{ID: effects.CryptoFrostKeySignShare, Params: []effects.Param{key, p("pkg", effects.KindMap), p("nonces", effects.KindString)}, Result: effects.KindMap, Determinism: effects.WritesWorld},
		{ID: effects.CryptoFrostVerifyShares, Params: []effects.Param{p("pkg", effects.KindMap), p("shares", effects.KindList), p("verifying_shares", effects.KindList)}, Result: effects.KindList, Idempotent: true, Determinism: effects.Pure},
		{ID: effects.CryptoFrostKeyFind, Params: []effects.Param{{Name: "group_public", Kind: effects.KindBytes, Optional: true}}, Result: effects.KindAny, Idempotent: true, Determinism: effects.ReadsWorld},
	}
}

package facade_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/effects/facade"
)

// TestTheFacadesFitThePluginSpecs runs the plugin maintainers' helper on
// the transcribed declarations.
func TestTheFacadesFitThePluginSpecs(t *testing.T) {
	if err := facade.CheckSpecs(pluginSpecs); err != nil {
		t.Error(err)
	}
	if got := facade.Uncalled(pluginSpecs); len(got) != 0 {
		t.Errorf("Uncalled = %v: a transcribed operation has no facade method", got)
	}
}

func TestContracts(t *testing.T) {
	cs := facade.Contracts()
	if !slices.IsSortedFunc(cs, func(a, b facade.Contract) int { return strings.Compare(string(a.Op), string(b.Op)) }) {
		t.Error("Contracts are not sorted by operation")
	}
	seenOps, seenMethods := map[effects.OpID]bool{}, map[string]bool{}
	for _, c := range cs {
		if seenOps[c.Op] || seenMethods[c.Method] {
			t.Errorf("%s (%s) declared twice: a method calls one operation, and an operation has one method", c.Op, c.Method)
		}
		seenOps[c.Op], seenMethods[c.Method] = true, true
		if err := c.Spec().Validate(); err != nil {
			t.Errorf("%s: %v", c.Op, err)
		}
	}
	// The slices are copies.
	i := slices.IndexFunc(cs, func(c facade.Contract) bool { return len(c.Params) > 0 })
	cs[i].Params[0].Name = "changed"
	if facade.Contracts()[i].Params[0].Name == "changed" {
		t.Error("changing a returned contract changed the package's")
	}
}

// specsWith returns a copy of pluginSpecs with change applied to op's spec.
func specsWith(op effects.OpID, change func(*effects.OpSpec)) []effects.OpSpec {
	out := make([]effects.OpSpec, 0, len(pluginSpecs))
	for _, s := range pluginSpecs {
		s.Params = slices.Clone(s.Params)
		if s.ID == op {
			change(&s)
			if s.ID == "" {
				continue // removed
			}
		}
		out = append(out, s)
	}
	return out
}

func param(s *effects.OpSpec, name string) *effects.Param {
	for i := range s.Params {
		if s.Params[i].Name == name {
			return &s.Params[i]
		}
	}
	panic("no parameter " + name)
}

// TestCheckSpecsReportsEachMismatch changes one declaration at a time and
// wants the error to name the operation, the method and the problem.
func TestCheckSpecsReportsEachMismatch(t *testing.T) {
	for _, tc := range []struct {
		name   string
		specs  []effects.OpSpec
		wanted []string // fragments of the error
	}{
		{
			name:   "operation not declared",
			specs:  specsWith(effects.CryptoHash, func(s *effects.OpSpec) { s.ID = "" }),
			wanted: []string{"crypto.hash: facade.Crypto.Hash calls it", "does not declare it"},
		},
		{
			name:   "argument renamed",
			specs:  specsWith(effects.CryptoEd25519Sign, func(s *effects.OpSpec) { param(s, "msg").Name = "message" }),
			wanted: []string{`facade.Crypto.Sign sends argument "msg" (bytes), which the operation does not declare`, `never sends argument "message"`},
		},
		{
			name:   "argument of another kind",
			specs:  specsWith(effects.ClockLogicalAdvance, func(s *effects.OpSpec) { param(s, "observed").Kind = effects.KindInt }),
			wanted: []string{`facade.Clock.LogicalAdvance sends argument "observed" as uint, but the operation declares it int`},
		},
		{
			name:   "optional argument made required",
			specs:  specsWith(effects.StorageListKeys, func(s *effects.OpSpec) { param(s, "prefix").Optional = false }),
			wanted: []string{`facade.Storage.ListKeys may leave out argument "prefix", which the operation requires`},
		},
		{
			name: "new required argument",
			specs: specsWith(effects.RandomUUID, func(s *effects.OpSpec) {
				s.Params = append(s.Params, effects.Param{Name: "version", Kind: effects.KindInt})
			}),
			wanted: []string{`facade.Random.UUID never sends argument "version" (int), which the operation requires`},
		},
		{
			name:   "endpoint narrowed from any kind",
			specs:  specsWith(effects.NetworkConnectedPeers, func(s *effects.OpSpec) { param(s, "self").Kind = effects.KindString }),
			wanted: []string{`facade.Network.ConnectedPeers sends argument "self" as any, but the operation declares it string`},
		},
		{
			name:   "result of another kind",
			specs:  specsWith(effects.SessionCleanExpired, func(s *effects.OpSpec) { s.Result = effects.KindUint }),
			wanted: []string{"facade.Sessions.CleanExpired decodes a result of kind int, but the operation declares uint"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := facade.CheckSpecs(tc.specs)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.wanted {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n  %v\ndoes not say\n  %s", err, w)
				}
			}
		})
	}
}

// TestCheckSpecsLooksOnlyAtServedFamilies checks that a plugin is held to
// the families it serves: a handler of one family is not told it lacks the
// others, and what the facades do not call is no error.
func TestCheckSpecsLooksOnlyAtServedFamilies(t *testing.T) {
	var crypto []effects.OpSpec
	for _, s := range pluginSpecs {
		if s.ID.Family() == "crypto" {
			crypto = append(crypto, s)
		}
	}
	extra := effects.OpSpec{ID: "crypto.something_new", Result: effects.KindNull, Determinism: effects.Pure}
	faults := effects.OpSpec{ID: effects.NetworkFaultsPartition, Result: effects.KindNull, Determinism: effects.WritesWorld}
	specs := append(slices.Clone(crypto), extra, faults)
	if err := facade.CheckSpecs(specs); err != nil {
		t.Errorf("crypto alone: %v", err)
	}
	if got := facade.Uncalled(specs); !slices.Equal(got, []effects.OpID{"crypto.something_new", effects.NetworkFaultsPartition}) {
		t.Errorf("Uncalled = %v", got)
	}
	if err := facade.CheckSpecs(nil); err != nil {
		t.Errorf("no specs: %v", err)
	}
}

// TestCheckResultAcceptsThePluginShapes feeds every case's plugin-shaped
// reply to CheckResult, and a reply of the wrong kind.
func TestCheckResultAcceptsThePluginShapes(t *testing.T) {
	for _, tc := range allCases() {
		call := &effects.Call{Op: tc.op, Args: tc.args}
		if err := facade.CheckResult(call, tc.reply); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
		if tc.op == effects.JournalView || tc.op == effects.ReactiveRead || tc.op == effects.ReactiveRegister {
			continue // any value
		}
		checkShapeError(t, facade.CheckResult(call, wrongKind(tc.reply)), tc.op, "")
	}
	if err := facade.CheckResult(&effects.Call{Op: "crypto.something_new"}, effects.Null()); err == nil ||
		!strings.Contains(err.Error(), "no facade method calls crypto.something_new") {
		t.Errorf("an operation no facade calls: %v", err)
	}
}

// TestCheckResultReadsLengthsFromTheCall checks the methods whose decoding
// depends on the arguments: the expected size comes from the call.
func TestCheckResultReadsLengthsFromTheCall(t *testing.T) {
	for _, tc := range []struct {
		call   *effects.Call
		result effects.Value
		ok     bool
	}{
		{&effects.Call{Op: effects.CryptoAEADSeal, Args: args("plaintext", bs("abc"))}, effects.Bytes(filled(19, 0)), true},
		{&effects.Call{Op: effects.CryptoAEADSeal, Args: args("plaintext", bs("abc"))}, effects.Bytes(filled(18, 0)), false},
		{&effects.Call{Op: effects.CryptoAEADOpen, Args: args("ciphertext", effects.Bytes(filled(19, 0)))}, bs("abc"), true},
		{&effects.Call{Op: effects.CryptoKDFDerive, Args: args("len", i64(4))}, bs("abcd"), true},
		{&effects.Call{Op: effects.CryptoKDFDerive, Args: args("len", i64(4))}, bs("abc"), false},
		{&effects.Call{Op: effects.RandomBytes, Args: args("n", i64(2))}, bs("ab"), true},
		{&effects.Call{Op: effects.RandomBytes, Args: args("n", i64(2))}, bs("abc"), false},
		{&effects.Call{Op: effects.RandomRange, Args: args("min", i64(0), "max", i64(10))}, i64(9), true},
		{&effects.Call{Op: effects.RandomRange, Args: args("min", i64(0), "max", i64(10))}, i64(10), false},
		{&effects.Call{Op: effects.RandomRange}, i64(-1 << 40), true},
	} {
		err := facade.CheckResult(tc.call, tc.result)
		if (err == nil) != tc.ok {
			t.Errorf("CheckResult(%s %v, %v) = %v, want ok %v", tc.call.Op, tc.call.Args, tc.result, err, tc.ok)
		}
	}
}

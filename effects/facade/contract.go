package facade

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aurahost/aura-host/effects"
)

// operation is one operation a facade method calls, declared once at
// package level beside the method: its ID, the arguments the method sends
// and the result kind it decodes. The declarations are the facade's
// contract with the plugins (see Contracts and CheckSpecs).
type operation struct {
	method string // the facade method that calls it, e.g. "Crypto.Hash"
	id     effects.OpID
	params []effects.Param
	result effects.Kind
}

// declared holds every operation, in declaration order.
var declared []*operation

// declare declares the operation a facade method calls. A malformed
// declaration is a programmer error and panics at package initialisation.
func declare(method string, id effects.OpID, result effects.Kind, params ...effects.Param) *operation {
	op := &operation{method: method, id: effects.MustOpID(string(id)), params: params, result: result}
	spec := effects.OpSpec{ID: op.id, Params: params, Result: result, Determinism: effects.Pure}
	if err := spec.Validate(); err != nil {
		panic("facade: " + err.Error())
	}
	declared = append(declared, op)
	return op
}

// arg is an argument the method always sends.
func arg(name string, kind effects.Kind) effects.Param {
	return effects.Param{Name: name, Kind: kind}
}

// opt is an argument the method sends only when the caller gives it.
func opt(name string, kind effects.Kind) effects.Param {
	return effects.Param{Name: name, Kind: kind, Optional: true}
}

// Contract is what one facade method sends to an operation and what it
// expects back. A plugin serving the operation must declare every argument
// the method may send, with a kind that accepts it; must not require an
// argument the method may leave out; and must declare the result kind the
// method decodes (a Result of KindAny means the method accepts several
// kinds and checks the value itself).
type Contract struct {
	Method string          // the facade method, e.g. "Crypto.Hash"
	Op     effects.OpID    // the operation it calls
	Params []effects.Param // the arguments it sends; Optional ones only sometimes
	Result effects.Kind    // the result kind it decodes
}

// Contracts returns the contract of every facade method, sorted by
// operation ID. The slices are copies: changing them changes nothing.
func Contracts() []Contract {
	out := make([]Contract, len(declared))
	for i, op := range declared {
		out[i] = Contract{Method: op.method, Op: op.id, Params: slices.Clone(op.params), Result: op.result}
	}
	slices.SortStableFunc(out, func(a, b Contract) int { return strings.Compare(string(a.Op), string(b.Op)) })
	return out
}

// Spec returns the contract as the OpSpec a plugin would declare to match
// it exactly. Fakes in tests can register it to check calls' arguments.
func (c Contract) Spec() effects.OpSpec {
	return effects.OpSpec{ID: c.Op, Params: slices.Clone(c.Params), Result: c.Result, Determinism: effects.Pure, Doc: "called by facade." + c.Method}
}

// CheckSpecs checks a plugin's declared operations against the facades:
// for every family in which specs declare at least one operation that a
// facade calls, every operation the facades call in that family must be
// declared, and must agree with its Contract. Operations the facades do not
// call are ignored (see Uncalled). The error joins one error per mismatch,
// each naming the operation, the facade method and the argument.
//
// It is the test helper for plugin maintainers: a plugin's test can check
// that the typed facades still fit what it declares, without the effects
// layer importing plugins:
//
//	if err := facade.CheckSpecs(crypto.New().Descriptor().Ops); err != nil {
//		t.Error(err)
//	}
//
// It checks names and kinds. The fields of map and list results are not in
// an OpSpec: CheckResult checks those, on a result the plugin returned.
func CheckSpecs(specs []effects.OpSpec) error {
	byID := make(map[effects.OpID]effects.OpSpec, len(specs))
	for _, s := range specs {
		byID[s.ID] = s
	}
	served := map[string]bool{}
	for _, op := range declared {
		if _, ok := byID[op.id]; ok {
			served[op.id.Family()] = true
		}
	}
	var errs []error
	for _, c := range Contracts() {
		if !served[c.Op.Family()] {
			continue
		}
		spec, ok := byID[c.Op]
		if !ok {
			errs = append(errs, fmt.Errorf("%s: facade.%s calls it, but the plugin serving the %s family does not declare it", c.Op, c.Method, c.Op.Family()))
			continue
		}
		errs = append(errs, c.check(spec)...)
	}
	return errors.Join(errs...)
}

// check compares one contract with the spec declared for its operation.
func (c Contract) check(spec effects.OpSpec) []error {
	var errs []error
	fail := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: facade.%s %s", c.Op, c.Method, fmt.Sprintf(format, args...)))
	}
	declared := map[string]effects.Param{}
	for _, p := range spec.Params {
		declared[p.Name] = p
	}
	sent := map[string]effects.Param{}
	for _, p := range c.Params {
		sent[p.Name] = p
		d, ok := declared[p.Name]
		switch {
		case !ok:
			fail("sends argument %q (%s), which the operation does not declare (it declares %s)", p.Name, p.Kind, paramList(spec.Params))
		case !acceptsAll(d.Kind, p.Kind):
			fail("sends argument %q as %s, but the operation declares it %s", p.Name, p.Kind, d.Kind)
		}
	}
	for _, d := range spec.Params {
		if d.Optional {
			continue
		}
		if p, ok := sent[d.Name]; !ok {
			fail("never sends argument %q (%s), which the operation requires", d.Name, d.Kind)
		} else if p.Optional {
			fail("may leave out argument %q, which the operation requires", d.Name)
		}
	}
	if c.Result != effects.KindAny && spec.Result != c.Result {
		fail("decodes a result of kind %s, but the operation declares %s", c.Result, spec.Result)
	}
	return errs
}

// acceptsAll reports whether a declared kind accepts every value a facade
// may send as sent: KindAny in a contract means values of several kinds.
func acceptsAll(declared, sent effects.Kind) bool {
	if sent == effects.KindAny {
		return declared == effects.KindAny
	}
	return declared.Accepts(sent)
}

func paramList(ps []effects.Param) string {
	if len(ps) == 0 {
		return "none"
	}
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.Name + " " + p.Kind.String()
	}
	return strings.Join(names, ", ")
}

// Uncalled returns the operations specs declare that no facade method
// calls, sorted: what a plugin serves beyond the typed facades (reached
// through the Invoker directly).
func Uncalled(specs []effects.OpSpec) []effects.OpID {
	called := map[effects.OpID]bool{}
	for _, op := range declared {
		called[op.id] = true
	}
	var out []effects.OpID
	for _, s := range specs {
		if !called[s.ID] {
			out = append(out, s.ID)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

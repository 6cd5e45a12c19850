package reactive

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/aurahost/aura-host/effects"
)

// signal is one registered signal: its definition, its value, the state of
// its reduction (source signals) and its subscribers.
type signal struct {
	def   Definition
	value effects.Value

	counted map[ID]struct{} // Count, Sum: the facts already reduced
	sum     int64           // Sum, saturating at the int64 bounds
	ids     []ID            // IDs, sorted
	latest  *Fact           // Latest

	subs map[*Subscription]struct{}
}

// graph is the registered signals, with their start order: every signal
// after the signals it derives from. It is not safe for concurrent use: the
// Pipeline guards it.
type graph struct {
	signals map[string]*signal
	order   []*signal
	sources []*signal
}

func newGraph() *graph { return &graph{signals: map[string]*signal{}} }

// reset gives s the state of a signal that has reduced no fact yet.
func (s *signal) reset() {
	s.counted, s.sum, s.ids, s.latest = nil, 0, nil, nil
	switch s.def.Kind {
	case Source:
		switch s.def.Reduce {
		case Count, Sum:
			s.counted = map[ID]struct{}{}
			s.value = effects.Int(0)
		case IDs:
			s.value = effects.List()
		default:
			s.value = effects.Null()
		}
	case Emit:
		s.value = s.def.Initial
	default:
		s.value = effects.Null()
	}
}

// add reduces one matching fact into s; it reports whether s's value
// changed.
func (s *signal) add(f *Fact) bool {
	switch s.def.Reduce {
	case Count:
		if _, dup := s.counted[f.ID]; dup {
			return false
		}
		s.counted[f.ID] = struct{}{}
		s.value = effects.Int(int64(len(s.counted)))
	case Sum:
		if _, dup := s.counted[f.ID]; dup {
			return false
		}
		s.counted[f.ID] = struct{}{}
		n, _ := get(f.Body, s.def.Field).AsInt()
		if n == 0 {
			return false
		}
		s.sum = addSaturating(s.sum, n)
		s.value = effects.Int(s.sum)
	case IDs:
		i, found := slices.BinarySearchFunc(s.ids, f.ID, func(a, b ID) int { return bytes.Compare(a[:], b[:]) })
		if found {
			return false
		}
		s.ids = slices.Insert(s.ids, i, f.ID)
		return true // the value is built once per batch (idsValue)
	case Latest:
		if s.latest != nil && (f.Time < s.latest.Time ||
			f.Time == s.latest.Time && bytes.Compare(f.ID[:], s.latest.ID[:]) <= 0) {
			return false
		}
		cp := *f
		s.latest = &cp
		s.value = f.Body
	}
	return true
}

func (s *signal) idsValue() effects.Value {
	items := make([]effects.Value, len(s.ids))
	for i := range s.ids {
		items[i] = effects.Bytes(s.ids[i][:])
	}
	return effects.List(items...)
}

func addSaturating(a, b int64) int64 {
	switch {
	case b > 0 && a > math.MaxInt64-b:
		return math.MaxInt64
	case b < 0 && a < math.MinInt64-b:
		return math.MinInt64
	}
	return a + b
}

// reduce adds facts to every source signal they match and returns the
// signals whose value changed.
func (g *graph) reduce(facts []Fact) map[*signal]bool {
	changed := map[*signal]bool{}
	for _, s := range g.sources {
		for i := range facts {
			if s.def.Source.Matches(&facts[i]) && s.add(&facts[i]) {
				changed[s] = true
			}
		}
		if changed[s] && s.def.Reduce == IDs {
			s.value = s.idsValue()
		}
	}
	return changed
}

// propagate recomputes, in order, every derived signal one of whose inputs
// changed, adding those whose value changed to changed. It returns the
// changed signals in order.
func (g *graph) propagate(changed map[*signal]bool) []*signal {
	var out []*signal
	for _, s := range g.order {
		if !changed[s] && s.inputChanged(g, changed) {
			if v := g.derive(s); !v.Equal(s.value) {
				s.value = v
				changed[s] = true
			}
		}
		if changed[s] {
			out = append(out, s)
		}
	}
	return out
}

func (s *signal) inputChanged(g *graph, changed map[*signal]bool) bool {
	for _, in := range s.def.Depends() {
		if changed[g.signals[in]] {
			return true
		}
	}
	return false
}

// derive computes a derived signal's value from its inputs' current ones.
func (g *graph) derive(s *signal) effects.Value {
	d := s.def
	switch d.Kind {
	case Map:
		return apply(d, g.signals[d.Input].value)
	case Combine:
		m := make(map[string]effects.Value, len(d.Inputs))
		for _, in := range d.Inputs {
			m[in] = g.signals[in].value
		}
		return effects.Map(m)
	case Filter:
		if v := g.signals[d.Input].value; d.Match.matches(v) {
			return v
		}
	}
	return s.value
}

// apply is a map signal's function.
func apply(d Definition, v effects.Value) effects.Value {
	switch d.Fn {
	case FnLen:
		switch v.Kind() {
		case effects.KindList, effects.KindMap, effects.KindString, effects.KindBytes:
			return effects.Int(int64(v.Len()))
		}
		return effects.Int(0)
	case FnNot:
		b, _ := v.AsBool()
		return effects.Bool(!b)
	case FnPresent:
		return effects.Bool(!v.IsNull())
	case FnField:
		return get(v, d.Field)
	}
	return effects.Null()
}

// matches reports whether v passes the filter.
func (m Match) matches(v effects.Value) bool {
	if m.Field != "" {
		v = get(v, m.Field)
	}
	switch m.Op {
	case OpPresent:
		return !v.IsNull()
	case OpAbsent:
		return v.IsNull()
	case OpEq:
		return v.Equal(m.Value)
	case OpNe:
		return !v.Equal(m.Value)
	}
	c, ok := order(v, m.Value)
	if !ok {
		return false
	}
	switch m.Op {
	case OpLt:
		return c < 0
	case OpLe:
		return c <= 0
	case OpGt:
		return c > 0
	case OpGe:
		return c >= 0
	}
	return false
}

// order compares two ints, two uints or two strings.
func order(a, b effects.Value) (int, bool) {
	if a.Kind() != b.Kind() {
		return 0, false
	}
	switch a.Kind() {
	case effects.KindInt:
		x, _ := a.AsInt()
		y, _ := b.AsInt()
		return cmpOrdered(x, y), true
	case effects.KindUint:
		x, _ := a.AsUint()
		y, _ := b.AsUint()
		return cmpOrdered(x, y), true
	case effects.KindString:
		x, _ := a.AsString()
		y, _ := b.AsString()
		return strings.Compare(x, y), true
	}
	return 0, false
}

func cmpOrdered[T int64 | uint64](x, y T) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// define adds or replaces a signal (its inputs must exist) and reorders the
// graph; it returns the signal. A definition that would close a cycle is
// refused and changes nothing.
func (g *graph) define(d Definition) (*signal, error) {
	prev := g.signals[d.Name]
	s := &signal{def: d, subs: map[*Subscription]struct{}{}}
	if prev != nil {
		s.subs = prev.subs
	}
	g.signals[d.Name] = s
	order, err := g.sort()
	if err != nil {
		if prev != nil {
			g.signals[d.Name] = prev
		} else {
			delete(g.signals, d.Name)
		}
		return nil, err
	}
	g.order = order
	g.sources = g.sources[:0]
	for _, x := range order {
		if x.def.Kind == Source {
			g.sources = append(g.sources, x)
		}
	}
	s.reset()
	if d.Kind != Source && d.Kind != Emit {
		s.value = g.derive(s)
	}
	return s, nil
}

// sort orders the signals inputs first, by name where nothing else decides,
// or returns the cycle it finds.
func (g *graph) sort() ([]*signal, error) {
	const visiting, done = 1, 2
	mark := map[string]int{}
	var out []*signal
	var path []string
	var visit func(name string) error
	visit = func(name string) error {
		switch mark[name] {
		case done:
			return nil
		case visiting:
			i := slices.Index(path, name)
			return fmt.Errorf("signals would derive from themselves: %s → %s", strings.Join(path[i:], " → "), name)
		}
		mark[name] = visiting
		path = append(path, name)
		s := g.signals[name]
		for _, in := range s.def.Depends() {
			if err := visit(in); err != nil {
				return err
			}
		}
		path = path[:len(path)-1]
		mark[name] = done
		out = append(out, s)
		return nil
	}
	names := make([]string, 0, len(g.signals))
	for n := range g.signals {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if err := visit(n); err != nil {
			return nil, err
		}
	}
	return out, nil
}

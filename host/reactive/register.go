package reactive

import (
	"context"
	"fmt"
	"slices"

	"github.com/aurahost/aura-host/effects"
)

// Register registers a signal and returns its value. A source signal
// starts from the matching facts already in the journal (Config.Journal),
// then follows every commit. The same definition again changes nothing;
// another definition under a taken name is a conflict unless replace.
func (p *Pipeline) Register(ctx context.Context, d Definition, replace bool) (effects.Value, error) {
	const op = effects.ReactiveRegister
	if err := d.Check(); err != nil {
		return effects.Value{}, invalid(op, "definition: %v", err)
	}
	p.inMu.Lock()
	running := p.running
	p.inMu.Unlock()
	if !running {
		return effects.Value{}, p.notRunning(op)
	}
	p.mu.Lock()
	prev := p.g.signals[d.Name]
	if prev != nil && prev.def.Equal(d) {
		v := prev.value
		p.mu.Unlock()
		return v, nil
	}
	s, err := p.define(d, prev, replace)
	p.mu.Unlock()
	if err != nil {
		return effects.Value{}, err
	}
	if d.Kind != Source || p.cfg.Journal == nil {
		return p.value(s), nil
	}
	// The signal follows commits from now on; the facts committed before
	// are read back. A fact seen both ways counts once (reductions are
	// over sets of fact IDs).
	facts, err := p.read(ctx, d.Source)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		p.undefine(s, prev)
		return effects.Value{}, &effects.Error{Code: effects.AsError(err).Code, Op: op,
			Message: fmt.Sprintf("signal %s: reading its facts back from the journal: %v", d.Name, err), Err: err}
	}
	if p.g.signals[d.Name] == s {
		p.reduceInto(s, facts)
	}
	return s.value, nil
}

// define adds or replaces d in the graph and delivers what changed; p.mu
// is held.
func (p *Pipeline) define(d Definition, prev *signal, replace bool) (*signal, error) {
	const op = effects.ReactiveRegister
	if prev != nil && !replace {
		return nil, &effects.Error{Code: effects.CodeConflict, Op: op, Message: fmt.Sprintf(
			"signal %s is registered with another definition: pick another name, or pass replace = true", d.Name)}
	}
	if prev == nil && len(p.g.signals) >= p.cfg.MaxSignals {
		return nil, &effects.Error{Code: effects.CodeExhausted, Op: op,
			Message: fmt.Sprintf("%d signals are registered, the most a pipeline holds", p.cfg.MaxSignals)}
	}
	for _, in := range d.Depends() {
		if p.g.signals[in] == nil {
			return nil, &effects.Error{Code: effects.CodeNotFound, Op: op, Message: fmt.Sprintf(
				"signal %s derives from %s, which is not registered: register %s first", d.Name, in, in)}
		}
	}
	s, err := p.g.define(d)
	if err != nil {
		return nil, invalid(op, "signal %s: %v", d.Name, err)
	}
	publish(p.g.propagate(map[*signal]bool{s: true}))
	return s, nil
}

// undefine puts back what s replaced (or removes s); p.mu is held.
func (p *Pipeline) undefine(s, prev *signal) {
	if p.g.signals[s.def.Name] != s {
		return // replaced again meanwhile
	}
	if prev == nil {
		for sub := range s.subs {
			p.unsubscribe(sub)
		}
		delete(p.g.signals, s.def.Name)
		p.g.order = slices.DeleteFunc(p.g.order, func(x *signal) bool { return x == s })
		p.g.sources = slices.DeleteFunc(p.g.sources, func(x *signal) bool { return x == s })
		return
	}
	prev.subs = s.subs
	p.g.signals[s.def.Name] = prev
	order, _ := p.g.sort() // prev's graph had no cycle
	p.g.order = order
	p.g.sources = p.g.sources[:0]
	for _, x := range order {
		if x.def.Kind == Source {
			p.g.sources = append(p.g.sources, x)
		}
	}
	publish(p.g.propagate(map[*signal]bool{prev: true}))
}

// reduceInto reduces facts into one source signal; p.mu is held.
func (p *Pipeline) reduceInto(s *signal, facts []Fact) {
	changed := false
	for i := range facts {
		if s.def.Source.Matches(&facts[i]) && s.add(&facts[i]) {
			changed = true
		}
	}
	if !changed {
		return
	}
	if s.def.Reduce == IDs {
		s.value = s.idsValue()
	}
	publish(p.g.propagate(map[*signal]bool{s: true}))
}

func (p *Pipeline) value(s *signal) effects.Value {
	p.mu.Lock()
	defer p.mu.Unlock()
	return s.value
}

// Read returns a signal's value once every commit offered before the call
// has been reduced.
func (p *Pipeline) Read(ctx context.Context, name string) (effects.Value, error) {
	if err := p.Sync(ctx); err != nil {
		return effects.Value{}, withOp(err, effects.ReactiveRead)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.g.signals[name]
	if s == nil {
		return effects.Value{}, notFound(effects.ReactiveRead, name)
	}
	return s.value, nil
}

func withOp(err error, op effects.OpID) error {
	e := *effects.AsError(err)
	if e.Op == "" {
		e.Op = op
	}
	return &e
}

// Emit sets an application signal's value (one registered with Kind
// Emit) and delivers what changes. Any other signal is denied.
func (p *Pipeline) Emit(name string, v effects.Value) error {
	const op = effects.ReactiveEmit
	if n := len(v.Canonical()); n > MaxValueBytes {
		return invalid(op, "the value encodes to %d bytes, more than %d: emit a digest or a reference instead", n, MaxValueBytes)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return unavailable(op, ErrStopped)
	}
	s := p.g.signals[name]
	if s == nil {
		return notFound(op, name)
	}
	if s.def.Kind != Emit {
		return &effects.Error{Code: effects.CodeDenied, Op: op, Message: fmt.Sprintf(
			"signal %s is a %s signal, which only its definition sets: emit to a signal registered with emit = true", name, s.def.Kind)}
	}
	if v.Equal(s.value) {
		return nil
	}
	s.value = v
	publish(p.g.propagate(map[*signal]bool{s: true}))
	return nil
}

// SignalInfo describes one signal.
type SignalInfo struct {
	Definition  Definition
	Value       effects.Value
	Subscribers int
}

// List describes every signal, by name.
func (p *Pipeline) List() []SignalInfo {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]SignalInfo, 0, len(p.g.signals))
	for _, s := range p.g.signals {
		out = append(out, SignalInfo{Definition: s.def, Value: s.value, Subscribers: len(s.subs)})
	}
	slices.SortFunc(out, func(a, b SignalInfo) int { return compareStrings(a.Definition.Name, b.Definition.Name) })
	return out
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

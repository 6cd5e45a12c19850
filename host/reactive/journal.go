package reactive

import (
	"context"
	"fmt"

	"lukechampine.com/blake3"

	"github.com/aurahost/aura-host/effects"
)

// readPage is how many facts one journal.get_journal call returns when a
// source selects no predicate, type or authority (every fact).
const readPage = 5000

// read reads back the journal's facts a source selects, through the index
// that narrows them most: by predicate, else by type, else by authority,
// else the whole journal a page at a time. The source's other fields are
// matched afterwards (Matches).
func (p *Pipeline) read(ctx context.Context, src FactSource) ([]Fact, error) {
	var op effects.OpID
	var args effects.Value
	switch {
	case src.Predicate != "":
		op, args = effects.JournalFactsByPredicate, effects.Map(map[string]effects.Value{"predicate": effects.String(src.Predicate)})
	case src.Type != "":
		op, args = effects.JournalFactsByType, effects.Map(map[string]effects.Value{"type": effects.String(src.Type)})
	case !src.Authority.IsNull():
		op, args = effects.JournalFactsByAuthority, effects.Map(map[string]effects.Value{"authority": src.Authority})
	default:
		return p.readAll(ctx)
	}
	list, err := p.cfg.Journal(ctx, op, args)
	if err != nil {
		return nil, err
	}
	if list.Kind() != effects.KindList {
		return nil, fmt.Errorf("%s answered %s, not a list of facts", op, list.Kind())
	}
	return facts(list.Items(), nil), nil
}

func (p *Pipeline) readAll(ctx context.Context) ([]Fact, error) {
	var out []Fact
	var after effects.Value
	for {
		args := map[string]effects.Value{"limit": effects.Int(readPage)}
		if !after.IsNull() {
			args["after"] = after
		}
		list, err := p.cfg.Journal(ctx, effects.JournalGetJournal, effects.Map(args))
		if err != nil {
			return nil, err
		}
		items := list.Items()
		for _, it := range items {
			if f, ok := NewFact(it, nil); ok {
				out = append(out, f)
			}
		}
		if len(items) < readPage {
			return out, nil
		}
		last := blake3.Sum256(items[len(items)-1].Canonical())
		after = effects.Bytes(last[:])
	}
}

// resync reduces every source signal again over the journal's facts, after
// commits were dropped: the reductions are over sets, so what was reduced
// already counts once. Run by the batching goroutine.
func (p *Pipeline) resync() {
	if p.cfg.Journal == nil {
		return // degraded until restarted: nothing to read the facts back from
	}
	p.mu.Lock()
	sources := append([]*signal(nil), p.g.sources...)
	p.mu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-p.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	for _, s := range sources {
		facts, err := p.read(ctx, s.def.Source)
		if err != nil {
			p.Degrade(fmt.Sprintf("resynchronising signal %s from the journal failed: %v", s.def.Name, err))
			return
		}
		p.mu.Lock()
		if p.g.signals[s.def.Name] == s {
			p.reduceInto(s, facts)
		}
		p.mu.Unlock()
	}
	p.mu.Lock()
	p.stats.Resyncs++
	p.mu.Unlock()
	p.inMu.Lock()
	stale := p.stale
	p.inMu.Unlock()
	if !stale {
		p.Recover()
	}
}

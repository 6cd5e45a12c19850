package reactive

import (
	"slices"

	"lukechampine.com/blake3"

	"github.com/aurahost/aura-host/effects"
)

// ID is a fact's ID: the journal's BLAKE3-256 digest of
// the fact's canonical encoding.
type ID [32]byte

// Fact is one committed journal fact, with the fields sources match on.
type Fact struct {
	ID        ID
	Type      string
	Predicate string
	Authority effects.Value
	Time      int64
	Body      effects.Value
}

// NewFact reads a fact map as the journal stores it; ok is false for a
// value that is not a well-formed fact (which the journal would have
// refused). id is the fact's ID when the caller knows it (the result of
// journal.append_fact), else nil and it is computed.
func NewFact(v effects.Value, id []byte) (Fact, bool) {
	if v.Kind() != effects.KindMap {
		return Fact{}, false
	}
	var f Fact
	var ok1, ok2, ok3 bool
	f.Type, ok1 = get(v, "type").AsString()
	f.Predicate, ok2 = get(v, "predicate").AsString()
	f.Time, ok3 = get(v, "time").AsInt()
	f.Authority = get(v, "authority")
	body, okBody := v.Get("body")
	if !ok1 || !ok2 || !ok3 || !okBody || f.Type == "" || f.Authority.Len() == 0 ||
		(f.Authority.Kind() != effects.KindBytes && f.Authority.Kind() != effects.KindString) {
		return Fact{}, false
	}
	f.Body = body
	if len(id) == len(f.ID) {
		copy(f.ID[:], id)
	} else {
		f.ID = blake3.Sum256(v.Canonical())
	}
	return f, true
}

// Commit is one successful call of a journal operation that commits facts,
// as the Router's observer saw it: cheap to take on the caller's
// goroutine; the facts are read out of it (Facts) on the pipeline's.
type Commit struct {
	Op     effects.OpID
	Args   effects.Value
	Result effects.Value
}

// Commits reports whether op commits facts to the journal: the operations
// whose successful calls the pipeline is fed.
func Commits(op effects.OpID) bool {
	switch op {
	case effects.JournalAppendFact, effects.JournalMergeFacts, effects.JournalMergeSigned:
		return true
	}
	return false
}

// weight is about how many facts c carries, known without decoding them:
// what counts towards Config.FlushAt.
func (c Commit) weight() int {
	switch c.Op {
	case effects.JournalAppendFact:
		return 1
	case effects.JournalMergeFacts:
		return get(c.Args, "facts").Len()
	case effects.JournalMergeSigned:
		n, _ := get(c.Result, "merged").AsInt()
		return max(int(n), 1)
	}
	return 0
}

// Facts returns the facts the call committed (or that were already in the
// journal: the journal's set union does not say which of a merge were new,
// and the pipeline counts each fact ID once anyway). A merge that added
// nothing gives none; a fact journal.merge_signed refused is left out.
func (c Commit) Facts() []Fact {
	switch c.Op {
	case effects.JournalAppendFact:
		id, _ := c.Result.AsBytes()
		if f, ok := NewFact(get(c.Args, "fact"), id); ok {
			return []Fact{f}
		}
	case effects.JournalMergeFacts:
		if n, _ := c.Result.AsInt(); n > 0 {
			return facts(get(c.Args, "facts").Items(), nil)
		}
	case effects.JournalMergeSigned:
		return c.mergedSigned()
	}
	return nil
}

func (c Commit) mergedSigned() []Fact {
	if n, _ := get(c.Result, "merged").AsInt(); n <= 0 {
		return nil
	}
	items := slices.Clone(get(c.Args, "facts").Items()) // Values are shared: never append to one's items
	for _, page := range get(c.Args, "pages").Items() {
		b, _ := page.AsBytes()
		list, err := effects.DecodeCanonical(b)
		if err != nil || list.Kind() != effects.KindList {
			return nil // the journal refuses the whole call for such a page
		}
		items = append(items, list.Items()...)
	}
	refused := map[int64]bool{}
	for _, r := range get(c.Result, "refused").Items() {
		if i, ok := get(r, "index").AsInt(); ok {
			refused[i] = true
		}
	}
	return facts(items, refused)
}

func facts(items []effects.Value, refused map[int64]bool) []Fact {
	out := make([]Fact, 0, len(items))
	for i, it := range items {
		if refused[int64(i)] {
			continue
		}
		if f, ok := NewFact(it, nil); ok {
			out = append(out, f)
		}
	}
	return out
}

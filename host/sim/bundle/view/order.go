package view

import (
	"cmp"
	"container/heap"
	"fmt"
	"strings"

	"github.com/aurahost/aura-host/host/sim/bundle"
)

// MaxLifelines is the most lifelines a view may have: each is a column of
// the page.
const MaxLifelines = 1000

// TooLargeError is a record with more rows than a view may have.
type TooLargeError struct {
	Rows, Max int
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("the record has more than %d rows (at least %d): too many for one page; view a shorter run, or record one run at a time", e.Max, e.Rows)
}

// Candidate classes, in the order they go at the same time: a fault
// applied at t comes before what happens at t, a run's outcome after.
const (
	classFault = iota
	classEntry
	classOutcome
)

// candidate is something that may be the next row: a machine's next
// item, a fault, or a run's outcome.
type candidate struct {
	time  int64
	class int
	step  uint64
	src   int // machine, fault or run index
	seq   int // insertion order, the last tie-break
}

func (a candidate) less(b candidate) bool {
	return cmp.Or(cmp.Compare(a.time, b.time), cmp.Compare(a.class, b.class), cmp.Compare(a.step, b.step),
		cmp.Compare(a.src, b.src), cmp.Compare(a.seq, b.seq)) < 0
}

type candidates []candidate

func (h candidates) Len() int           { return len(h) }
func (h candidates) Less(i, j int) bool { return h[i].less(h[j]) }
func (h candidates) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *candidates) Push(x any)        { *h = append(*h, x.(candidate)) }
func (h *candidates) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// order merges the machines' items into one sequence of rows. Each
// machine's items keep their order; an arrival waits for its send; among
// what may come next, the earliest known time goes first (a machine's time
// is its last clock reading, or its last message's send time if later),
// then faults before entries before outcomes, then the machine step. A
// record whose messages wait on each other in a circle (altered by hand)
// still gets an order: the earliest waiting arrival is placed before its
// send. faults and endMs come from a bundle (nil and -1 for a trace).
func (bd *builder) order(faults []bundle.Fault, endMs int64, maxRows int) ([]Row, error) {
	if n := len(bd.v.Lifelines); n > MaxLifelines {
		return nil, fmt.Errorf("the record has %d lifelines (agents or roles), more than the %d a page can draw side by side; view a run with fewer", n, MaxLifelines)
	}
	bd.resolveArrivals()
	n := len(bd.items)
	next := make([]int, n)        // each machine's next item
	lb := make([]int64, n)        // each machine's time so far
	rowOf := map[itemRef]int{}    // the row each item went to
	sentAt := map[int]int64{}     // a sent message's time
	waiting := map[int][]int{}    // a message not yet sent: the machines whose next item delivers it
	blocked := make([]bool, n)    // the machine waits in `waiting`
	remaining := map[string]int{} // a run's machines not yet done
	start := int64(0)
	if bd.relative {
		start = -1 // a protocol run's time is unknown before its first clock reading
	}
	for m := range lb {
		lb[m] = start
		remaining[bd.runOf[m]]++
	}
	var ready, stuck candidates
	seq := 0
	push := func(h *candidates, c candidate) {
		c.seq = seq
		seq++
		heap.Push(h, c)
	}
	var rows []Row
	// timeOf is when machine m's next item happens, at the earliest.
	// sentBy is the message whose send an arrival waits for: a duplicate
	// delivery's original.
	sentBy := func(msg int) int {
		if orig, ok := bd.dupOf[msg]; ok {
			return orig
		}
		return msg
	}
	timeOf := func(m int, it *item) int64 {
		t := lb[m]
		if it.arriveOf >= 0 {
			if s, ok := sentAt[sentBy(it.arriveOf)]; ok {
				t = max(t, s)
			}
		}
		if it.hasClock {
			t = max(t, it.clock)
		}
		return t
	}
	var offer func(m int)
	outcomeRuns := make([]string, 0, len(bd.v.Runs))
	for _, r := range bd.v.Runs {
		outcomeRuns = append(outcomeRuns, r.Name)
	}
	offerOutcome := func(run string) {
		for i, name := range outcomeRuns {
			if name == run && bd.outcomes[run].FinishedMs >= 0 && bd.v.Kind != "protocol" {
				push(&ready, candidate{time: bd.outcomes[run].FinishedMs, class: classOutcome, src: i})
			}
		}
	}
	offer = func(m int) {
		if next[m] == len(bd.items[m]) {
			remaining[bd.runOf[m]]--
			if remaining[bd.runOf[m]] == 0 {
				offerOutcome(bd.runOf[m])
			}
			return
		}
		it := &bd.items[m][next[m]]
		c := candidate{time: timeOf(m, it), class: classEntry, step: it.row.Step, src: m}
		if it.arriveOf >= 0 {
			if _, sent := sentAt[sentBy(it.arriveOf)]; !sent {
				waiting[sentBy(it.arriveOf)] = append(waiting[sentBy(it.arriveOf)], m)
				blocked[m] = true
				push(&stuck, c)
				return
			}
		}
		push(&ready, c)
	}
	for i, f := range faults {
		push(&ready, candidate{time: f.AtMs, class: classFault, src: i})
	}
	for _, r := range outcomeRuns {
		if remaining[r] == 0 {
			offerOutcome(r)
		}
	}
	for m := range n {
		offer(m)
	}
	for ready.Len() > 0 || stuck.Len() > 0 {
		if len(rows) >= maxRows {
			return nil, &TooLargeError{Rows: len(rows) + 1, Max: maxRows}
		}
		var c candidate
		if ready.Len() > 0 {
			c = heap.Pop(&ready).(candidate)
		} else {
			c = heap.Pop(&stuck).(candidate)
			if !blocked[c.src] {
				continue // offered again since: a stale entry
			}
			blocked[c.src] = false // placed before its send: the record is inconsistent
			bd.note("some messages arrive before they are sent in this record (was it altered?): drawn pointing up")
		}
		switch c.class {
		case classFault:
			f := faults[c.src]
			rows = append(rows, bd.faultRow(f))
		case classOutcome:
			r := bd.outcomes[outcomeRuns[c.src]]
			row := Row{Kind: RowOutcome, Lane: -1, Label: fmt.Sprintf("run %s: %s", r.Name, r.Status), Run: r.Name,
				TimeMs: r.FinishedMs, Exact: true, Msg: -1, Step: r.Steps, Bad: r.Status != "ok"}
			row.Detail = []Field{{"status", r.Status}, {"finished at", fmt.Sprintf("%d ms of virtual time", r.FinishedMs)},
				{"steps", fmt.Sprint(r.Steps)}}
			if r.Fault != "" {
				row.Detail = append(row.Detail, Field{"fault", clip(r.Fault, maxDetail)})
				row.Error = clip(r.Fault, maxDetail)
			}
			rows = append(rows, row)
		case classEntry:
			m := c.src
			it := &bd.items[m][next[m]]
			t := timeOf(m, it)
			row := it.row
			row.TimeMs = t
			row.Exact = it.hasClock && t == it.clock
			lb[m] = t
			rowOf[itemRef{m, next[m]}] = len(rows)
			if it.sendOf >= 0 {
				sentAt[it.sendOf] = t
				for _, w := range waiting[it.sendOf] {
					if blocked[w] {
						blocked[w] = false
						offer(w)
					}
				}
				delete(waiting, it.sendOf)
			}
			rows = append(rows, row)
			next[m]++
			offer(m)
		}
	}
	if endMs >= 0 {
		rows = append(rows, Row{Kind: RowEnd, Lane: -1, Label: fmt.Sprintf("the simulation ends at %d ms", endMs),
			TimeMs: endMs, Exact: true, Msg: -1})
	}
	for msg, ref := range bd.sendItem {
		if r, ok := rowOf[ref]; ok && bd.items[ref.m][ref.i].sendOf == msg {
			bd.v.Messages[msg].Send = r
		}
	}
	for msg, ref := range bd.arrItem {
		if r, ok := rowOf[ref]; ok {
			bd.v.Messages[msg].Arrive = r
		}
	}
	return rows, nil
}

// faultRow is a fault line as a row: on the lifelines it names (a
// crashed agent, a partition's sides), across all otherwise.
func (bd *builder) faultRow(f bundle.Fault) Row {
	row := Row{Kind: RowFault, Lane: -1, Effect: f.Kind, Phase: f.Phase, TimeMs: f.AtMs, Exact: true, Msg: -1,
		Label: clip(fmt.Sprintf("%s %s: %s", f.Kind, f.Phase, f.Detail), maxLabel)}
	row.Detail = []Field{{"fault", clip(f.Kind, maxLabel)}, {"phase", clip(f.Phase, maxLabel)},
		{"detail", clip(f.Detail, maxDetail)}, {"at", fmt.Sprintf("%d ms of virtual time", f.AtMs)}}
	for _, name := range faultAgents(f) {
		if i, ok := bd.lanes[name]; ok && !containsInt(row.Lanes, i) {
			row.Lanes = append(row.Lanes, i)
		}
	}
	if f.Kind == "partition" {
		if f.Phase == "start" {
			bd.partition = row.Lanes
		} else if row.Lanes == nil {
			row.Lanes = bd.partition // "healed" names no agent: the sides of the partition it heals
		}
	}
	return row
}

// faultAgents are the agents a fault line's detail names: "agent NAME
// down: ..." or "agent NAME up: ..." for a crash (an agent's name is an
// HCL identifier, without spaces), "A | [B C]" for a partition (host/sim's
// fault details).
func faultAgents(f bundle.Fault) []string {
	switch f.Kind {
	case "crash":
		if rest, ok := strings.CutPrefix(f.Detail, "agent "); ok {
			if name, _, _ := strings.Cut(rest, " "); name != "" {
				return []string{name}
			}
		}
	case "partition":
		a, b, ok := strings.Cut(f.Detail, " | ")
		if !ok {
			return nil
		}
		b = strings.TrimSuffix(strings.TrimPrefix(b, "["), "]")
		return append([]string{a}, strings.Fields(b)...)
	}
	return nil
}

func containsInt(list []int, x int) bool {
	for _, y := range list {
		if y == x {
			return true
		}
	}
	return false
}

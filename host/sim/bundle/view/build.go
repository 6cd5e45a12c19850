package view

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/sim/bundle"
	"github.com/aurahost/aura-host/vm"
	"github.com/aurahost/aura-host/vm/trace"
)

// DefaultMaxRows is how many rows a view may have unless Options says
// otherwise: a page with more is too large for a browser to draw well.
const DefaultMaxRows = 50_000

// DefaultMaxBytes is how large a recorded file ReadFile reads unless
// Options says otherwise.
const DefaultMaxBytes = 256 << 20

// Options limit what a view is built from.
type Options struct {
	// MaxRows is the most rows a view may have (0: DefaultMaxRows). A
	// record with more is refused with *TooLargeError.
	MaxRows int
	// MaxBytes is the largest file ReadFile reads (0: DefaultMaxBytes).
	MaxBytes int64
}

func (o Options) maxBytes() int64 {
	if o.MaxBytes > 0 {
		return o.MaxBytes
	}
	return DefaultMaxBytes
}

func (o Options) maxRows() int {
	if o.MaxRows > 0 {
		return o.MaxRows
	}
	return DefaultMaxRows
}

// recorded is one machine's trace as the builder sees it: the run it
// belongs to and how its roles map to lifelines.
type recorded struct {
	run   string
	agent string // a simulation's agent; "" for a protocol run
	t     *trace.Trace
	times []bundle.TimeMark // when its entries happened, if the bundle says
}

// builder turns machines into items, then orders them (order.go).
type builder struct {
	v        *View
	lanes    map[string]int    // lifeline by name
	roleLane map[string]int    // run + "\x00" + role: lifeline
	sends    map[string]int    // message key: index in v.Messages
	items    [][]item          // per machine
	runOf    []string          // per machine
	delivers map[string]bool   // machine index + message key: a deliver was recorded
	clock0   int64             // a protocol run's first clock reading
	relative bool              // times are relative to clock0
	seenNow  bool              // clock0 is set
	sendItem map[int]itemRef   // message: its send item
	arrItem  map[int]itemRef   // message: its arrive item
	dupOf    map[int]int       // a duplicate delivery's message: the original
	outcomes map[string]*Run   // by run name
	notes    map[string]string // deduplicated notes
	// partition holds the lifelines of the last partition started, for
	// the row that heals it.
	partition []int
}

type itemRef struct{ m, i int }

// item is a row waiting for its place in the order.
type item struct {
	row      Row
	key      string // a message end's key (messageKey)
	sendOf   int    // the message this item sends, -1
	arriveOf int    // the message this item delivers, -1
	clock    int64  // a clock reading's time (hasClock)
	hasClock bool
	payload  effects.Value // an arrival's payload (its size, when the send is not recorded)
}

// FromBundle builds the view of a simulation's trace bundle. Every
// machine trace is read with its digests checked: an altered bundle is
// refused (a *bundle.TraceError), since a view of it would show what no
// run did.
func FromBundle(b *bundle.Bundle, opt Options) (*View, error) {
	v := &View{
		Kind:     "simulation",
		File:     b.File,
		Seed:     b.Header.Seed,
		Title:    fmt.Sprintf("simulation of deployment %q, seed %d", b.Header.Deployment, b.Header.Seed),
		TimeNote: "virtual time from the start of the simulation",
	}
	bd := newBuilder(v)
	var machines []recorded
	for _, m := range b.Traces {
		bd.lane(m.Agent, m.Role)
		bd.roleLane[m.Run+"\x00"+m.Role] = bd.lanes[m.Agent]
		t, err := b.MachineTrace(m)
		var fault *vm.Fault
		switch {
		case errors.As(err, &fault) && fault.Kind == vm.FaultDeterminism:
			return nil, &bundle.TraceError{Machine: m, AlteredLine: m.EntryLine(fault.Index), Err: err}
		case err != nil && m.First == m.End:
			bd.note(fmt.Sprintf("run %q, role %s on agent %s: no trace was recorded (tracing was disabled)", m.Run, m.Role, m.Agent))
			continue
		case err != nil:
			return nil, &bundle.TraceError{Machine: m, Err: err}
		}
		machines = append(machines, recorded{run: m.Run, agent: m.Agent, t: t, times: m.Times})
		bd.addRun(m.Run, t.Header.Protocol)
	}
	for name, o := range b.Outcomes {
		r := bd.addRun(name, "")
		r.Status, r.Fault, r.FinishedMs, r.Steps = o.Status, o.Fault, o.FinishedMs, o.Steps
	}
	for _, m := range machines {
		bd.machine(m)
	}
	rows, err := bd.order(b.Faults, b.EndMs, opt.maxRows())
	if err != nil {
		return nil, err
	}
	bd.finish(rows)
	return v, nil
}

// FromTrace builds the view of a protocol run's trace (`aura-host
// protocol run --record`): one machine running every role, each role a
// lifeline. file names the trace in the page.
func FromTrace(file string, t *trace.Trace, opt Options) (*View, error) {
	v := &View{
		Kind:     "protocol",
		File:     file,
		Seed:     t.Header.Seed,
		Title:    fmt.Sprintf("protocol %q, seed %d", t.Header.Protocol, t.Header.Seed),
		TimeNote: "time since the run's first clock reading",
	}
	bd := newBuilder(v)
	bd.relative = true
	for _, role := range t.Header.Roles {
		bd.lane(role, "")
		bd.roleLane["\x00"+role] = bd.lanes[role]
	}
	r := bd.addRun("", t.Header.Protocol)
	r.Name = t.Header.Protocol
	bd.machine(recorded{t: t})
	rows, err := bd.order(nil, -1, opt.maxRows())
	if err != nil {
		return nil, err
	}
	bd.finish(rows)
	return v, nil
}

func newBuilder(v *View) *builder {
	return &builder{v: v, lanes: map[string]int{}, roleLane: map[string]int{}, sends: map[string]int{},
		delivers: map[string]bool{}, sendItem: map[int]itemRef{}, arrItem: map[int]itemRef{}, dupOf: map[int]int{},
		outcomes: map[string]*Run{}, notes: map[string]string{}}
}

// lane returns the lifeline named name, adding it (with role, if any).
func (bd *builder) lane(name, role string) int {
	i, ok := bd.lanes[name]
	if !ok {
		i = len(bd.v.Lifelines)
		bd.lanes[name] = i
		bd.v.Lifelines = append(bd.v.Lifelines, Lifeline{Name: clip(name, maxLabel)})
	}
	if role != "" {
		l := &bd.v.Lifelines[i]
		if !contains(l.Roles, role) {
			l.Roles = append(l.Roles, clip(role, maxLabel))
		}
	}
	return i
}

// roleLaneOf is the lifeline of a role in a run; a role the record does
// not place (a peer whose machine was not recorded) gets its own.
func (bd *builder) roleLaneOf(run, role string) int {
	if i, ok := bd.roleLane[run+"\x00"+role]; ok {
		return i
	}
	i := bd.lane(role, "")
	bd.roleLane[run+"\x00"+role] = i
	return i
}

func (bd *builder) addRun(name, protocol string) *Run {
	if r, ok := bd.outcomes[name]; ok {
		if r.Protocol == "" {
			r.Protocol = protocol
		}
		return r
	}
	r := &Run{Name: name, Protocol: protocol, Status: "unknown", FinishedMs: -1}
	bd.outcomes[name] = r
	bd.v.Runs = append(bd.v.Runs, Run{Name: name}) // filled in by finish, in first-seen order
	return r
}

func (bd *builder) note(s string) {
	if _, ok := bd.notes[s]; !ok {
		bd.notes[s] = s
		bd.v.Notes = append(bd.v.Notes, s)
	}
}

// machine turns one machine's entries into items: a send or a delivery
// (deliver, or recv when nothing delivered it first) is a message end, a
// recv of a delivered message is folded into it, everything else is an
// effect on the role's lifeline.
func (bd *builder) machine(m recorded) {
	mi := len(bd.items)
	var items []item
	mark := -1 // the time mark of entry ei
	for ei := range m.t.Entries {
		e := &m.t.Entries[ei]
		for mark+1 < len(m.times) && m.times[mark+1].Entry <= ei {
			mark++
		}
		lane := bd.roleLaneOf(m.run, e.Role)
		if m.agent != "" {
			lane = bd.lanes[m.agent]
		}
		it := item{sendOf: -1, arriveOf: -1, row: Row{Lane: lane, Label: clip(e.Operation, maxLabel),
			Run: m.run, Role: clip(e.Role, maxLabel), Peer: clip(e.Peer, maxLabel), Msg: -1, Step: e.OrderingKey}}
		it.row.Detail = entryDetail(e)
		if e.Error != nil {
			it.row.Error = clip(string(e.Error.Code)+": "+e.Error.Message, maxDetail)
			it.row.Bad = true
		}
		switch e.Kind {
		case trace.KindSend:
			key := messageKey(m.run, e.Role, e.Peer, e.Operation, e.Outputs)
			msg := len(bd.v.Messages)
			bd.v.Messages = append(bd.v.Messages, Message{From: lane, To: bd.roleLaneOf(m.run, e.Peer),
				Label: clip(e.Operation, maxLabel), Size: payloadSize(e.Inputs), Run: m.run, Send: -1, Arrive: -1})
			if _, dup := bd.sends[key]; !dup {
				bd.sends[key] = msg
			}
			bd.sendItem[msg] = itemRef{mi, len(items)}
			it.row.Kind, it.row.Msg, it.sendOf, it.key = RowSend, msg, msg, key
			it.row.Detail = append([]Field{{"size", sizeText(bd.v.Messages[msg].Size)}}, it.row.Detail...)
		case trace.KindDeliver, trace.KindRecv:
			key := messageKey(m.run, e.Peer, e.Role, e.Operation, e.Inputs)
			mk := strconv.Itoa(mi) + "\x00" + key
			if e.Kind == trace.KindRecv && bd.delivers[mk] {
				continue // the deliver before it is the arrival
			}
			if e.Kind == trace.KindDeliver {
				bd.delivers[mk] = true
			}
			it.row.Kind, it.key, it.payload = RowArrive, key, e.Outputs
			it.arriveOf = -2 // resolved once every machine's sends are known
		default:
			it.row.Kind, it.row.Effect = RowEffect, string(e.Kind)
			it.row.Label = effectLabel(e)
			if e.Kind == trace.KindNow {
				if ms, ok := e.Outputs.AsInt(); ok {
					if bd.relative && !bd.seenNow {
						bd.clock0, bd.seenNow = ms, true
					}
					it.clock, it.hasClock = ms-bd.clock0, true
				}
			}
		}
		if mark >= 0 && !it.hasClock {
			it.clock, it.hasClock = m.times[mark].Ms, true
		}
		items = append(items, it)
	}
	bd.items = append(bd.items, items)
	bd.runOf = append(bd.runOf, m.run)
}

// resolveArrivals pairs every arrive item with its message, now that all
// sends are known. An arrival of a message already delivered (a
// duplicate) is a message of its own from the same send; one whose send
// the record lacks is an arrow from its sender's lifeline with no start.
func (bd *builder) resolveArrivals() {
	for mi := range bd.items {
		for ii := range bd.items[mi] {
			it := &bd.items[mi][ii]
			if it.arriveOf != -2 {
				continue
			}
			run := bd.runOf[mi]
			msg, ok := bd.sends[it.key]
			switch {
			case !ok:
				msg = len(bd.v.Messages)
				bd.v.Messages = append(bd.v.Messages, Message{From: bd.roleLaneOf(run, it.row.Peer), To: it.row.Lane,
					Label: it.row.Label, Run: run, Send: -1, Arrive: -1})
				bd.note("some messages arrive with no send in the record (the sender's trace is missing): drawn from their sender's lifeline with no start")
			case bd.hasArrival(msg):
				orig := msg
				msg = len(bd.v.Messages)
				m := bd.v.Messages[orig]
				m.Send, m.Arrive = -1, -1
				bd.v.Messages = append(bd.v.Messages, m)
				bd.sendItem[msg] = bd.sendItem[orig]
				bd.dupOf[msg] = orig
				it.row.Detail = append(it.row.Detail, Field{"delivery", "again (a duplicate)"})
			}
			bd.arrItem[msg] = itemRef{mi, ii}
			it.arriveOf, it.row.Msg = msg, msg
			if bd.v.Messages[msg].Size == 0 {
				bd.v.Messages[msg].Size = payloadSize(it.payload)
			}
			it.row.Detail = append([]Field{{"size", sizeText(bd.v.Messages[msg].Size)}}, it.row.Detail...)
		}
	}
}

func (bd *builder) hasArrival(msg int) bool { _, ok := bd.arrItem[msg]; return ok }

// finish places the ordered rows and fills each message's rows and each
// run's outcome.
func (bd *builder) finish(rows []Row) {
	bd.v.Rows = rows
	lost := 0
	for i := range bd.v.Messages {
		m := &bd.v.Messages[i]
		if m.Send < 0 {
			if orig, ok := bd.dupOf[i]; ok {
				m.Send = bd.v.Messages[orig].Send
			}
		}
		if m.Arrive < 0 && m.Send >= 0 {
			lost++
		}
	}
	if lost > 0 {
		bd.note(fmt.Sprintf("%d message(s) were sent but never delivered in this record (lost, or the run ended first): drawn ending in a cross", lost))
	}
	for i := range bd.v.Runs {
		bd.v.Runs[i] = *bd.outcomes[bd.v.Runs[i].Name]
	}
	if bd.v.Kind == "protocol" && len(bd.v.Runs) == 1 {
		bd.v.Runs[0].Status = "recorded"
		bd.v.Runs[0].Steps = 0
		if n := len(rows); n > 0 {
			bd.v.Runs[0].Steps = rows[n-1].Step
		}
	}
	if bd.v.File != "" {
		bd.v.File = filepath.Base(bd.v.File)
	}
}

// messageKey names a message in the record: its run, sender and receiver
// roles, label and the channel's sequence number. A send records the
// sequence number as its output, a delivery as its input.
func messageKey(run, from, to, label string, seq effects.Value) string {
	return run + "\x00" + from + "\x00" + to + "\x00" + label + "\x00" + seq.String()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

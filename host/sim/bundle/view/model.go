package view

// View is what the page shows: a recorded run as a sequence diagram. It
// is built by FromBundle or FromTrace and written by WriteHTML; its JSON
// form is the data the page embeds.
type View struct {
	// Title is the page's heading ("simulation of deployment X, seed 7").
	Title string `json:"title"`
	// Kind is "simulation" (a trace bundle) or "protocol" (one trace).
	Kind string `json:"kind"`
	// File is the recorded file's name as given.
	File string `json:"file"`
	Seed uint64 `json:"seed"`
	// TimeNote says what the time axis counts (virtual time from the
	// start of a simulation, or time since a protocol run's first clock
	// reading).
	TimeNote  string     `json:"time_note"`
	Lifelines []Lifeline `json:"lifelines"`
	Rows      []Row      `json:"rows"`
	Messages  []Message  `json:"messages"`
	Runs      []Run      `json:"runs"`
	// Notes are things the page says about the record as a whole (sends
	// that never arrived, machines that recorded no trace).
	Notes []string `json:"notes,omitempty"`
}

// Lifeline is one column of the diagram: an agent of a simulation (with
// the roles it played) or a role of a protocol run.
type Lifeline struct {
	Name  string   `json:"name"`
	Roles []string `json:"roles,omitempty"`
}

// The kinds of row.
const (
	RowSend    = "send"    // a message leaves its sender (Message.Send)
	RowArrive  = "arrive"  // a message reaches its receiver (Message.Arrive)
	RowEffect  = "effect"  // an effect call on a lifeline (invoke, now, random, decide, ...)
	RowFault   = "fault"   // a simulated fault starts or ends
	RowOutcome = "outcome" // a run ended
	RowEnd     = "end"     // the simulation ended
)

// Row is one step of the diagram, in the order the page reveals them: a
// causal order of every machine's entries (a message arrives after it was
// sent; each machine's entries keep their order), interleaved with faults
// and outcomes by virtual time where it is known.
type Row struct {
	Kind string `json:"kind"`
	// Lane is the lifeline the row is on; -1: across all lifelines.
	Lane int `json:"lane"`
	// Lanes are the lifelines a fault touches (a partition's sides, a
	// crashed agent); empty: all of them.
	Lanes []int `json:"lanes,omitempty"`
	// Effect is the trace entry's kind for an effect row (invoke, now,
	// random, decide, payload, acquire, release); Phase a fault's "start"
	// or "end".
	Effect string `json:"effect,omitempty"`
	Phase  string `json:"phase,omitempty"`
	// Label is what the diagram writes: the message label, the operation,
	// the fault's kind and detail.
	Label string `json:"label"`
	Run   string `json:"run,omitempty"`
	Role  string `json:"role,omitempty"`
	Peer  string `json:"peer,omitempty"`
	// TimeMs is the time the row happened at or after (a lower bound from
	// the clock readings before it); Exact when the row is itself a clock
	// reading, a fault or an outcome. -1: not known.
	TimeMs int64 `json:"time_ms"`
	Exact  bool  `json:"exact,omitempty"`
	// Msg is the message of a send or arrive row (an index of
	// View.Messages), -1 otherwise.
	Msg int `json:"msg"`
	// Step is the machine step (the trace's ordering key) of an entry.
	Step   uint64  `json:"step"`
	Error  string  `json:"error,omitempty"`
	Detail []Field `json:"detail,omitempty"`
	// Bad marks a failed outcome, a failed effect or a refused message.
	Bad bool `json:"bad,omitempty"`
}

// Field is one line of a row's details.
type Field struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Message is one message: an arrow from its send row to its arrive row.
type Message struct {
	From  int    `json:"from"` // lifelines
	To    int    `json:"to"`
	Label string `json:"label"`
	// Size is the payload's size in bytes (a byte or string payload's
	// length, another value's canonical encoding).
	Size int    `json:"size"`
	Run  string `json:"run,omitempty"`
	// Send and Arrive are rows; Arrive is -1 for a message never
	// delivered in the record (lost, or the run ended first).
	Send   int `json:"send"`
	Arrive int `json:"arrive"`
}

// Run is a protocol run of the record and its outcome.
type Run struct {
	Name       string `json:"name"`
	Protocol   string `json:"protocol"`
	Status     string `json:"status"`
	Fault      string `json:"fault,omitempty"`
	FinishedMs int64  `json:"finished_ms"`
	Steps      uint64 `json:"steps"`
}

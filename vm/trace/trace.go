package trace

import (
	"cmp"
	"slices"

	"lukechampine.com/blake3"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/vm/policy"
)

// EffectKind says what a trace entry records.
type EffectKind string

// The kinds of trace entry. The first seven are host effects: requests the
// machine made and the host answered. Send and recv are the messages the
// machine committed: they make the trace a full account of the session's
// topology. Deliver is a message the host injected.
const (
	KindDecide  EffectKind = "decide"
	KindPayload EffectKind = "payload"
	KindInvoke  EffectKind = "invoke"
	KindAcquire EffectKind = "acquire"
	KindRelease EffectKind = "release"
	KindNow     EffectKind = "now"
	KindRandom  EffectKind = "random"
	KindSend    EffectKind = "send"
	KindRecv    EffectKind = "recv"
	// KindDeliver records a message the host delivered to a hosted role:
	// an input from outside the machine, like a host outcome.
	KindDeliver EffectKind = "deliver"
)

// The interfaces entries name: the host's own services, the message
// channel, or (for invoke) the effect family of the operation.
const (
	InterfaceHost    = "vm.host"
	InterfaceChannel = "vm.channel"
)

// Entry is one effect request and its outcome, or one committed message.
//
// Inputs and Outputs by kind: decide: the labels / the chosen label;
// payload: the sort / the value; invoke: the arguments / the result;
// acquire: null / granted; release: null / null; now: null / milliseconds;
// random: the byte count / the bytes; send: the payload / the sequence
// number; recv and deliver: the sequence number / the payload.
type Entry struct {
	OrderingKey uint64 // the machine step the effect happened in
	EffectID    uint64 // position among the session's effects
	Kind        EffectKind
	Role        string
	Peer        string // send, recv, decide: the other role
	Interface   string
	Operation   string // label, operation ID, guard or binding name
	Handler     string // the handler's identity, when the host names it
	Inputs      effects.Value
	Outputs     effects.Value
	Error       *EntryError // the outcome, when it was a failure
}

// EntryError is a failed outcome.
type EntryError struct {
	Code    effects.Code
	Message string
}

// Value returns the entry as a map Value: its canonical encoding is what
// trace hashes and digests are computed over.
func (e *Entry) Value() effects.Value {
	m := map[string]effects.Value{
		"ordering_key": effects.Uint(e.OrderingKey),
		"effect_id":    effects.Uint(e.EffectID),
		"kind":         effects.String(string(e.Kind)),
		"role":         effects.String(e.Role),
		"peer":         effects.String(e.Peer),
		"interface":    effects.String(e.Interface),
		"operation":    effects.String(e.Operation),
		"handler":      effects.String(e.Handler),
		"inputs":       e.Inputs,
		"outputs":      e.Outputs,
	}
	if e.Error != nil {
		m["error"] = effects.Map(map[string]effects.Value{
			"code": effects.String(string(e.Error.Code)), "message": effects.String(e.Error.Message)})
	}
	return effects.Map(m)
}

// SameRequest reports whether two entries ask for the same thing at the
// same step: what replay compares before feeding a recorded outcome.
func (e *Entry) SameRequest(o *Entry) bool {
	return e.OrderingKey == o.OrderingKey && e.Kind == o.Kind && e.Role == o.Role && e.Peer == o.Peer &&
		e.Interface == o.Interface && e.Operation == o.Operation && e.Inputs.Equal(o.Inputs)
}

// SameOutcome compares outcomes (the handler identity is informational).
func (e *Entry) SameOutcome(o *Entry) bool {
	if (e.Error == nil) != (o.Error == nil) || e.Error != nil && *e.Error != *o.Error {
		return false
	}
	return e.Outputs.Equal(o.Outputs)
}

// CompareEntries is the canonical order: ordering key, then effect ID,
// then kind.
func CompareEntries(a, b *Entry) int {
	return cmp.Or(cmp.Compare(a.OrderingKey, b.OrderingKey), cmp.Compare(a.EffectID, b.EffectID), cmp.Compare(a.Kind, b.Kind))
}

// SortCanonical sorts entries into canonical order (a merged trace of
// several machines, for instance). A machine records in this order.
func SortCanonical(entries []Entry) {
	slices.SortStableFunc(entries, func(a, b Entry) int { return CompareEntries(&a, &b) })
}

// Header describes the run a trace records: enough to run it again.
type Header struct {
	Format      string             `json:"format"`
	Protocol    string             `json:"protocol"`
	Roles       []string           `json:"roles"` // the roles the machine ran
	Session     effects.SessionID  `json:"-"`
	SessionText string             `json:"session"`
	Scheduler   policy.Scheduler   `json:"scheduler"`
	Quantum     int                `json:"quantum"`
	Capacity    int                `json:"capacity"`
	Budget      uint64             `json:"budget"`
	Granularity policy.Granularity `json:"granularity"`
	Seed        uint64             `json:"seed"`
	Priorities  map[string]int     `json:"priorities,omitempty"`
	// ProtocolFile and ProtocolSource carry the protocol, so that a trace
	// replays on its own (ReplayTrace).
	ProtocolFile   string `json:"protocol_file,omitempty"`
	ProtocolSource string `json:"protocol_source,omitempty"`
}

// Format is the format tag of a trace header.
const Format = "aura.vm.trace/v1"

// Trace is a recorded run: its header and entries in canonical order.
type Trace struct {
	Header  Header
	Entries []Entry
}

// Hash returns BLAKE3-256 over the canonical encodings of the entries, in
// order: two runs that did the same thing hash the same, byte for byte.
func (t *Trace) Hash() [32]byte {
	h := blake3.New(32, nil)
	h.Write([]byte(Format + "\x00"))
	var buf []byte
	for i := range t.Entries {
		buf = t.Entries[i].Value().AppendCanonical(buf[:0])
		h.Write(buf)
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

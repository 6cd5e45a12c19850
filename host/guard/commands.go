package guard

import (
	"fmt"
	"slices"

	"github.com/aurahost/aura-host/effects"
)

// Command is one thing an allowed Decision asks the host to do, in order:
// Charge, AppendFact, RecordLeakage. The set is closed.
type Command interface {
	command()
	String() string
}

// Charge spends Cost from the flow budget Key for a send by Src; running it
// yields the signed receipt the envelope carries. Epoch is the budget's
// epoch in the snapshot; the charge is made against the budget's epoch when
// it runs, and the receipt carries that one.
type Charge struct {
	Key   BudgetKey
	Src   effects.AuthorityID
	Cost  uint64
	Epoch uint64
}

// AppendFact appends Fact to the journal (see the package doc for its
// shape). The host runs it before a send (whose receipt comes from the
// same run) and after any other guarded operation's handler has
// succeeded, so a refused operation leaves no fact.
type AppendFact struct {
	Fact effects.Value
}

// RecordLeakage records what observers learn from the operation.
type RecordLeakage struct {
	Leakage Leakage
}

func (Charge) command()        {}
func (AppendFact) command()    {}
func (RecordLeakage) command() {}

func (c Charge) String() string {
	return fmt.Sprintf("charge %d to %s (epoch %d) for %s", c.Cost, c.Key, c.Epoch, c.Src)
}

func (c AppendFact) String() string { return "append fact " + c.Fact.String() }

func (c RecordLeakage) String() string { return "record leakage " + c.Leakage.Fact().String() }

// ChainKey is the receipt chain the charge's receipt extends.
func (c Charge) ChainKey() ChainKey {
	return ChainKey{Context: c.Key.Context, Src: c.Src, Dst: c.Key.Peer}
}

// Fact types written by this package.
const (
	// FactOperation records a guarded operation that is not a send.
	FactOperation = "guard.operation"
	// FactSend records a send.
	FactSend = "guard.send"
	// FactReceipt records a receipt, for audit.
	FactReceipt = "guard.receipt"
	// FactLeakage records metadata leakage.
	FactLeakage = "guard.leakage"
)

// factFields is the number of fields of a fact's outer map.
const factFields = 5

// fact builds the common shape of every fact this package emits, so a
// journal plugin indexes them all the same way and content-addresses the
// canonical encoding. It fills fs, which has room for factFields fields:
// a caller that builds the body too takes both from one allocation.
func fact(fs []effects.Field, typ string, authority, time, predicate, body effects.Value) effects.Value {
	fs[0] = effects.Field{Key: "authority", Value: authority}
	fs[1] = effects.Field{Key: "body", Value: body}
	fs[2] = effects.Field{Key: "predicate", Value: predicate}
	fs[3] = effects.Field{Key: "time", Value: time}
	fs[4] = effects.Field{Key: "type", Value: effects.String(typ)}
	return fields(fs[:factFields]...)
}

// fields is the map Value of fs, given in key order: no Go map, copy or
// sort in between (facts are built on every guarded call). Keys out of
// order are a bug in this package.
func fields(fs ...effects.Field) effects.Value {
	v, err := effects.SortedMap(fs)
	if err != nil {
		panic("guard: " + err.Error())
	}
	return v
}

// idBytes sets out[i] to the bytes Value of in[i], all of them slices of
// one string: one allocation for up to four IDs.
func idBytes(out []effects.Value, in ...effects.ID) {
	const n = len(effects.ID{})
	var buf [4 * n]byte
	for i, id := range in {
		copy(buf[i*n:], id[:])
	}
	s := string(buf[:n*len(in)])
	for i := range in {
		out[i] = effects.BytesOf(s[i*n : (i+1)*n])
	}
}

// operationFact is the AppendFact of req: the fact's fields and its
// body's come from one allocation, its IDs from one string.
func operationFact(req Request, send bool) effects.Value {
	var id [4]effects.Value // authority, context, session, peer
	if !send {
		idBytes(id[:], effects.ID(req.Authority), effects.ID(req.Context), effects.ID(req.Session))
		fs := make([]effects.Field, factFields+3)
		body := fields(append(fs[factFields:factFields],
			effects.Field{Key: "args", Value: req.Body},
			effects.Field{Key: "context", Value: id[1]},
			effects.Field{Key: "session", Value: id[2]})...)
		return fact(fs, FactOperation, id[0], effects.Uint(req.Time), effects.String(string(req.Op)), body)
	}
	idBytes(id[:], effects.ID(req.Authority), effects.ID(req.Context), effects.ID(req.Session), effects.ID(req.Peer))
	fs := make([]effects.Field, factFields+6)
	body := fields(append(fs[factFields:factFields],
		effects.Field{Key: "args", Value: req.Body},
		effects.Field{Key: "context", Value: id[1]},
		effects.Field{Key: "cost", Value: effects.Uint(SendCost(req.PayloadSize))},
		effects.Field{Key: "peer", Value: id[3]},
		effects.Field{Key: "session", Value: id[2]},
		effects.Field{Key: "size", Value: effects.Uint(uint64(max(req.PayloadSize, 0)))})...)
	return fact(fs, FactSend, id[0], effects.Uint(req.Time), effects.String(string(req.Op)), body)
}

// ReceiptFact is the journal fact that records r for audit, at time (ms).
// Its body carries the encoded receipt and its hash besides the fields a
// journal indexes.
func ReceiptFact(r Receipt, time uint64) effects.Value {
	h := r.Hash()
	var enc [ReceiptSize]byte
	var id [3]effects.Value // src, context, dst
	idBytes(id[:], effects.ID(r.Src), effects.ID(r.Context), effects.ID(r.Dst))
	fs := make([]effects.Field, factFields+7)
	body := fields(append(fs[factFields:factFields],
		effects.Field{Key: "context", Value: id[1]},
		effects.Field{Key: "cost", Value: effects.Uint(r.Cost)},
		effects.Field{Key: "dst", Value: id[2]},
		effects.Field{Key: "epoch", Value: effects.Uint(r.Epoch)},
		effects.Field{Key: "hash", Value: effects.Bytes(h[:])},
		effects.Field{Key: "nonce", Value: effects.Uint(r.Nonce)},
		effects.Field{Key: "receipt", Value: effects.Bytes(r.appendEncoded(enc[:0]))})...)
	return fact(fs, FactReceipt, id[0], effects.Uint(time), effects.String(FactReceipt), body)
}

// ObserverClass is a kind of party that learns something from an
// operation.
type ObserverClass string

// Observer classes.
const (
	// ObserverPeer is the destination of a send.
	ObserverPeer ObserverClass = "peer"
	// ObserverNetwork is anyone on the path between the two transports.
	ObserverNetwork ObserverClass = "network"
	// ObserverContext is the members of the context, who receive the
	// operation's journal fact when journals sync.
	ObserverContext ObserverClass = "context"
)

// What observers learn.
const (
	LearnsContext   = "context"
	LearnsSource    = "source"
	LearnsEndpoints = "endpoints"
	LearnsSize      = "size"
	LearnsTime      = "time"
	LearnsOperation = "operation"
	LearnsAuthority = "authority"
)

// Observation is what one class of observer learns; Size is the number of
// bytes it sees go by (0 when it sees none).
type Observation struct {
	Class  ObserverClass
	Learns []string
	Size   uint64
}

// Leakage is the metadata one operation leaks, per observer class.
// The Observations of a Leakage from Evaluate, and their Learns lists, may
// be shared with other Leakages: read them, never modify them.
type Leakage struct {
	Op           effects.OpID
	Authority    effects.AuthorityID
	Context      effects.ContextID
	Peer         effects.AuthorityID // zero unless a send
	Time         uint64
	Observations []Observation
}

// What each observer class learns, the same for every operation. They are
// shared, never modified (the full slice expressions make an append copy).
var (
	peerLearns    = []string{LearnsContext, LearnsSource, LearnsSize, LearnsTime}[:4:4]
	networkLearns = []string{LearnsEndpoints, LearnsSize, LearnsTime}[:3:3]
	contextLearns = []string{LearnsOperation, LearnsAuthority, LearnsTime}[:3:3]
	// contextOnly is the Observations of every guarded operation that is
	// not a send.
	contextOnly = []Observation{{Class: ObserverContext, Learns: contextLearns}}[:1:1]
)

// The same as Values, built once: Fact reuses them (a Value is immutable).
var (
	peerLearnsValue    = stringList(peerLearns)
	networkLearnsValue = stringList(networkLearns)
	contextLearnsValue = stringList(contextLearns)
	contextOnlyValue   = effects.List(observationValue(contextOnly[0], make([]effects.Field, 3)))
)

// leakageOf lists what an operation leaks. Every guarded operation is
// journaled, so the context's members learn that it happened, who did it
// and when. A send also tells its peer the context, the sender, the size and
// the time; and the network sees endpoints, size and timing (payloads are
// encrypted by the transport).
func leakageOf(req Request, send bool) Leakage {
	l := Leakage{Op: req.Op, Authority: req.Authority, Context: req.Context, Time: req.Time, Observations: contextOnly}
	if send {
		size := uint64(max(req.PayloadSize, 0))
		l.Peer = req.Peer
		l.Observations = []Observation{
			{Class: ObserverPeer, Learns: peerLearns, Size: size},
			{Class: ObserverNetwork, Learns: networkLearns, Size: size},
			contextOnly[0],
		}
	}
	return l
}

// Fact is the journal fact recording l. Its fields, and its body's, come
// from one allocation and its IDs from one string; the observations of an
// operation that is not a send are a Value built once.
func (l Leakage) Fact() effects.Value {
	var obs effects.Value
	if len(l.Observations) == 1 && isContextOnly(l.Observations[0]) {
		obs = contextOnlyValue
	} else {
		of := make([]effects.Field, 3*len(l.Observations))
		items := make([]effects.Value, len(l.Observations))
		for i, o := range l.Observations {
			items[i] = observationValue(o, of[3*i:3*i+3])
		}
		obs = effects.List(items...)
	}
	var id [3]effects.Value // authority, context, peer
	idBytes(id[:], effects.ID(l.Authority), effects.ID(l.Context), effects.ID(l.Peer))
	fs := make([]effects.Field, factFields+3)
	body := fields(append(fs[factFields:factFields],
		effects.Field{Key: "context", Value: id[1]},
		effects.Field{Key: "observations", Value: obs},
		effects.Field{Key: "peer", Value: id[2]})...)
	return fact(fs, FactLeakage, id[0], effects.Uint(l.Time), effects.String(string(l.Op)), body)
}

func isContextOnly(o Observation) bool {
	return o.Class == ObserverContext && o.Size == 0 && slices.Equal(o.Learns, contextLearns)
}

// observationValue is the map Value of o, its fields in fs (room for 3).
func observationValue(o Observation, fs []effects.Field) effects.Value {
	return fields(append(fs[:0],
		effects.Field{Key: "class", Value: effects.String(string(o.Class))},
		effects.Field{Key: "learns", Value: learnsValue(o.Learns)},
		effects.Field{Key: "size", Value: effects.Uint(o.Size)})...)
}

// learnsValue is the list Value of learns, built once for the standard lists.
func learnsValue(learns []string) effects.Value {
	switch {
	case slices.Equal(learns, contextLearns):
		return contextLearnsValue
	case slices.Equal(learns, peerLearns):
		return peerLearnsValue
	case slices.Equal(learns, networkLearns):
		return networkLearnsValue
	}
	return stringList(learns)
}

func stringList(ss []string) effects.Value {
	items := make([]effects.Value, len(ss))
	for i, s := range ss {
		items[i] = effects.String(s)
	}
	return effects.List(items...)
}

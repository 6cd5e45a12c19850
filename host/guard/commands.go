package guard

import (
	"fmt"

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

// fact builds the common shape of every fact this package emits, so a
// journal plugin indexes them all the same way and content-addresses the
// canonical encoding.
func fact(typ string, authority effects.AuthorityID, time uint64, predicate string, body effects.Value) effects.Value {
	return fields(
		effects.Field{Key: "authority", Value: effects.Bytes(authority[:])},
		effects.Field{Key: "body", Value: body},
		effects.Field{Key: "predicate", Value: effects.String(predicate)},
		effects.Field{Key: "time", Value: effects.Uint(time)},
		effects.Field{Key: "type", Value: effects.String(typ)},
	)
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

func operationFact(req Request, send bool) effects.Value {
	args := effects.Field{Key: "args", Value: req.Body}
	context := effects.Field{Key: "context", Value: effects.Bytes(req.Context[:])}
	session := effects.Field{Key: "session", Value: effects.Bytes(req.Session[:])}
	if !send {
		return fact(FactOperation, req.Authority, req.Time, string(req.Op), fields(args, context, session))
	}
	return fact(FactSend, req.Authority, req.Time, string(req.Op), fields(args, context,
		effects.Field{Key: "cost", Value: effects.Uint(SendCost(req.PayloadSize))},
		effects.Field{Key: "peer", Value: effects.Bytes(req.Peer[:])},
		session,
		effects.Field{Key: "size", Value: effects.Uint(uint64(max(req.PayloadSize, 0)))},
	))
}

// ReceiptFact is the journal fact that records r for audit, at time (ms).
// Its body carries the encoded receipt and its hash besides the fields a
// journal indexes.
func ReceiptFact(r Receipt, time uint64) effects.Value {
	h := r.Hash()
	return fact(FactReceipt, r.Src, time, FactReceipt, effects.Map(map[string]effects.Value{
		"context": effects.Bytes(r.Context[:]),
		"dst":     effects.Bytes(r.Dst[:]),
		"epoch":   effects.Uint(r.Epoch),
		"nonce":   effects.Uint(r.Nonce),
		"cost":    effects.Uint(r.Cost),
		"hash":    effects.Bytes(h[:]),
		"receipt": effects.Bytes(r.encode()),
	}))
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
type Leakage struct {
	Op           effects.OpID
	Authority    effects.AuthorityID
	Context      effects.ContextID
	Peer         effects.AuthorityID // zero unless a send
	Time         uint64
	Observations []Observation
}

// leakageOf lists what an operation leaks. Every guarded operation is
// journaled, so the context's members learn that it happened, who did it
// and when. A send also tells its peer the context, the sender, the size and
// the time; and the network sees endpoints, size and timing (payloads are
// encrypted by the transport).
func leakageOf(req Request, send bool) Leakage {
	l := Leakage{Op: req.Op, Authority: req.Authority, Context: req.Context, Time: req.Time}
	if send {
		size := uint64(max(req.PayloadSize, 0))
		l.Peer = req.Peer
		l.Observations = append(l.Observations,
			Observation{Class: ObserverPeer, Learns: []string{LearnsContext, LearnsSource, LearnsSize, LearnsTime}, Size: size},
			Observation{Class: ObserverNetwork, Learns: []string{LearnsEndpoints, LearnsSize, LearnsTime}, Size: size},
		)
	}
	l.Observations = append(l.Observations,
		Observation{Class: ObserverContext, Learns: []string{LearnsOperation, LearnsAuthority, LearnsTime}})
	return l
}

// Fact is the journal fact recording l.
func (l Leakage) Fact() effects.Value {
	obs := make([]effects.Value, 0, len(l.Observations))
	for _, o := range l.Observations {
		learns := make([]effects.Value, len(o.Learns))
		for i, s := range o.Learns {
			learns[i] = effects.String(s)
		}
		obs = append(obs, fields(
			effects.Field{Key: "class", Value: effects.String(string(o.Class))},
			effects.Field{Key: "learns", Value: effects.List(learns...)},
			effects.Field{Key: "size", Value: effects.Uint(o.Size)},
		))
	}
	return fact(FactLeakage, l.Authority, l.Time, string(l.Op), fields(
		effects.Field{Key: "context", Value: effects.Bytes(l.Context[:])},
		effects.Field{Key: "observations", Value: effects.List(obs...)},
		effects.Field{Key: "peer", Value: effects.Bytes(l.Peer[:])},
	))
}

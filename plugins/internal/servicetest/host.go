package servicetest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"slices"
	"sync"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
)

// Host is a fake host: an effects.Handler serving journal.append_fact,
// journal.facts_by_predicate, journal.get_journal, clock.physical_time,
// random.random_bytes_32 and crypto.ed25519_verify. It is safe for
// concurrent use, and may serve several service instances at once (as a
// restarted service shares its predecessor's journal).
type Host struct {
	mu          sync.Mutex
	now         int64
	facts       []stored // sorted by id
	draws       uint64
	journalDown bool
	refused     string                   // appends of facts with this predicate fail
	strangers   map[sdk.AuthorityID]bool // authorities whose keys the fake deployment does not know
	calls       map[sdk.OpID]int
}

type stored struct {
	id   []byte
	fact sdk.Value
}

// NewHost returns a host whose virtual clock reads startMS.
func NewHost(startMS int64) *Host {
	return &Host{now: startMS, calls: map[sdk.OpID]int{}, strangers: map[sdk.AuthorityID]bool{}}
}

// DeviceKey is the device key the fake host holds for an authority: derived
// from it, so every fake host agrees on every authority's key, as the
// agents of one deployment agree on their peer keys.
func DeviceKey(a sdk.AuthorityID) ed25519.PrivateKey {
	seed := sha256.Sum256(append([]byte("servicetest device key "), a[:]...))
	return ed25519.NewKeyFromSeed(seed[:])
}

// Forget makes device.public_key answer not_found for authority a, as a
// deployment whose peer keys do not name it would.
func (h *Host) Forget(a sdk.AuthorityID) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.strangers[a] = true
}

// Advance moves the virtual clock forward by ms.
func (h *Host) Advance(ms int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.now += ms
}

// Now reads the virtual clock.
func (h *Host) Now() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.now
}

// SetJournalDown makes every journal operation fail as unavailable (true)
// or work again (false).
func (h *Host) SetJournalDown(down bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.journalDown = down
}

// RefuseAppends makes journal.append_fact fail as unavailable for facts
// with the predicate, leaving every other journal operation working; ""
// accepts them all again.
func (h *Host) RefuseAppends(predicate string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.refused = predicate
}

// Bodies returns the bodies of the journal's facts with a predicate, in
// the journal's order.
func (h *Host) Bodies(predicate string) []sdk.Value {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []sdk.Value
	for _, s := range h.facts {
		if p, _ := s.fact.Get("predicate"); p.Equal(sdk.String(predicate)) {
			b, _ := s.fact.Get("body")
			out = append(out, b)
		}
	}
	return out
}

// FactCount returns the number of facts in the journal.
func (h *Host) FactCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.facts)
}

// Calls returns how many times op was invoked.
func (h *Host) Calls(op sdk.OpID) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.calls[op]
}

// Invoke serves one call.
func (h *Host) Invoke(ctx context.Context, call *sdk.Call) (sdk.Value, error) {
	if err := ctx.Err(); err != nil {
		return sdk.Value{}, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls[call.Op]++
	if call.Op.Family() == "journal" && h.journalDown {
		return sdk.Value{}, sdk.Errorf(sdk.CodeUnavailable, "journal plugin is down")
	}
	switch call.Op {
	case effects.JournalAppendFact:
		return h.append(call.Arg("fact"))
	case effects.JournalFactsByPredicate:
		pred, ok := call.Arg("predicate").AsString()
		if !ok {
			return sdk.Value{}, sdk.Errorf(sdk.CodeInvalidArgs, "predicate must be a string")
		}
		var out []sdk.Value
		for _, s := range h.facts {
			if p, _ := s.fact.Get("predicate"); p.Equal(sdk.String(pred)) {
				out = append(out, s.fact)
			}
		}
		return sdk.List(out...), nil
	case effects.JournalGetJournal:
		out := make([]sdk.Value, len(h.facts))
		for i, s := range h.facts {
			out[i] = s.fact
		}
		return sdk.List(out...), nil
	case effects.ClockPhysicalTime:
		return sdk.Map(map[string]sdk.Value{"ms": sdk.Int(h.now), "uncertainty_ms": sdk.Int(0)}), nil
	case effects.RandomBytes32:
		h.draws++
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], h.draws)
		sum := sha256.Sum256(append([]byte("servicetest random "), n[:]...))
		return sdk.Bytes(sum[:]), nil
	case effects.CryptoEd25519Verify:
		return verify(call)
	case effects.DeviceSign:
		return h.deviceSign(call)
	case effects.DevicePublicKey:
		return h.devicePublicKey(call)
	}
	return sdk.Value{}, sdk.Errorf(sdk.CodeUnknownOp, "the fake host does not serve %s", call.Op)
}

// append stores a fact of the journal's envelope {type, authority, time,
// predicate, body} under the SHA-256 of its canonical encoding. It is
// stricter than the journal: the services write exactly those fields, with
// bytes for the authority and a map for the body.
func (h *Host) append(fact sdk.Value) (sdk.Value, error) {
	typ, _ := fact.Get("type")
	authority, _ := fact.Get("authority")
	tm, _ := fact.Get("time")
	pred, _ := fact.Get("predicate")
	body, _ := fact.Get("body")
	if fact.Kind() != sdk.KindMap || fact.Len() != 5 || typ.Kind() != sdk.KindString || typ.Len() == 0 ||
		authority.Kind() != sdk.KindBytes || authority.Len() == 0 || tm.Kind() != sdk.KindInt ||
		pred.Kind() != sdk.KindString || body.Kind() != sdk.KindMap {
		return sdk.Value{}, sdk.Errorf(sdk.CodeInvalidArgs,
			"fact must be a map {type string, authority bytes, time int, predicate string, body map}, got %v", fact)
	}
	if p, _ := pred.AsString(); p == h.refused {
		return sdk.Value{}, sdk.Errorf(sdk.CodeUnavailable, "the journal refuses %s facts for this test", p)
	}
	sum := sha256.Sum256(fact.Canonical())
	id := sum[:]
	i, found := slices.BinarySearchFunc(h.facts, id, func(s stored, id []byte) int { return bytes.Compare(s.id, id) })
	if !found {
		h.facts = slices.Insert(h.facts, i, stored{id: id, fact: fact})
	}
	return sdk.Bytes(id), nil
}

func verify(call *sdk.Call) (sdk.Value, error) {
	msg, ok1 := call.Arg("msg").AsBytes()
	sig, ok2 := call.Arg("sig").AsBytes()
	pub, ok3 := call.Arg("pub").AsBytes()
	switch {
	case !ok1 || !ok2 || !ok3:
		return sdk.Value{}, sdk.Errorf(sdk.CodeInvalidArgs, "msg, sig and pub must be bytes")
	case len(pub) != ed25519.PublicKeySize:
		return sdk.Value{}, sdk.Errorf(sdk.CodeInvalidArgs, "pub must be %d bytes", ed25519.PublicKeySize)
	case len(sig) != ed25519.SignatureSize:
		return sdk.Bool(false), nil
	}
	return sdk.Bool(ed25519.Verify(pub, msg, sig)), nil
}

// deviceSign signs as the device of the call's authority, with the
// purpose prefix, as host/agent's device family does.
func (h *Host) deviceSign(call *sdk.Call) (sdk.Value, error) {
	if call.Authority.IsZero() {
		return sdk.Value{}, sdk.Errorf(sdk.CodeDenied, "device.sign needs the caller's authority")
	}
	msg, ok1 := call.Arg("message").AsBytes()
	purpose, ok2 := call.Arg("purpose").AsString()
	if !ok1 || !ok2 {
		return sdk.Value{}, sdk.Errorf(sdk.CodeInvalidArgs, "message must be bytes and purpose a string")
	}
	if err := effects.CheckPurpose(purpose); err != nil {
		return sdk.Value{}, sdk.Errorf(sdk.CodeInvalidArgs, "%v", err)
	}
	return sdk.Bytes(ed25519.Sign(DeviceKey(call.Authority), effects.DeviceSigningMessage(purpose, msg))), nil
}

func (h *Host) devicePublicKey(call *sdk.Call) (sdk.Value, error) {
	a := call.Arg("authority")
	id := call.Authority
	if !a.IsNull() {
		s, _ := a.AsString()
		var err error
		if id, err = effects.ParseAuthorityID(s); err != nil {
			return sdk.Value{}, sdk.Errorf(sdk.CodeInvalidArgs, "authority: %v", err)
		}
		if h.strangers[id] {
			return sdk.Value{}, sdk.Errorf(sdk.CodeNotFound, "no device key is known for %s", id)
		}
	}
	if id.IsZero() {
		return sdk.Value{}, sdk.Errorf(sdk.CodeDenied, "device.public_key needs the caller's authority")
	}
	return sdk.Bytes(DeviceKey(id).Public().(ed25519.PublicKey)), nil
}

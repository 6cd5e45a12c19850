package journal

import (
	"fmt"

	"lukechampine.com/blake3"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
)

// IDSize is the length of a fact ID: a BLAKE3-256 digest.
const IDSize = 32

// MaxFactSize bounds the canonical encoding of one fact. Facts are records,
// not blobs: keep large payloads in storage and journal their hash.
const MaxFactSize = 1 << 20

// ID is a fact's identifier: BLAKE3-256 of its canonical encoding.
type ID [IDSize]byte

// Fact is a validated fact: the map Value as given, its encoding and ID,
// and the fields the indexes use.
type Fact struct {
	ID        ID
	Value     sdk.Value // the whole fact, as given
	Encoded   []byte    // Value.Canonical(); nil for facts read back from the database
	Type      string
	Authority sdk.Value // bytes or string
	Time      int64     // milliseconds
	Predicate string
	Body      sdk.Value
	// Signed is set for a fact with well-formed signer and signature
	// fields. ParseFact also verifies the signature; a fact read back from
	// the database is not verified again (see doc.go).
	Signed bool
}

// FactID returns the ID of a fact value, valid or not.
func FactID(v sdk.Value) ID { return blake3.Sum256(v.Canonical()) }

// ParseFact checks that v is a well-formed fact and returns it with its ID.
// The error says which field is wrong.
func ParseFact(v sdk.Value) (Fact, error) {
	f, err := parseFields(v)
	if err != nil {
		return Fact{}, err
	}
	f.Encoded = v.Canonical()
	if len(f.Encoded) > MaxFactSize {
		return Fact{}, fmt.Errorf("the fact encodes to %d bytes, more than the %d allowed", len(f.Encoded), MaxFactSize)
	}
	f.ID = blake3.Sum256(f.Encoded)
	// A fact that carries a signature is admitted only if it verifies, so
	// that the signed facts, which peers sync, are all verifiably signed.
	if hasEither(v, SignerField, SignatureField) {
		if err := VerifyFactSignature(v); err != nil {
			return Fact{}, fmt.Errorf("fact %x: %w", f.ID, err)
		}
	}
	return f, nil
}

func hasEither(v sdk.Value, a, b string) bool {
	_, okA := v.Get(a)
	_, okB := v.Get(b)
	return okA || okB
}

// parseFields checks the fields of a fact and extracts them.
func parseFields(v sdk.Value) (Fact, error) {
	if v.Kind() != sdk.KindMap {
		return Fact{}, fmt.Errorf("a fact must be a map, got %s", v.Kind())
	}
	f := Fact{Value: v}
	var ok bool
	field := func(name string) (sdk.Value, error) {
		x, present := v.Get(name)
		if !present {
			return x, fmt.Errorf("a fact needs a %q field", name)
		}
		return x, nil
	}
	t, err := field("type")
	if err != nil {
		return Fact{}, err
	}
	if f.Type, ok = t.AsString(); !ok || f.Type == "" {
		return Fact{}, fmt.Errorf("the fact's type must be a non-empty string, got %v", t)
	}
	if f.Authority, err = field("authority"); err != nil {
		return Fact{}, err
	}
	if k := f.Authority.Kind(); (k != sdk.KindBytes && k != sdk.KindString) || f.Authority.Len() == 0 {
		return Fact{}, fmt.Errorf("the fact's authority must be non-empty bytes or a non-empty string, got %v", f.Authority)
	}
	tm, err := field("time")
	if err != nil {
		return Fact{}, err
	}
	if f.Time, ok = tm.AsInt(); !ok {
		return Fact{}, fmt.Errorf("the fact's time must be an int (milliseconds), got %v", tm)
	}
	p, err := field("predicate")
	if err != nil {
		return Fact{}, err
	}
	if f.Predicate, ok = p.AsString(); !ok {
		return Fact{}, fmt.Errorf("the fact's predicate must be a string, got %s", p.Kind())
	}
	if f.Body, err = field("body"); err != nil {
		return Fact{}, err
	}
	_, _, signed, err := signedFields(v)
	f.Signed = signed && err == nil
	return f, nil
}

// decodeFact rebuilds a stored fact from its key and encoding (which may be
// bbolt's memory: nothing of it is kept). A stored fact that no longer
// parses means the file was damaged. The ID is not recomputed: reads of a
// whole journal would pay a hash per fact for a check the file's own
// checksums make.
func decodeFact(id, encoded []byte) (Fact, error) {
	v, err := effects.DecodeCanonical(encoded)
	if err != nil {
		return Fact{}, fmt.Errorf("stored fact %x: %w", id, err)
	}
	f, err := parseFields(v)
	if err != nil {
		return Fact{}, fmt.Errorf("stored fact %x: %w", id, err)
	}
	copy(f.ID[:], id)
	return f, nil
}

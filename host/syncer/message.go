package syncer

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"io"
	"sync"

	"github.com/aurahost/aura-host/effects"
)

// The kinds of message of a round (see the package doc).
const (
	kindRoot    = "root"    // the initiator's root: starts round r
	kindBusy    = "busy"    // the responder is in a round with another peer
	kindSame    = "same"    // the roots agree: round r is over
	kindDigest  = "digest"  // one part of a salted Bloom filter of the sender's fact IDs
	kindFacts   = "facts"   // a page of the sender's facts missing from the receiver's filter
	kindRestart = "restart" // the sender refused an envelope of the receiver's: start a new receipt chain
)

// message is one envelope's payload: the canonical encoding of a map whose
// "k" says the kind and "r" the round.
type message struct {
	Kind  string
	Round uint64

	Root  []byte // root
	Count int64  // root

	Salt  int64  // digest
	Part  int    // digest: 0-based
	Parts int    // digest
	Bloom []byte // digest: this part's bytes
	Reply bool   // digest: the receiver answers with its own digest

	Facts []effects.Value // facts: sent as "z", the DEFLATE of their list's canonical encoding
	// Encoded, if not nil, are the facts to send as their canonical
	// encodings (journal.sync_missing's encoded form), sent instead of
	// Facts without being decoded and encoded again.
	Encoded [][]byte
	// Page is, on a received facts message, the canonical encoding of the
	// list Facts was decoded from: what journal.merge_signed takes as a
	// page, so the facts cross the plugin boundary as bytes.
	Page []byte
	Last bool  // facts: the sender's last page of the round
	More bool  // facts, on the last page: the sender left facts for another round
	Took int64 // facts, on the last page: how many of the receiver's facts the sender merged
}

func (m message) encode() []byte {
	f := map[string]effects.Value{"k": effects.String(m.Kind), "r": effects.Uint(m.Round)}
	switch m.Kind {
	case kindRoot:
		f["root"], f["count"] = effects.Bytes(m.Root), effects.Int(m.Count)
	case kindDigest:
		f["salt"], f["part"], f["parts"] = effects.Int(m.Salt), effects.Int(int64(m.Part)), effects.Int(int64(m.Parts))
		f["bloom"], f["reply"] = effects.Bytes(m.Bloom), effects.Bool(m.Reply)
	case kindFacts:
		var list []byte
		if m.Encoded != nil {
			list = encodedList(m.Encoded)
		} else {
			list = effects.List(m.Facts...).Canonical()
		}
		f["z"], f["last"], f["more"] = effects.Bytes(compress(list)), effects.Bool(m.Last), effects.Bool(m.More)
		f["took"] = effects.Int(m.Took)
	}
	return effects.Map(f).Canonical()
}

// decodeMessage reads a payload a peer sent, trusting nothing of it.
func decodeMessage(payload []byte) (message, error) {
	v, err := effects.DecodeCanonical(payload)
	if err != nil {
		return message{}, err
	}
	if v.Kind() != effects.KindMap {
		return message{}, fmt.Errorf("a message is a map, got %s", v.Kind())
	}
	var m message
	var bad error
	get := func(key string, kind effects.Kind) effects.Value {
		x, ok := v.Get(key)
		if (!ok || x.Kind() != kind) && bad == nil {
			bad = fmt.Errorf("field %q must be %s", key, kind)
		}
		return x
	}
	m.Kind, _ = get("k", effects.KindString).AsString()
	m.Round, _ = get("r", effects.KindUint).AsUint()
	switch m.Kind {
	case kindBusy, kindSame, kindRestart:
	case kindRoot:
		m.Root, _ = get("root", effects.KindBytes).AsBytes()
		m.Count, _ = get("count", effects.KindInt).AsInt()
	case kindDigest:
		m.Salt, _ = get("salt", effects.KindInt).AsInt()
		part, _ := get("part", effects.KindInt).AsInt()
		parts, _ := get("parts", effects.KindInt).AsInt()
		m.Bloom, _ = get("bloom", effects.KindBytes).AsBytes()
		m.Reply, _ = get("reply", effects.KindBool).AsBool()
		if bad == nil && (parts < 1 || parts > MaxDigestParts || part < 0 || part >= parts) {
			bad = fmt.Errorf("digest part %d of %d: want 0 <= part < parts <= %d", part, parts, MaxDigestParts)
		}
		m.Part, m.Parts = int(part), int(parts)
	case kindFacts:
		z, _ := get("z", effects.KindBytes).AsBytes()
		if bad == nil {
			m.Facts, m.Page, bad = decompressFacts(z)
		}
		m.Last, _ = get("last", effects.KindBool).AsBool()
		m.More, _ = get("more", effects.KindBool).AsBool()
		m.Took, _ = get("took", effects.KindInt).AsInt()
	default:
		if bad == nil {
			bad = fmt.Errorf("unknown kind %q", m.Kind)
		}
	}
	return m, bad
}

// MaxPageRaw bounds the decompressed canonical encoding of one page of
// facts: a page that inflates past it is malformed (a compression bomb).
const MaxPageRaw = 1 << 20

// compress is DEFLATE at the default level. Facts of one writer repeat
// their field names, authority, signer key, type and predicate, so a page
// carries about twice the facts it would raw: half the envelopes, and
// half the guard chain's work per fact.
//
// Writers and readers are pooled: a new DEFLATE writer allocates about
// 600 KiB of tables, which made a page cost twice its compression, and
// the garbage kept the runtime collecting and returning memory.
func compress(b []byte) []byte {
	var buf bytes.Buffer
	w := writers.Get().(*flate.Writer)
	w.Reset(&buf)
	w.Write(b)
	w.Close()
	writers.Put(w)
	return buf.Bytes()
}

var writers = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(nil, flate.DefaultCompression) // a valid level: never fails
	return w
}}

var readers = sync.Pool{New: func() any { return flate.NewReader(bytes.NewReader(nil)) }}

// decompressFacts inflates and decodes a page: its facts, and the
// canonical encoding of their list (checked by decoding it).
func decompressFacts(z []byte) ([]effects.Value, []byte, error) {
	r := readers.Get().(io.ReadCloser)
	r.(flate.Resetter).Reset(bytes.NewReader(z), nil) // never fails: no dictionary
	raw, err := io.ReadAll(io.LimitReader(r, MaxPageRaw+1))
	readers.Put(r)
	if err != nil {
		return nil, nil, fmt.Errorf("facts: %w", err)
	}
	if len(raw) > MaxPageRaw {
		return nil, nil, fmt.Errorf("facts inflate past %d bytes", MaxPageRaw)
	}
	v, err := effects.DecodeCanonical(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("facts: %w", err)
	}
	if v.Kind() != effects.KindList {
		return nil, nil, fmt.Errorf("facts must be a list, got %s", v.Kind())
	}
	return v.Items(), raw, nil
}

// encodedList is the canonical encoding of the list of the values whose
// canonical encodings are items: the list's tag, its count, the items.
func encodedList(items [][]byte) []byte {
	n := 1 + binary.MaxVarintLen64
	for _, it := range items {
		n += len(it)
	}
	b := binary.AppendUvarint(append(make([]byte, 0, n), byte(effects.KindList)), uint64(len(items)))
	for _, it := range items {
		b = append(b, it...)
	}
	return b
}

// listHeader is the length of the tag and count that start the canonical
// encoding of a list of n values.
func listHeader(n int) int { return 1 + len(binary.AppendUvarint(nil, uint64(n))) }

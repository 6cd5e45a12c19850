package trace

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"lukechampine.com/blake3"

	"github.com/aurahost/aura-host/effects"
)

// jsonEntry is the JSON Lines form of an Entry. Field order is fixed and
// values use effects.Value's JSON form, so the output is deterministic.
type jsonEntry struct {
	OrderingKey uint64        `json:"ordering_key"`
	EffectID    uint64        `json:"effect_id"`
	Kind        EffectKind    `json:"kind"`
	Role        string        `json:"role"`
	Peer        string        `json:"peer,omitempty"`
	Interface   string        `json:"interface"`
	Operation   string        `json:"operation"`
	Handler     string        `json:"handler_identity,omitempty"`
	Inputs      effects.Value `json:"inputs"`
	Outputs     effects.Value `json:"outputs"`
	Error       *jsonError    `json:"error,omitempty"`
	Digest      string        `json:"digest"`
}

type jsonError struct {
	Code    effects.Code `json:"code"`
	Message string       `json:"message"`
}

// WriteJSONL writes the trace as JSON Lines: the header, then one entry
// per line in canonical order. Each entry carries a digest chaining it to
// the header and every entry before it (BLAKE3-256), so ReadTrace finds
// the first altered or missing line.
func (t *Trace) WriteJSONL(w io.Writer) error {
	bw := bufio.NewWriter(w)
	head, err := json.Marshal(t.Header)
	if err != nil {
		return err
	}
	bw.Write(head)
	bw.WriteByte('\n')
	chain := chainStart(head)
	var buf []byte
	for i := range t.Entries {
		e := &t.Entries[i]
		buf = e.Value().AppendCanonical(buf[:0])
		chain = chainNext(chain, buf)
		je := jsonEntry{OrderingKey: e.OrderingKey, EffectID: e.EffectID, Kind: e.Kind, Role: e.Role, Peer: e.Peer,
			Interface: e.Interface, Operation: e.Operation, Handler: e.Handler, Inputs: e.Inputs, Outputs: e.Outputs,
			Digest: hex.EncodeToString(chain[:])}
		if e.Error != nil {
			je.Error = &jsonError{Code: e.Error.Code, Message: e.Error.Message}
		}
		line, err := json.Marshal(je)
		if err != nil {
			return err
		}
		bw.Write(line)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

func chainStart(header []byte) [32]byte {
	h := blake3.New(32, nil)
	h.Write([]byte(Format + "\x00"))
	h.Write(header)
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

func chainNext(prev [32]byte, canonical []byte) [32]byte {
	h := blake3.New(32, nil)
	h.Write(prev[:])
	h.Write(canonical)
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

// CorruptError is an entry of a JSON Lines trace that does not parse, or
// whose digest does not chain from the header and the entries before it:
// the line, or one before it, was altered or dropped.
type CorruptError struct {
	Index   int // the entry's index (0 is the first line after the header)
	Message string
}

// Error says which entry is corrupt and how.
func (e *CorruptError) Error() string {
	return fmt.Sprintf("trace: entry %d: %s", e.Index, e.Message)
}

// Read reads a trace written by WriteJSONL. A line that does not parse,
// or whose digest does not match the chain, is a *CorruptError naming
// its entry index; vm.ReadTrace reports it as a Determinism fault.
func Read(r io.Reader) (*Trace, error) {
	br := bufio.NewReader(r)
	head, err := readLine(br)
	if err != nil {
		return nil, fmt.Errorf("vm: trace header: %w", err)
	}
	t := &Trace{}
	dec := json.NewDecoder(bytes.NewReader(head))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t.Header); err != nil {
		return nil, fmt.Errorf("vm: trace header: %w", err)
	}
	if t.Header.Format != Format {
		return nil, fmt.Errorf("vm: trace format %q, want %q", t.Header.Format, Format)
	}
	if t.Header.Session, err = effects.ParseSessionID(t.Header.SessionText); err != nil {
		return nil, fmt.Errorf("vm: trace header: %w", err)
	}
	chain := chainStart(head)
	var buf []byte
	for i := 0; ; i++ {
		line, err := readLine(br)
		if errors.Is(err, io.EOF) {
			return t, nil
		}
		bad := func(format string, args ...any) error {
			return &CorruptError{Index: i, Message: fmt.Sprintf(format, args...)}
		}
		if err != nil {
			return nil, bad("reading entry: %v", err)
		}
		var je jsonEntry
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&je); err != nil {
			return nil, bad("entry does not parse: %v", err)
		}
		e := Entry{OrderingKey: je.OrderingKey, EffectID: je.EffectID, Kind: je.Kind, Role: je.Role, Peer: je.Peer,
			Interface: je.Interface, Operation: je.Operation, Handler: je.Handler, Inputs: je.Inputs, Outputs: je.Outputs}
		if je.Error != nil {
			e.Error = &EntryError{Code: je.Error.Code, Message: je.Error.Message}
		}
		buf = e.Value().AppendCanonical(buf[:0])
		chain = chainNext(chain, buf)
		if hex.EncodeToString(chain[:]) != je.Digest {
			return nil, bad("entry digest does not match: the trace was altered at or before this entry")
		}
		t.Entries = append(t.Entries, e)
	}
}

// readLine returns the next non-empty line without its newline, or io.EOF.
func readLine(br *bufio.Reader) ([]byte, error) {
	for {
		line, err := br.ReadBytes('\n')
		line = bytes.TrimRight(line, "\r\n")
		if len(line) > 0 {
			return line, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

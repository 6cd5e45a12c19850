package interchange

import (
	"encoding/json"
	"fmt"
	"sort"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
)

// jnode is a parsed JSON value that remembers where it was, so a mistake
// in an interchange file is reported at its line and column.
type jnode struct {
	kind  byte // 'o' object, 'a' array, 's' string, 'n' number, 'b' bool, 'z' null
	start int
	end   int
	keys  []string
	vals  []*jnode
	items []*jnode
	str   string
}

func (n *jnode) get(key string) *jnode {
	for i, k := range n.keys {
		if k == key {
			return n.vals[i]
		}
	}
	return nil
}

func (n *jnode) describe() string {
	return map[byte]string{'o': "an object", 'a': "an array", 's': "a string", 'n': "a number", 'b': "a bool", 'z': "null"}[n.kind]
}

// jsonParser is a small JSON parser with byte offsets. Strings are decoded
// by encoding/json, so escapes follow the standard exactly.
type jsonParser struct {
	src      []byte
	pos      int
	filename string
	lines    []int // offsets of line starts
}

func newJSONParser(src []byte, filename string) *jsonParser {
	p := &jsonParser{src: src, filename: filename, lines: []int{0}}
	for i, c := range src {
		if c == '\n' {
			p.lines = append(p.lines, i+1)
		}
	}
	return p
}

func (p *jsonParser) at(off int) hcl.Pos {
	line := sort.Search(len(p.lines), func(i int) bool { return p.lines[i] > off }) - 1
	return hcl.Pos{Line: line + 1, Column: off - p.lines[line] + 1, Byte: off}
}

func (p *jsonParser) rng(start, end int) hcl.Range {
	return hcl.Range{Filename: p.filename, Start: p.at(start), End: p.at(end)}
}

func (p *jsonParser) nodeRange(n *jnode) hcl.Range { return p.rng(n.start, n.end) }

func (p *jsonParser) errorAt(off int, format string, args ...any) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid JSON", Detail: fmt.Sprintf(format, args...), Subject: p.rng(off, min(off+1, len(p.src))).Ptr()}
}

func (p *jsonParser) skip() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t' || p.src[p.pos] == '\n' || p.src[p.pos] == '\r') {
		p.pos++
	}
}

func (p *jsonParser) document() (*jnode, *hcl.Diagnostic) {
	n, d := p.value(0)
	if d != nil {
		return nil, d
	}
	p.skip()
	if p.pos != len(p.src) {
		return nil, p.errorAt(p.pos, "unexpected data after the JSON value")
	}
	return n, nil
}

func (p *jsonParser) value(depth int) (*jnode, *hcl.Diagnostic) {
	if depth > 512 {
		return nil, p.errorAt(p.pos, "nested too deeply")
	}
	p.skip()
	if p.pos >= len(p.src) {
		return nil, p.errorAt(p.pos, "unexpected end of input")
	}
	start := p.pos
	switch c := p.src[p.pos]; {
	case c == '{':
		return p.object(start, depth)
	case c == '[':
		return p.array(start, depth)
	case c == '"':
		p.pos++
		for p.pos < len(p.src) && p.src[p.pos] != '"' {
			if p.src[p.pos] == '\\' {
				p.pos++
			}
			p.pos++
		}
		if p.pos >= len(p.src) {
			return nil, p.errorAt(start, "unterminated string")
		}
		p.pos++
		n := &jnode{kind: 's', start: start, end: p.pos}
		if raw := p.src[start+1 : p.pos-1]; plainString(raw) {
			n.str = string(raw) // no escapes: the common case, without the decoder
			return n, nil
		}
		if err := json.Unmarshal(p.src[start:p.pos], &n.str); err != nil {
			return nil, p.errorAt(start, "bad string: %v", err)
		}
		return n, nil
	case c == '-' || c >= '0' && c <= '9':
		for p.pos < len(p.src) && (p.src[p.pos] == '-' || p.src[p.pos] == '+' || p.src[p.pos] == '.' || p.src[p.pos] == 'e' || p.src[p.pos] == 'E' || p.src[p.pos] >= '0' && p.src[p.pos] <= '9') {
			p.pos++
		}
		if !json.Valid(p.src[start:p.pos]) {
			return nil, p.errorAt(start, "bad number")
		}
		return &jnode{kind: 'n', start: start, end: p.pos, str: string(p.src[start:p.pos])}, nil
	}
	for _, lit := range []struct {
		word string
		kind byte
	}{{"true", 'b'}, {"false", 'b'}, {"null", 'z'}} {
		if len(p.src)-p.pos >= len(lit.word) && string(p.src[p.pos:p.pos+len(lit.word)]) == lit.word {
			p.pos += len(lit.word)
			return &jnode{kind: lit.kind, start: start, end: p.pos, str: lit.word}, nil
		}
	}
	return nil, p.errorAt(start, "unexpected character %q", p.src[start])
}

// object parses an object whose '{' is at start.
func (p *jsonParser) object(start, depth int) (*jnode, *hcl.Diagnostic) {
	n := &jnode{kind: 'o', start: start}
	p.pos++
	p.skip()
	if p.pos < len(p.src) && p.src[p.pos] == '}' {
		p.pos++
		n.end = p.pos
		return n, nil
	}
	for {
		p.skip()
		k, d := p.value(depth + 1)
		if d != nil {
			return nil, d
		}
		if k.kind != 's' {
			return nil, p.errorAt(k.start, "an object key is a string")
		}
		p.skip()
		if p.pos >= len(p.src) || p.src[p.pos] != ':' {
			return nil, p.errorAt(p.pos, "expected ':'")
		}
		p.pos++
		v, d := p.value(depth + 1)
		if d != nil {
			return nil, d
		}
		if n.get(k.str) != nil {
			return nil, p.errorAt(k.start, "duplicate key %q", k.str)
		}
		n.keys, n.vals = append(n.keys, k.str), append(n.vals, v)
		p.skip()
		if p.pos < len(p.src) && p.src[p.pos] == ',' {
			p.pos++
			continue
		}
		if p.pos < len(p.src) && p.src[p.pos] == '}' {
			p.pos++
			n.end = p.pos
			return n, nil
		}
		return nil, p.errorAt(p.pos, "expected ',' or '}'")
	}
}

// array parses an array whose '[' is at start.
func (p *jsonParser) array(start, depth int) (*jnode, *hcl.Diagnostic) {
	n := &jnode{kind: 'a', start: start}
	p.pos++
	p.skip()
	if p.pos < len(p.src) && p.src[p.pos] == ']' {
		p.pos++
		n.end = p.pos
		return n, nil
	}
	for {
		v, d := p.value(depth + 1)
		if d != nil {
			return nil, d
		}
		n.items = append(n.items, v)
		p.skip()
		if p.pos < len(p.src) && p.src[p.pos] == ',' {
			p.pos++
			continue
		}
		if p.pos < len(p.src) && p.src[p.pos] == ']' {
			p.pos++
			n.end = p.pos
			return n, nil
		}
		return nil, p.errorAt(p.pos, "expected ',' or ']'")
	}
}

// plainString reports whether a JSON string body needs no decoding: no
// escapes, no control characters, valid UTF-8.
func plainString(raw []byte) bool {
	for _, c := range raw {
		if c == '\\' || c < 0x20 {
			return false
		}
	}
	return utf8.Valid(raw)
}

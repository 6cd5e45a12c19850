package hclsafe

import "bytes"

// kind is what an open frame of the scan is.
type kind uint8

const (
	root    kind = iota // the file: code, never popped
	bracket             // ( [ { in code: closed by ) ] }
	interp              // ${ or %{ in a template: code closed by }
	quoted              // "..." : a template
	heredoc             // <<EOT ... EOT : a template
)

// frame is one open level. extra counts what nests in the parser without
// a bracket of its own: in code, the operators and the indexes or calls
// of the current expression (each one a level of its tree); in a
// template, the open if and for directives.
type frame struct {
	kind   kind
	open   byte   // bracket: the byte that opened it
	marker []byte // heredoc: the closing marker
	extra  int
}

// scanner walks the source once, keeping the open frames.
type scanner struct {
	src   []byte
	pos   int
	max   int
	stack []frame
	extra int // the sum of the frames' extra
}

// depth is the parser's nesting at this point: every open frame except
// the file, and every open conditional and directive.
func (s *scanner) depth() int { return len(s.stack) - 1 + s.extra }

// run scans to the end; when the nesting exceeds the limit it returns the
// offset where it did, the depth there and false.
func (s *scanner) run() (int, int, bool) {
	for s.pos < len(s.src) {
		var ok bool
		switch s.top().kind {
		case quoted:
			ok = s.quoted()
		case heredoc:
			ok = s.heredoc()
		default:
			ok = s.code()
		}
		if !ok {
			return s.pos, s.depth(), false
		}
	}
	return 0, 0, true
}

func (s *scanner) top() *frame { return &s.stack[len(s.stack)-1] }

func (s *scanner) push(f frame) bool {
	s.stack = append(s.stack, f)
	return s.depth() <= s.max
}

func (s *scanner) pop() {
	if len(s.stack) > 1 {
		s.extra -= s.top().extra
		s.stack = s.stack[:len(s.stack)-1]
	}
}

// endExpression forgets the conditionals of the expression that ended.
func (s *scanner) endExpression() {
	f := s.top()
	s.extra -= f.extra
	f.extra = 0
}

func (s *scanner) at(i int) byte {
	if i < len(s.src) {
		return s.src[i]
	}
	return 0
}

// code reads one token's worth of code.
func (s *scanner) code() bool {
	c := s.src[s.pos]
	switch {
	case c == '#' || c == '/' && s.at(s.pos+1) == '/':
		if i := bytes.IndexByte(s.src[s.pos:], '\n'); i >= 0 {
			s.pos += i // the newline itself ends an expression below
		} else {
			s.pos = len(s.src)
		}
	case c == '/' && s.at(s.pos+1) == '*':
		if i := bytes.Index(s.src[s.pos+2:], []byte("*/")); i >= 0 {
			s.pos += 2 + i + 2
		} else {
			s.pos = len(s.src)
		}
	case c == '"':
		s.pos++
		return s.push(frame{kind: quoted})
	case c == '(' || c == '[' || c == '{':
		if !s.push(frame{kind: bracket, open: c}) {
			return false
		}
		s.pos++
	case c == ')' || c == ']' || c == '}':
		s.pop()
		s.pos++
		// What was closed may be indexed or called again, a[x][y]: each
		// such suffix is one more level of the expression's tree. An
		// interpolation closed back into its template is not: a
		// template's parts are a flat list.
		if k := s.top().kind; k == quoted || k == heredoc {
			return true
		}
		return s.grow(1)
	case c == '<' && s.at(s.pos+1) == '<' && s.heredocAhead():
		return s.openHeredoc()
	case isOperator(c):
		// Operators build a tree as deep as their chain is long, whether
		// binary (1+1+1...), unary (!!!x, - - -1) or conditional
		// (a ? b : c ? d : ...); the expression's end forgets them.
		if !s.grow(1) {
			return false
		}
		s.pos++
	case c == ',':
		s.endExpression()
		s.pos++
	case c == '\n':
		// Newlines end an attribute in a body or an item of an object;
		// inside ( and [ the expression goes on.
		if k := s.top().kind; k == root || k == bracket && s.top().open == '{' {
			s.endExpression()
		}
		s.pos++
	default:
		s.pos++
	}
	return true
}

// grow adds n levels to the current expression.
func (s *scanner) grow(n int) bool {
	s.top().extra += n
	s.extra += n
	return s.depth() <= s.max
}

// isOperator reports the bytes of HCL's operators (and =, which an
// attribute or an object item has once).
func isOperator(c byte) bool {
	switch c {
	case '!', '-', '+', '*', '/', '%', '<', '>', '=', '&', '|', '?':
		return true
	}
	return false
}

// heredocHeader reads the header of a heredoc at s.pos, <<EOT or <<-EOT
// and its newline: the marker and the offset after the newline, or a nil
// marker when this is not a heredoc.
func (s *scanner) heredocHeader() ([]byte, int) {
	i := s.pos + 2
	if s.at(i) == '-' {
		i++
	}
	start := i
	for i < len(s.src) && isIdentByte(s.src[i], i == start) {
		i++
	}
	marker := s.src[start:i]
	if s.at(i) == '\r' {
		i++
	}
	if len(marker) == 0 || s.at(i) != '\n' {
		return nil, 0
	}
	return marker, i + 1
}

func (s *scanner) heredocAhead() bool {
	m, _ := s.heredocHeader()
	return m != nil
}

// openHeredoc enters the heredoc whose header is at s.pos.
func (s *scanner) openHeredoc() bool {
	marker, next := s.heredocHeader()
	s.pos = next
	return s.push(frame{kind: heredoc, marker: marker})
}

func isIdentByte(c byte, first bool) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80 ||
		!first && (c == '-' || c >= '0' && c <= '9')
}

// quoted reads one piece of a quoted string.
func (s *scanner) quoted() bool {
	switch c := s.src[s.pos]; c {
	case '\\':
		s.pos += 2
	case '"':
		s.pop()
		s.pos++
	case '\n':
		// An unterminated string; the parser reports it and reads on as
		// code, so do the same.
		s.pop()
	case '$', '%':
		return s.template(c)
	default:
		s.pos++
	}
	return true
}

// heredoc reads one piece of a heredoc.
func (s *scanner) heredoc() bool {
	if s.pos == 0 || s.src[s.pos-1] == '\n' {
		end := bytes.IndexByte(s.src[s.pos:], '\n')
		if end < 0 {
			end = len(s.src) - s.pos
		}
		if bytes.Equal(bytes.TrimSpace(s.src[s.pos:s.pos+end]), s.top().marker) {
			s.pop()
			s.pos += end // the newline ends the attribute, as code
			return true
		}
	}
	if c := s.src[s.pos]; c == '$' || c == '%' {
		return s.template(c)
	}
	s.pos++
	return true
}

// template reads what starts with $ or % in a template: an escape ($${,
// %%{), an interpolation or a directive, or a plain character.
func (s *scanner) template(c byte) bool {
	switch {
	case s.at(s.pos+1) == c && s.at(s.pos+2) == '{':
		s.pos += 3
		return true
	case s.at(s.pos+1) != '{':
		s.pos++
		return true
	}
	if c == '%' {
		t := s.top()
		switch s.keyword(s.pos + 2) {
		case "if", "for":
			t.extra++
			s.extra++
		case "endif", "endfor":
			if t.extra > 0 {
				t.extra--
				s.extra--
			}
		}
	}
	s.pos += 2
	return s.push(frame{kind: interp})
}

// keyword is the word a directive starts with at i, after any ~ and
// spaces.
func (s *scanner) keyword(i int) string {
	for i < len(s.src) && (s.src[i] == '~' || s.src[i] == ' ' || s.src[i] == '\t') {
		i++
	}
	start := i
	for i < len(s.src) && s.src[i] >= 'a' && s.src[i] <= 'z' {
		i++
	}
	return string(s.src[start:i])
}

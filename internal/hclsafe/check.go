package hclsafe

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
)

// DefaultMaxDepth is the nesting Check accepts when given no limit. A
// deployment or protocol nests a few levels; the HCL parser overflows
// its stack somewhere past 100,000 and spends seconds well before that,
// so 512 is generous to authors and cheap for the parser.
const DefaultMaxDepth = 512

// Check reports the first place where src nests more than maxDepth
// levels deep (DefaultMaxDepth when maxDepth <= 0), or the first byte
// that is not UTF-8, as one error diagnostic at filename:line:col. It
// returns nil for input the parser may be given.
func Check(src []byte, filename string, maxDepth int) hcl.Diagnostics {
	if maxDepth <= 0 {
		maxDepth = DefaultMaxDepth
	}
	if !utf8.Valid(src) {
		off := invalidUTF8(src)
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Not a text file",
			Detail:   "This byte is not UTF-8 text, and HCL files are UTF-8. Check this is the file you meant (not a binary, or a file saved in another encoding).",
			Subject:  rangeAt(src, filename, off).Ptr(),
		}}
	}
	s := scanner{src: src, max: maxDepth, stack: make([]frame, 1, 16)}
	if off, depth, ok := s.run(); !ok {
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Nested too deeply",
			Detail: fmt.Sprintf("The file nests more than %d levels deep here (brackets, blocks, string templates, template directives, and the operators, indexes and calls of one expression; %d at this point). "+
				"No deployment or protocol needs this many; split the expression, or check this is the file you meant.", maxDepth, depth),
			Subject: rangeAt(src, filename, off).Ptr(),
		}}
	}
	return nil
}

func invalidUTF8(src []byte) int {
	for off := 0; off < len(src); {
		r, n := utf8.DecodeRune(src[off:])
		if r == utf8.RuneError && n <= 1 {
			return off
		}
		off += n
	}
	return len(src)
}

// rangeAt is the one-character range at byte offset off. Columns count
// characters, as hcl's do for the text the parser accepts.
func rangeAt(src []byte, filename string, off int) hcl.Range {
	off = min(off, len(src))
	line := 1 + bytes.Count(src[:off], []byte{'\n'})
	lineStart := bytes.LastIndexByte(src[:off], '\n') + 1
	col := 1 + utf8.RuneCount(src[lineStart:off])
	start := hcl.Pos{Line: line, Column: col, Byte: off}
	end := start
	if off < len(src) {
		_, n := utf8.DecodeRune(src[off:])
		end = hcl.Pos{Line: line, Column: col + 1, Byte: off + n}
	}
	return hcl.Range{Filename: filename, Start: start, End: end}
}

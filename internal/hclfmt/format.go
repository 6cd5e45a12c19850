package hclfmt

import (
	"bytes"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/aurahost/aura-host/internal/hclsafe"
)

// Format returns src in canonical layout. filename names the source in
// diagnostics. A source that does not parse as HCL (or that hclsafe
// refuses: not UTF-8, nested too deeply) is not formatted: the result is
// nil and the diagnostics say where. Warnings, if the parser had any, are
// returned with the formatted bytes.
//
// Beyond hclwrite.Format, which only changes the spaces between tokens,
// Format ends every line outside a heredoc with LF (a CR LF in a heredoc
// is part of the string's value, so heredocs are left byte for byte) and
// ends the file with exactly one newline. What Terraform's fmt also does —
// "${x}" written as x — would change meaning here (a string becomes the
// value it held), so Format does not.
func Format(src []byte, filename string) ([]byte, hcl.Diagnostics) {
	out, _, diags := format(src, filename)
	return out, diags
}

// format is Format, also returning the parsed file (nil when hclsafe
// refused it) for diagnostic snippets.
func format(src []byte, filename string) ([]byte, *hcl.File, hcl.Diagnostics) {
	if diags := hclsafe.Check(src, filename, 0); diags.HasErrors() {
		return nil, nil, diags
	}
	file, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, file, diags
	}
	out := tidyLines(hclwrite.Format(src))
	if !sameTokens(src, out) {
		// hclwrite only moves whitespace, and tidyLines only line endings;
		// if either ever did more, refuse rather than write it.
		start := hcl.Pos{Line: 1, Column: 1}
		return nil, file, append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Cannot format this file safely",
			Detail:   "Its canonical layout would change more than whitespace, so it is left as it is. This is a bug in aura-host fmt: please report it with the file.",
			Subject:  &hcl.Range{Filename: filename, Start: start, End: start},
		})
	}
	return out, file, diags
}

// tidyLines ends every line outside a heredoc with LF and the file with
// exactly one newline (an empty file stays empty). src lexes: Format
// parsed it first, and hclwrite only changed its spaces.
func tidyLines(src []byte) []byte {
	toks, diags := hclsyntax.LexConfig(src, "", hcl.InitialPos)
	if diags.HasErrors() {
		return src
	}
	end := contentEnd(toks)
	var b bytes.Buffer
	b.Grow(len(src) + 1)
	prev, heredoc := 0, false
	for _, t := range toks {
		if t.Range.Start.Byte >= end {
			break
		}
		b.Write(src[prev:t.Range.Start.Byte]) // the spaces before the token
		prev = t.Range.End.Byte
		switch {
		case t.Type == hclsyntax.TokenOHeredoc:
			heredoc = true
		case t.Type == hclsyntax.TokenCHeredoc:
			heredoc = false
		case heredoc:
		case t.Type == hclsyntax.TokenNewline:
			b.WriteByte('\n')
			continue
		case t.Type == hclsyntax.TokenComment && bytes.HasSuffix(t.Bytes, []byte("\r\n")):
			b.Write(t.Bytes[:len(t.Bytes)-2])
			b.WriteByte('\n')
			continue
		}
		b.Write(t.Bytes)
	}
	if b.Len() > 0 && !bytes.HasSuffix(b.Bytes(), []byte("\n")) {
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// contentEnd is the byte offset where the last token that is not a
// newline ends: what follows it is blank lines and the end of the file.
func contentEnd(toks hclsyntax.Tokens) int {
	for i := len(toks) - 1; i >= 0; i-- {
		switch toks[i].Type {
		case hclsyntax.TokenEOF, hclsyntax.TokenNewline:
			continue
		}
		return toks[i].Range.End.Byte
	}
	return 0
}

// sameTokens reports whether a and b are the same sequence of tokens, up
// to line endings outside heredocs and newlines at the end of the file:
// whether they mean the same. Spaces between tokens carry no meaning in
// HCL; newlines do (they end attributes), so they are compared.
func sameTokens(a, b []byte) bool {
	ta, ok := meaningful(a)
	if !ok {
		return false
	}
	tb, ok := meaningful(b)
	if !ok || len(ta) != len(tb) {
		return false
	}
	for i := range ta {
		if ta[i].typ != tb[i].typ || ta[i].text != tb[i].text {
			return false
		}
	}
	return true
}

// token is a lexed token reduced to what it means.
type token struct {
	typ  hclsyntax.TokenType
	text string
}

// meaningful lexes src into its tokens with the line endings outside
// heredocs made LF and the trailing newlines dropped; false if it does
// not lex.
func meaningful(src []byte) ([]token, bool) {
	toks, diags := hclsyntax.LexConfig(src, "", hcl.InitialPos)
	if diags.HasErrors() {
		return nil, false
	}
	end := contentEnd(toks)
	out := make([]token, 0, len(toks))
	heredoc := false
	for _, t := range toks {
		if t.Range.Start.Byte >= end {
			break
		}
		text := string(t.Bytes)
		switch {
		case t.Type == hclsyntax.TokenOHeredoc:
			heredoc = true
		case t.Type == hclsyntax.TokenCHeredoc:
			heredoc = false
		case heredoc:
		case t.Type == hclsyntax.TokenNewline:
			text = "\n"
		case t.Type == hclsyntax.TokenComment:
			// A line comment ends at a newline or at the end of the file.
			text = strings.TrimSuffix(strings.TrimSuffix(text, "\n"), "\r")
		}
		out = append(out, token{t.Type, text})
	}
	return out, true
}

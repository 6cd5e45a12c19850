package config

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
)

// WriteDiagnostics prints diags the way Terraform users know them: the
// severity and summary, the file position, the offending source lines, and
// the detail. files supplies the source for snippets (Deployment.Files).
//
// It follows hcl.NewDiagnosticTextWriter's layout with two additions that
// the HCL writer lacks: the position includes the column
// ("on deployment.hcl:4:3"), and without color the subject is underlined
// with carets, so plain logs and golden files still show exactly what is
// wrong. With color the subject is highlighted instead, as HCL does.
func WriteDiagnostics(w io.Writer, files map[string]*hcl.File, diags hcl.Diagnostics, color bool) error {
	lines := make(map[*hcl.File]lineIndex)
	for _, diag := range diags {
		if err := writeDiagnostic(w, files, lines, diag, color); err != nil {
			return fmt.Errorf("write diagnostics: %w", err)
		}
	}
	return nil
}

func writeDiagnostic(w io.Writer, files map[string]*hcl.File, lines map[*hcl.File]lineIndex, diag *hcl.Diagnostic, color bool) error {
	severity, colorCode, highlight, reset := "Error", "", "", ""
	if diag.Severity == hcl.DiagWarning {
		severity = "Warning"
	}
	if color {
		colorCode, highlight, reset = "\x1b[31m", "\x1b[1;4m", "\x1b[0m"
		if diag.Severity == hcl.DiagWarning {
			colorCode = "\x1b[33m"
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s%s%s: %s\n\n", colorCode, severity, reset, diag.Summary)
	if s := diag.Subject; s != nil {
		file := files[s.Filename]
		if file == nil || file.Bytes == nil {
			fmt.Fprintf(&b, "  on %s:%d:%d:\n  (source code not available)\n\n", s.Filename, s.Start.Line, s.Start.Column)
		} else {
			context := ""
			if nav, ok := file.Nav.(interface{ ContextString(int) string }); ok {
				if c := nav.ContextString(s.Start.Byte); c != "" {
					if len(c) > maxContextBytes { // a block label of a megabyte
						c = strings.ToValidUTF8(c[:maxContextBytes], "") + "…"
					}
					context = ", in " + c
				}
			}
			fmt.Fprintf(&b, "  on %s:%d:%d%s:\n", s.Filename, s.Start.Line, s.Start.Column, context)
			ix, ok := lines[file]
			if !ok {
				ix = indexLines(file.Bytes)
				lines[file] = ix
			}
			writeSnippet(&b, file.Bytes, ix, diag, highlight, reset)
			b.WriteByte('\n')
		}
	}
	if diag.Detail != "" {
		fmt.Fprintf(&b, "%s\n\n", diag.Detail)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeSnippet prints the source lines the subject (and context) cover,
// marking the subject: with highlight codes in color, else with a line of
// carets under it.
func writeSnippet(b *strings.Builder, src []byte, ix lineIndex, diag *hcl.Diagnostic, highlight, reset string) {
	subject := *diag.Subject
	snip := subject
	if diag.Context != nil {
		snip = hcl.RangeOver(snip, *diag.Context)
	}
	// An empty range cannot be shown: widen it to one character, as HCL does.
	mark := subject
	if mark.Empty() {
		mark.End.Byte++
		mark.End.Column++
	}
	subjectLine := ix.lineAt(subject.Start.Byte)
	for i := ix.lineAt(snip.Start.Byte); i <= ix.lineAt(max(snip.End.Byte-1, snip.Start.Byte)); i++ {
		line := ix.line(i, src, subject.Filename)
		text := line.SliceBytes(src)
		if len(text) > maxSnippetLineBytes {
			fmt.Fprintf(b, "%4d: (a line of %d bytes, too long to show)\n", i+1, len(text))
			continue
		}
		pre, hl, post := line.PartitionAround(mark)
		if highlight != "" && !hl.Empty() {
			fmt.Fprintf(b, "%4d: %s%s%s%s%s\n", i+1, pre.SliceBytes(src), highlight, hl.SliceBytes(src), reset, post.SliceBytes(src))
			continue
		}
		fmt.Fprintf(b, "%4d: %s\n", i+1, text)
		if highlight != "" {
			continue
		}
		lead := pre.SliceBytes(src)
		n := utf8.RuneCount(hl.SliceBytes(src))
		if n == 0 {
			if i != subjectLine {
				continue
			}
			// The subject is empty or past the end of the line: one caret
			// where it starts.
			end := min(max(subject.Start.Byte, line.Start.Byte), line.End.Byte)
			lead, n = src[line.Start.Byte:end], 1
		}
		b.WriteString("      ")
		for _, r := range string(lead) {
			if r == '\t' {
				b.WriteByte('\t')
			} else {
				b.WriteByte(' ')
			}
		}
		b.WriteString(strings.Repeat("^", n))
		b.WriteByte('\n')
	}
}

// maxSnippetLineBytes and maxContextBytes bound what one diagnostic
// prints of the source: a line of a megabyte (a generated file, a hostile
// name) is named, not printed three times.
const (
	maxSnippetLineBytes = 1000
	maxContextBytes     = 100
)

// lineIndex holds the byte offset where each line of a source starts, so a
// snippet costs the lines it shows, not a scan of the whole file.
type lineIndex []int

func indexLines(src []byte) lineIndex {
	ix := lineIndex{0}
	for i, c := range src {
		if c == '\n' {
			ix = append(ix, i+1)
		}
	}
	return ix
}

// lineAt returns the 0-based line holding byte offset off, clamped to the
// source.
func (ix lineIndex) lineAt(off int) int {
	return max(sort.SearchInts(ix, off+1)-1, 0)
}

// line returns the range of 0-based line i, without its line ending.
func (ix lineIndex) line(i int, src []byte, filename string) hcl.Range {
	start, end := ix[i], len(src)
	if i+1 < len(ix) {
		end = ix[i+1] - 1
	}
	if end > start && src[end-1] == '\r' {
		end--
	}
	return hcl.Range{
		Filename: filename,
		Start:    hcl.Pos{Line: i + 1, Column: 1, Byte: start},
		End:      hcl.Pos{Line: i + 1, Byte: end},
	}
}

package config

import (
	"bufio"
	"fmt"
	"io"
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
	for _, diag := range diags {
		if err := writeDiagnostic(w, files, diag, color); err != nil {
			return fmt.Errorf("write diagnostics: %w", err)
		}
	}
	return nil
}

func writeDiagnostic(w io.Writer, files map[string]*hcl.File, diag *hcl.Diagnostic, color bool) error {
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
					context = ", in " + c
				}
			}
			fmt.Fprintf(&b, "  on %s:%d:%d%s:\n", s.Filename, s.Start.Line, s.Start.Column, context)
			writeSnippet(&b, file.Bytes, diag, highlight, reset)
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
func writeSnippet(b *strings.Builder, src []byte, diag *hcl.Diagnostic, highlight, reset string) {
	subject := *diag.Subject
	snip := subject
	if diag.Context != nil {
		snip = hcl.RangeOver(snip, *diag.Context)
	}
	// An empty range cannot be shown: widen it to one character, as HCL does.
	if snip.Empty() {
		snip.End.Byte++
		snip.End.Column++
	}
	mark := subject
	if mark.Empty() {
		mark.End.Byte++
		mark.End.Column++
	}
	sc := hcl.NewRangeScanner(src, subject.Filename, bufio.ScanLines)
	for sc.Scan() {
		line := sc.Range()
		if !line.Overlaps(snip) {
			continue
		}
		pre, hl, post := line.PartitionAround(mark)
		if highlight != "" && !hl.Empty() {
			fmt.Fprintf(b, "%4d: %s%s%s%s%s\n", line.Start.Line, pre.SliceBytes(src), highlight, hl.SliceBytes(src), reset, post.SliceBytes(src))
			continue
		}
		fmt.Fprintf(b, "%4d: %s\n", line.Start.Line, sc.Bytes())
		if highlight != "" {
			continue
		}
		n := utf8.RuneCount(hl.SliceBytes(src))
		if n == 0 {
			if subject.Start.Line != line.Start.Line {
				continue
			}
			n = 1 // the subject is empty or past the end of the line
		}
		b.WriteString("      ")
		for _, r := range string(pre.SliceBytes(src)) {
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

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/hashicorp/hcl/v2"
	"github.com/mattn/go-isatty"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/host"
)

// writeAs prints a result for scripts (--json: v as indented JSON) or
// for people (text).
func writeAs(w io.Writer, asJSON bool, v any, text func(io.Writer)) error {
	if !asJSON {
		text(w)
		return nil
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// writeDiagnostic prints one diagnostic on stderr: with a snippet from
// files when it has a Subject, plainly otherwise.
func writeDiagnostic(d *hcl.Diagnostic, files map[string]*hcl.File) {
	if d.Subject == nil {
		fmt.Fprintf(stderr, "Error: %s\n\n%s\n", d.Summary, d.Detail)
		return
	}
	_ = config.WriteDiagnostics(stderr, files, hcl.Diagnostics{d}, colorful(stderr))
}

// printDiagnostics prints diags with their snippets from files; an error
// among them ends the command with status 1.
func printDiagnostics(files map[string]*hcl.File, diags hcl.Diagnostics) error {
	if len(diags) > 0 {
		_ = config.WriteDiagnostics(stderr, files, diags, colorful(stderr))
	}
	if diags.HasErrors() {
		return &exitError{code: 1}
	}
	return nil
}

// reportDiagnostics prints the configuration mistakes err carries
// (host.SplitDiagnostics) with their snippets from files, then the errors
// joined with them; false, printing nothing, when it carries none.
func reportDiagnostics(files map[string]*hcl.File, err error) bool {
	diags, rest, ok := host.SplitDiagnostics(err)
	if !ok {
		return false
	}
	_ = config.WriteDiagnostics(stderr, files, diags, colorful(stderr))
	if rest != nil {
		fmt.Fprintln(stderr, "Error:", rest)
	}
	return true
}

// colorful says whether w is a terminal that takes colour (NO_COLOR unset).
func colorful(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isatty.IsTerminal(f.Fd()) && os.Getenv("NO_COLOR") == ""
}

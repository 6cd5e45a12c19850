package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/config"
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

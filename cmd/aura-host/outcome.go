package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/hashicorp/hcl/v2"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/host/session"
)

// writeOutcome prints a session's outcome: as JSON, or for people.
func writeOutcome(w io.Writer, o *session.Outcome, asJSON bool) error {
	if asJSON {
		return writeJSON(w, o)
	}
	o.WriteText(w)
	return nil
}

// writeJSON prints v as indented JSON, the form of every --json.
func writeJSON(w io.Writer, v any) error {
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

package session

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/internal/hclsafe"
	"github.com/aurahost/aura-host/vm"
	"github.com/aurahost/aura-host/vm/interchange"
	"github.com/aurahost/aura-host/vm/project"
	"github.com/aurahost/aura-host/vm/syntax"
)

// ReadProtocol reads a protocol file, saying what to do when it cannot.
// Like a deployment, it must be a regular file of at most maxSize bytes
// (config.ReadSource; config.DefaultMaxFileSize when maxSize <= 0).
func ReadProtocol(path string, maxSize int64) ([]byte, error) {
	src, err := config.ReadSource(path, maxSize)
	if err != nil {
		return nil, fmt.Errorf("read protocol file: %w (give the path of a .hcl or .json protocol, e.g. examples/protocols/ping_pong.hcl)", err)
	}
	return src, nil
}

// isJSONProtocol says whether vm.Load reads src as the JSON interchange
// form, as it decides.
func isJSONProtocol(src []byte, filename string) bool {
	return strings.HasSuffix(filename, ".json") || bytes.HasPrefix(bytes.TrimSpace(src), []byte("{"))
}

// SourceFiles is the file map config.WriteDiagnostics takes snippets from.
// An HCL file is parsed so that a snippet's header names the enclosing
// block, as validate's do.
func SourceFiles(src []byte, filename string) map[string]*hcl.File {
	if !isJSONProtocol(src, filename) {
		if hclsafe.Check(src, filename, 0).HasErrors() {
			// Too deep for the parser, or not text: no snippet (its line
			// may be the whole file), as validate does.
			return map[string]*hcl.File{}
		}
		if f, _ := hclsyntax.ParseConfig(src, filename, hcl.InitialPos); f != nil {
			return map[string]*hcl.File{filename: f}
		}
	}
	return map[string]*hcl.File{filename: {Bytes: src}}
}

// protocolBlocks returns the top-level protocol blocks of an HCL protocol
// file (nil for JSON, or HCL that does not parse: vm reports that).
func protocolBlocks(src []byte, filename string) []*hclsyntax.Block {
	if isJSONProtocol(src, filename) || hclsafe.Check(src, filename, 0).HasErrors() {
		return nil // vm reports what is wrong with it
	}
	f, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	if diags.HasErrors() {
		return nil
	}
	var blocks []*hclsyntax.Block
	for _, b := range f.Body.(*hclsyntax.Body).Blocks {
		if b.Type == "protocol" && len(b.Labels) == 1 {
			blocks = append(blocks, b)
		}
	}
	return blocks
}

// ProtocolNames lists the protocols of a file that holds several, for
// checking each; otherwise one empty name: the file as it is.
func ProtocolNames(src []byte, filename string) []string {
	blocks := protocolBlocks(src, filename)
	if len(blocks) < 2 {
		return []string{""}
	}
	names := make([]string, len(blocks))
	for i, b := range blocks {
		names[i] = b.Labels[0]
	}
	return names
}

// SelectProtocol returns the source of the protocol called name. The
// protocol language holds one protocol per file; a file with several is
// accepted here, by blanking every other protocol block with spaces, so
// that each diagnostic keeps its line and column in the user's file (and
// a recorded trace carries a source that parses on its own). An empty
// name selects the file's only protocol; with several, needOne makes that
// a mistake that lists them.
func SelectProtocol(src []byte, filename, name string, needOne bool) ([]byte, map[string]*hcl.File, hcl.Diagnostics) {
	files := SourceFiles(src, filename)
	blocks := protocolBlocks(src, filename)
	var names []string
	for _, b := range blocks {
		names = append(names, b.Labels[0])
	}
	if len(blocks) > 1 && name == "" {
		if !needOne {
			return src, files, nil
		}
		return nil, files, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Several protocols",
			Detail:  fmt.Sprintf("%s holds the protocols %s; choose one with --protocol NAME.", filename, strings.Join(names, ", ")),
			Subject: blocks[1].DefRange().Ptr()}}
	}
	if name == "" || len(blocks) == 0 {
		return src, files, nil // JSON (checked by name once loaded), or vm reports the file
	}
	i := slices.Index(names, name)
	if i < 0 {
		return nil, files, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "No such protocol",
			Detail:  fmt.Sprintf("%s has no protocol %q; it holds %s.", filename, name, strings.Join(names, ", ")),
			Subject: blocks[0].DefRange().Ptr()}}
	}
	if len(blocks) == 1 {
		return src, files, nil
	}
	r := blocks[i].Range()
	out := slices.Clone(src)
	for j := range out {
		if (j < r.Start.Byte || j >= r.End.Byte) && out[j] != '\n' && out[j] != '\r' {
			out[j] = ' '
		}
	}
	return out, files, nil
}

// Compile selects, loads and compiles a protocol. The files map serves
// the snippets of the diagnostics, which may hold warnings even when
// there is no error.
func Compile(src []byte, filename, name string) (*syntax.Protocol, *vm.Program, map[string]*hcl.File, hcl.Diagnostics) {
	sel, files, diags := SelectProtocol(src, filename, name, true)
	if diags.HasErrors() {
		return nil, nil, files, diags
	}
	p, d := vm.Load(sel, filename)
	diags = append(diags, d...)
	if diags.HasErrors() {
		return nil, nil, files, diags
	}
	if name != "" && p.Name != name {
		return nil, nil, files, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "No such protocol",
			Detail: fmt.Sprintf("%s holds the protocol %q, not %q.", filename, p.Name, name), Subject: p.Range.Ptr()})
	}
	prog, d := vm.Compile(p)
	diags = append(diags, d...)
	if diags.HasErrors() {
		return nil, nil, files, diags
	}
	return p, prog, files, diags
}

// Project loads a protocol and projects it: the local type of one role
// (or of every role, when role is ""), as text or in the JSON interchange
// form (for every role, a JSON object keyed by role).
func Project(src []byte, filename, role string, asJSON bool) ([]byte, hcl.Diagnostics) {
	p, diags := vm.Load(src, filename)
	if diags.HasErrors() {
		return nil, diags
	}
	pr, d := project.Project(p)
	diags = append(diags, d...)
	if diags.HasErrors() {
		return nil, diags
	}
	var roles []string
	if role != "" {
		if p.RoleIndex(role) < 0 {
			return nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown role",
				Detail: fmt.Sprintf("%q is not a role of %s; the roles are %s.", role, p.Name, strings.Join(p.Roles, ", ")), Subject: p.Range.Ptr()})
		}
		roles = []string{role}
	}
	var out []byte
	var err error
	switch {
	case !asJSON:
		return []byte(pr.TextOf(roles...)), diags
	case role != "":
		out, err = interchange.LocalJSON(pr, role)
		out = append(out, '\n')
	default:
		out, err = interchange.ProjectionJSON(pr)
	}
	if err != nil {
		return nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot render JSON", Detail: err.Error(), Subject: p.Range.Ptr()})
	}
	return out, diags
}

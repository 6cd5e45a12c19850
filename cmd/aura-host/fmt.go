package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/aymanbagabas/go-udiff"
	"github.com/spf13/cobra"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/internal/hclfmt"
)

// fmtNotCanonical is the exit status of `fmt --check` when a file is not in
// canonical layout, as `terraform fmt -check` has it; 1 is a file that
// cannot be read or parsed.
const fmtNotCanonical = 3

// fmtFlags are the flags of `fmt`.
type fmtFlags struct {
	check, diff, recursive bool
}

func newFmtCommand(g *globals) *cobra.Command {
	f := &fmtFlags{}
	cmd := &cobra.Command{
		Use:   "fmt [--check] [--diff] [--recursive] [FILE|DIR|- ...]",
		Short: "Rewrite deployment and protocol files in canonical layout",
		Long: `Rewrite HCL files — deployments and protocols alike — in their canonical
layout, as terraform fmt does: two-space indentation, one space around
operators, equals signs aligned within a group of attributes, LF line
endings (a heredoc is left byte for byte), one newline at the end. Only
layout changes: the tokens stay the same, so a file means exactly what it
meant (a .json protocol is not HCL and is not formatted).

With no argument, fmt formats the .hcl files of the current directory. A
DIR gives its .hcl files, and with --recursive those of its sub-directories
too (not those whose name begins with a dot, such as .git). Inside a
directory symbolic links are skipped, never followed, so formatting a tree
never rewrites a file outside it; a FILE named on the command line is
formatted through a link. "-" reads standard input and writes the result to
standard output.

A file is rewritten in place, whole or not at all, keeping its permissions,
and its name printed. --check rewrites nothing: it prints the names of the
files that are not in canonical layout. --diff prints a unified diff of
each change. A file that does not parse is never rewritten: its mistakes
are printed at file:line:col, as validate prints them.

terraform fmt's one-dash spellings (-check, -diff, -recursive) work too.

Exit status: 0 when every file is (or now is) canonical; 3 with --check
when any file is not; 1 when a file cannot be read, parsed or written.`,
		Example: `  aura-host fmt examples/quickstart/deployment.hcl
  aura-host fmt --recursive examples
  aura-host fmt --check --diff --recursive examples
  cat deployment.hcl | aura-host fmt -`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runFmt(cmd, g, f, args)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.check, "check", false, "rewrite nothing: list the files not in canonical layout and exit 3 if there is any")
	fl.BoolVar(&f.diff, "diff", false, "print a unified diff of each change")
	fl.BoolVarP(&f.recursive, "recursive", "r", false, "also format the .hcl files in the sub-directories of each DIR")
	cmd.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return fmt.Errorf("%w (the flags are --check, --diff and --recursive)", err)
	})
	return cmd
}

func runFmt(cmd *cobra.Command, g *globals, f *fmtFlags, args []string) error {
	out := cmd.OutOrStdout()
	if len(args) == 0 {
		args = []string{"."}
	}
	for _, a := range args {
		if a == "-" {
			if len(args) > 1 {
				return errors.New(`"-" formats standard input alone: give it without files or directories`)
			}
			return fmtStdin(cmd.InOrStdin(), out, g, f)
		}
	}
	files, err := hclfmt.Expand(args, f.recursive)
	if err != nil {
		return err
	}
	failed, changed := false, false
	for _, path := range files {
		r := hclfmt.File(path, g.maxFileSize, !f.check)
		if r.Diags != nil {
			_ = config.WriteDiagnostics(stderr, r.Files, r.Diags, colorful(stderr))
		}
		if r.Err != nil {
			fmt.Fprintln(stderr, "Error:", r.Err)
		}
		if r.Err != nil || r.Diags.HasErrors() {
			failed = true
			continue
		}
		if !r.Changed() {
			continue
		}
		changed = true
		fmt.Fprintln(out, path)
		if f.diff {
			fmt.Fprint(out, udiff.Unified("old/"+path, "new/"+path, string(r.Src), string(r.Out)))
		}
	}
	switch {
	case failed:
		return &exitError{code: 1}
	case f.check && changed:
		return &exitError{code: fmtNotCanonical}
	}
	return nil
}

// fmtStdin formats standard input to standard output (with --check,
// nothing is written; with --diff, the diff instead of the result).
func fmtStdin(in io.Reader, out io.Writer, g *globals, f *fmtFlags) error {
	r := hclfmt.Read(in, hclfmt.Stdin, g.maxFileSize)
	if r.Diags != nil {
		_ = config.WriteDiagnostics(stderr, r.Files, r.Diags, colorful(stderr))
	}
	switch {
	case r.Err != nil:
		return r.Err
	case r.Out == nil:
		return &exitError{code: 1}
	case f.diff:
		fmt.Fprint(out, udiff.Unified("old/"+r.Path, "new/"+r.Path, string(r.Src), string(r.Out)))
	case !f.check:
		if _, err := out.Write(r.Out); err != nil {
			return err
		}
	}
	if f.check && r.Changed() {
		return &exitError{code: fmtNotCanonical}
	}
	return nil
}

// terraformFlags lets fmt take terraform fmt's one-dash flags (-check,
// -diff, -recursive) as well as --check: pflag alone would read -check as
// the shorthands -c -h -e -c -k. args are the command line after the
// program's name.
func terraformFlags(args []string) []string {
	i := slices.IndexFunc(args, func(a string) bool { return !strings.HasPrefix(a, "-") })
	if i < 0 || args[i] != "fmt" {
		return args
	}
	out := slices.Clone(args)
	for j := i + 1; j < len(out) && out[j] != "--"; j++ {
		switch out[j] {
		case "-check", "-diff", "-recursive":
			out[j] = "-" + out[j]
		}
	}
	return out
}

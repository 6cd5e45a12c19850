package main

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"

	"github.com/aurahost/aura-host/host/session"
)

func newProtocolCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "protocol",
		Short: "Check, project and run choreographies (multi-party protocols)",
		Long: `A protocol file describes a choreography: the messages between its roles,
written once from above (vm/LANGUAGE.md is the reference). These commands
check it, show what each role does on its own (its local type), and run it
with every effect call routed to a deployment's plugins.

Protocol files are HCL, or the JSON interchange form of other
multiparty-session-type tools (a .json file).`,
		Example: `  aura-host protocol check   examples/protocols/guardian_recovery.hcl
  aura-host protocol project examples/protocols/ping_pong.hcl --role Server
  aura-host protocol run     examples/protocols/guardian_recovery.hcl \
      --deployment examples/protocols/deployment/deployment.hcl --record recovery.jsonl`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newProtocolCheckCommand(g), newProtocolProjectCommand(g), newProtocolRunCommand(g))
	return cmd
}

func newProtocolCheckCommand(g *globals) *cobra.Command {
	var (
		name  string
		types bool
	)
	cmd := &cobra.Command{
		Use:   "check FILE",
		Short: "Check that a protocol is well formed, projects and compiles",
		Long: `Parse a protocol, check that it is well formed (roles, choices, loops,
bindings), project it onto every role and compile each role's code. On
success print the scheduler and step budget a run gets, and per role its
instructions, messages and effect operations (--types: each role's local
type). Every mistake is printed with file:line:col and a snippet, and the
exit status is 1. A file with several protocols is checked protocol by
protocol, or only the one --protocol names.`,
		Example: `  aura-host protocol check examples/protocols/guardian_recovery.hcl
  aura-host protocol check examples/protocols/two_phase_commit.hcl --types`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			file := args[0]
			src, err := session.ReadProtocol(file, g.maxFileSize)
			if err != nil {
				return err
			}
			names := []string{name}
			if name == "" {
				names = session.ProtocolNames(src, file)
			}
			failed := false
			for i, n := range names {
				if i > 0 {
					fmt.Fprintln(cmd.OutOrStdout())
				}
				p, prog, files, diags := session.Compile(src, file, n)
				if printDiagnostics(files, diags) != nil {
					failed = true
					continue
				}
				session.WriteCheck(cmd.OutOrStdout(), file, p, prog, types)
			}
			if failed {
				return &exitError{code: 1}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "protocol", "", "check only the protocol of this name (in a file that holds several)")
	cmd.Flags().BoolVar(&types, "types", false, "print every role's local type instead of the summary table")
	return cmd
}

func newProtocolProjectCommand(g *globals) *cobra.Command {
	var (
		name   string
		role   string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "project FILE",
		Short: "Print each role's local type: what that role alone does",
		Long: `Project a protocol onto its roles and print each role's local type: the
sends, receives, choices and role-local actions (invoke, set, now, ...) of
that role, in order. --role prints one role.

--json writes the JSON interchange form of multiparty-session-type tools:

  {"kind":"send"|"recv","partner":P,
   "branches":[{"label":{"name":L,"sort":S},"continuation":T}]}

with rec, var and end in the same style. Role-local actions have no place
in that form and are left out. Without --role the output is one JSON
object keyed by role; with --role, that role's local type alone.

Mistakes are printed with file:line:col and a snippet; exit status 1.`,
		Example: `  aura-host protocol project examples/protocols/ping_pong.hcl
  aura-host protocol project examples/protocols/guardian_recovery.hcl --role 'Guardian[0]'
  aura-host protocol project examples/protocols/two_phase_commit.hcl --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			file := args[0]
			src, err := session.ReadProtocol(file, g.maxFileSize)
			if err != nil {
				return err
			}
			sel, files, diags := session.SelectProtocol(src, file, name, true)
			var out []byte
			if !diags.HasErrors() {
				var d hcl.Diagnostics
				out, d = session.Project(sel, file, role, asJSON)
				diags = append(diags, d...)
			}
			if err := printDiagnostics(files, diags); err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(out)
			return err
		},
	}
	cmd.Flags().StringVar(&name, "protocol", "", "the protocol to project, in a file that holds several")
	cmd.Flags().StringVar(&role, "role", "", "print only this role's local type (a family member is written Guardian[0])")
	cmd.Flags().BoolVar(&asJSON, "json", false, "write the JSON interchange form instead of text")
	return cmd
}

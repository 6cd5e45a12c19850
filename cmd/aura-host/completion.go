package main

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/admin"
	"github.com/aurahost/aura-host/host/agent"
	"github.com/aurahost/aura-host/plugins"
)

// completionBound bounds what one completion may take (describing a
// command plugin, asking a running host).
const completionBound = 5 * time.Second

type completeFunc = func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective)

// addCompletions makes `aura-host completion` offer, besides commands and
// flags: files of the right kind for FILE arguments and --deployment,
// operation names after `invoke FILE` (what `aura-host plugins FILE`
// lists: built-in plugins described in process, command plugins launched
// to Describe them), NAME= for the operation's arguments, plugin names for
// reset, agent names for --as and the modes for --mode.
func addCompletions(root *cobra.Command, g *globals) {
	files := func(exts ...string) completeFunc {
		return func(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return exts, cobra.ShellCompDirectiveFilterFileExt
		}
	}
	byPath := map[string]completeFunc{
		"invoke": completeInvoke(g), "reset": completeReset(g), "watch": files("hcl"),
		"run": files("hcl"), "validate": files("hcl"), "plugins": files("hcl"), "key": files("hcl"),
		"simulate": files("hcl"), "status": files("hcl"),
		"protocol check": files("hcl", "json"), "protocol project": files("hcl", "json"), "protocol run": files("hcl", "json"),
		"trace replay": files("jsonl"), "trace diff": func(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) > 1 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return []cobra.Completion{"jsonl"}, cobra.ShellCompDirectiveFilterFileExt
		},
	}
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		if f, ok := byPath[strings.TrimPrefix(c.CommandPath(), root.Name()+" ")]; ok {
			c.ValidArgsFunction = f
		}
		_ = c.RegisterFlagCompletionFunc("mode", cobra.FixedCompletions([]cobra.Completion{"production", "testing", "simulation"}, cobra.ShellCompDirectiveNoFileComp))
		_ = c.RegisterFlagCompletionFunc("deployment", files("hcl"))
		_ = c.RegisterFlagCompletionFunc("as", func(c *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
			file, _ := c.Flags().GetString("deployment")
			if file == "" && len(args) > 0 {
				file = args[0]
			}
			if dep := quietDeployment(g, c, file); dep != nil {
				return agent.AgentNames(dep), cobra.ShellCompDirectiveNoFileComp
			}
			return nil, cobra.ShellCompDirectiveNoFileComp
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// quietDeployment loads file for a completion, in the mode --mode asks
// for: nil, printing nothing, if it has a mistake.
func quietDeployment(g *globals, c *cobra.Command, file string) *config.Deployment {
	if file == "" {
		return nil
	}
	dep, diags := config.Load(file, config.Options{Builtins: plugins.Names(), MaxFileSize: g.maxFileSize})
	if diags.HasErrors() {
		return nil
	}
	if m := c.Flags().Lookup("mode"); m != nil && m.Changed {
		var mode effects.Mode
		if mode.Set(m.Value.String()) == nil {
			dep = dep.WithMode(mode)
		}
	}
	return dep
}

// completeInvoke completes `invoke FILE OP NAME=VALUE...`.
func completeInvoke(g *globals) completeFunc {
	return func(c *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) == 0 {
			return []cobra.Completion{"hcl"}, cobra.ShellCompDirectiveFilterFileExt
		}
		dep := quietDeployment(g, c, args[0])
		if dep == nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		ctx, cancel := context.WithTimeout(c.Context(), completionBound)
		defer cancel()
		descs, err := agent.Describe(ctx, dep, plugins.Lookup, nil)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []cobra.Completion
		for _, d := range descs {
			for _, op := range d.Ops {
				if len(args) == 1 {
					out = append(out, cobra.CompletionWithDesc(string(op.ID), op.Signature()))
					continue
				}
				if string(op.ID) != args[1] {
					continue
				}
				for _, p := range op.Params {
					if !slices.ContainsFunc(args[2:], func(a string) bool { return strings.HasPrefix(a, p.Name+"=") }) {
						out = append(out, cobra.CompletionWithDesc(p.Name+"=", p.Kind.String()))
					}
				}
			}
		}
		slices.Sort(out)
		if len(args) == 1 {
			return out, cobra.ShellCompDirectiveNoFileComp
		}
		return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace // the value follows NAME=
	}
}

// completeReset completes `reset [FILE] PLUGIN`: first the plugins of the
// only running host, or a deployment file; after FILE, its plugins.
func completeReset(g *globals) completeFunc {
	return func(c *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
		switch len(args) {
		case 0:
			ctx, cancel := context.WithTimeout(c.Context(), completionBound)
			defer cancel()
			if sock, err := admin.Find(""); err == nil {
				if st, err := admin.Dial(sock).Status(ctx); err == nil {
					var names []cobra.Completion
					for _, p := range st.Plugins {
						names = append(names, p.Name)
					}
					return names, cobra.ShellCompDirectiveNoFileComp
				}
			}
			return []cobra.Completion{"hcl"}, cobra.ShellCompDirectiveFilterFileExt
		case 1:
			if dep := quietDeployment(g, c, args[0]); dep != nil {
				var names []cobra.Completion
				for _, p := range dep.Plugins {
					names = append(names, p.Name)
				}
				return names, cobra.ShellCompDirectiveNoFileComp
			}
		}
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
}

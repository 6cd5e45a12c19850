package supervise

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/aurahost/aura-host/effects"
)

// WritePluginTable prints plugins for people, as `aura-host run` does on
// start-up: one row per plugin with its state, PID, version and operation
// count.
func WritePluginTable(w io.Writer, plugins []PluginStatus) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PLUGIN\tSTATE\tPID\tVERSION\tOPERATIONS")
	for _, p := range plugins {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%d\n", p.Name, p.State, p.PID, p.Version, p.Operations)
	}
	_ = tw.Flush()
}

// WriteOperationTable prints every operation the plugins described (by
// plugin name, as Manager.Descriptors returns them), as `aura-host plugins`
// does: one row per operation in ID order, with its plugin and signature.
func WriteOperationTable(w io.Writer, descriptors map[string]effects.Descriptor) error {
	type row struct {
		plugin string
		spec   effects.OpSpec
	}
	var rows []row
	for name, d := range descriptors {
		for _, op := range d.Ops {
			rows = append(rows, row{name, op})
		}
	}
	slices.SortFunc(rows, func(a, b row) int { return strings.Compare(string(a.spec.ID), string(b.spec.ID)) })
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "OPERATION\tPLUGIN\tSIGNATURE")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.spec.ID, r.plugin, r.spec.Signature())
	}
	return tw.Flush()
}

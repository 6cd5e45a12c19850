package supervise

import (
	"fmt"
	"io"
	"text/tabwriter"
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

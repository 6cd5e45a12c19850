package admin

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// WriteText prints the status for people, as `aura-host status` does: the
// host's line, then a table of its plugins with uptimes measured to now.
func (s Status) WriteText(w io.Writer, now time.Time) {
	fmt.Fprintf(w, "deployment %q (%s), authority %s, host pid %d, up %s\n\n",
		s.Deployment, s.Mode, s.Authority, s.PID, now.Sub(s.Started).Round(time.Second))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PLUGIN\tSTATE\tPID\tUPTIME\tRESTARTS\tCALLS\tERRORS\tP50\tP99\tLAST EXIT")
	for _, p := range s.Plugins {
		uptime := "-"
		if !p.Started.IsZero() && p.PID != 0 {
			uptime = now.Sub(p.Started).Round(time.Second).String()
		}
		last := p.LastExit
		if last == "" {
			last = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%d\t%d\t%d\t%s\t%s\t%s\n", p.Name, p.State, p.PID, uptime,
			p.Restarts, p.Calls, p.Errors, latency(p.P50), latency(p.P99), last)
	}
	_ = tw.Flush()
}

// latency prints a latency bound, or - when none was measured.
func latency(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return "≤" + d.String()
}

package admin

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aurahost/aura-host/host/lifecycle"
	"github.com/aurahost/aura-host/host/supervise"
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
	if len(s.Services) > 0 {
		fmt.Fprintln(w)
		WriteServiceTable(w, s.Services)
	}
}

// WriteServiceTable prints the host-owned services in start order: their
// health (with its reason) and what each depends on.
func WriteServiceTable(w io.Writer, services []lifecycle.Status) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE	ORDER	STATE	DEPENDS ON	REASON")
	for _, s := range services {
		order, deps, reason := "-", "-", s.Health.Reason
		if s.Order > 0 {
			order = fmt.Sprint(s.Order)
		}
		if len(s.Dependencies) > 0 {
			deps = strings.Join(s.Dependencies, ", ")
		}
		if reason == "" {
			reason = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.Name, order, s.Health.State, deps, reason)
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

// WriteStartTables prints what `aura-host run` shows once the deployment
// started: its plugins (state, PID, version, operations), then its
// host-owned services, if any.
func (s Status) WriteStartTables(w io.Writer) {
	supervise.WritePluginTable(w, s.Plugins)
	if len(s.Services) > 0 {
		fmt.Fprintln(w)
		WriteServiceTable(w, s.Services)
	}
}

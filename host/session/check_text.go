package session

import (
	"fmt"
	"io"
	"strings"

	"github.com/aurahost/aura-host/vm"
	"github.com/aurahost/aura-host/vm/policy"
	"github.com/aurahost/aura-host/vm/syntax"
)

// WriteCheck prints what checking a good protocol found: its roles and
// instructions, the scheduler and step budget a session gets, then per
// role its instructions, messages and effect operations — or, with
// types, each role's local type.
func WriteCheck(w io.Writer, file string, p *syntax.Protocol, prog *vm.Program, types bool) {
	instrs := 0
	for _, rc := range prog.Roles {
		instrs += rc.Instructions()
	}
	fmt.Fprintf(w, "%s: protocol %q is well formed: %d roles, %d instructions\n", file, p.Name, len(p.Roles), instrs)
	sched, how := p.Scheduler, "declared"
	if sched == "" {
		exec, _ := policy.LookupExecution(p.Policy)
		sched, how = policy.SelectScheduler(policy.Signals{Heavy: exec.Heavy}), "by rule, without contention"
	}
	fmt.Fprintf(w, "scheduler: %s (%s)\n", SchedulerName(sched), how)
	if p.Policy != "" {
		fmt.Fprintf(w, "execution policy: %s\n", p.Policy)
	}
	budget, mult := StepBudget(p, prog)
	fmt.Fprintf(w, "step budget: %d (multiplier %d)\n\n", budget, mult)
	if types {
		for i, rc := range prog.Roles {
			if i > 0 {
				fmt.Fprintln(w)
			}
			fmt.Fprint(w, prog.Projection.Text(rc.Role))
		}
		return
	}
	tw := newTable(w)
	fmt.Fprintln(tw, "ROLE\tINSTRUCTIONS\tDEPTH\tSENDS\tRECEIVES\tEFFECTS")
	for _, rc := range prog.Roles {
		s := rc.Summary()
		effects := strings.Join(s.Effects, ", ")
		if effects == "" {
			effects = "-"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\n", rc.Role, rc.Instructions(), rc.Depth, s.Sends, s.Receives, effects)
	}
	_ = tw.Flush()
}

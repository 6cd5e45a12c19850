package policy

import "testing"

// TestSelectScheduler: the AURA-SPEC §8 rule, and the names a protocol may
// write. Moved from vm's TestSelectPolicy, which keeps the machine's part.
func TestSelectScheduler(t *testing.T) {
	for _, tt := range []struct {
		s    Signals
		want Scheduler
	}{
		{Signals{}, RoundRobin},
		{Signals{Heavy: true}, ProgressAware},
		{Signals{GuardContention: true}, PriorityAging},
		{Signals{FlowBudgetPressure: 74}, RoundRobin},
		{Signals{FlowBudgetPressure: 75, Heavy: true}, PriorityAging},
	} {
		if got := SelectScheduler(tt.s); got != tt.want {
			t.Errorf("SelectScheduler(%+v) = %s, want %s", tt.s, got, tt.want)
		}
	}
	for _, s := range []string{"round_robin", "aura.vm.scheduler.progress_aware", "priority_aging"} {
		if _, err := ParseScheduler(s); err != nil {
			t.Error(err)
		}
	}
	if _, err := ParseScheduler("fifo"); err == nil {
		t.Error("ParseScheduler accepted fifo")
	}
}

func TestLookupExecution(t *testing.T) {
	for _, name := range ExecutionNames() {
		e, ok := LookupExecution(name)
		if !ok || e.Name != name || e.StepMultiplier < DefaultStepMultiplier {
			t.Errorf("LookupExecution(%q) = %+v, %v", name, e, ok)
		}
		if _, err := ParseGranularity(string(e.Capture)); err != nil {
			t.Errorf("%s captures %q: %v", name, e.Capture, err)
		}
	}
	if _, ok := LookupExecution("aura.vm.nothing"); ok {
		t.Error("an unknown execution policy was found")
	}
	if _, err := ParseGranularity("some"); err == nil {
		t.Error("ParseGranularity accepted some")
	}
}

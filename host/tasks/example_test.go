package tasks_test

import (
	"context"
	"fmt"
	"time"

	"github.com/aurahost/aura-host/host/tasks"
)

// A periodic task on a ManualClock runs once each time the test moves time
// on by its interval; shutdown stops it and reports nothing left running.
func ExampleSupervisor() {
	clock := tasks.NewManualClock(time.Unix(0, 0).UTC())
	s := tasks.New(tasks.Config{Clock: clock})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	ran := make(chan struct{})
	sync := s.Group("agent").Group("sync")
	if err := sync.Every("anti-entropy", 30*time.Second, func(ctx context.Context) error {
		ran <- struct{}{}
		return nil
	}); err != nil {
		panic(err)
	}
	fmt.Println(s.Running())

	for range 3 {
		_ = clock.WaitForSleepers(ctx, 1) // the task is waiting for its next run
		clock.Advance(30 * time.Second)
		<-ran
	}
	_ = clock.WaitForSleepers(ctx, 1) // the third run is over and counted
	st, _ := s.Status("agent/sync/anti-entropy")
	fmt.Println("runs:", st.Runs)

	fmt.Println("shutdown:", s.Shutdown(ctx))
	fmt.Println(s.Running())
	// Output:
	// [agent/sync/anti-entropy]
	// runs: 3
	// shutdown: <nil>
	// []
}
